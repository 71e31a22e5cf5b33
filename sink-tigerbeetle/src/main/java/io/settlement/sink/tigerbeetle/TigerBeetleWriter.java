package io.settlement.sink.tigerbeetle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.avro.JournalEntry;
import io.settlement.contract.Topic;
import io.settlement.retry.RetryPolicy;
import io.settlement.sink.SinkLoop;
import io.settlement.sink.tigerbeetle.CommitDecision.Attempt;
import io.settlement.sink.tigerbeetle.CommitDecision.Decision;
import io.settlement.sink.tigerbeetle.LedgerClient.Pending;
import io.settlement.sink.tigerbeetle.LedgerClient.TransferError;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TigerBeetle sink's batch writer (docs/tigerbeetle.md): turns {@code settlement.journal}
 * records into accounts and linked transfer chains in TigerBeetle (see {@link LedgerMapping}).
 *
 * <p>Every record is decoded and mapped as it is read, and the accounts its chain touches that are
 * not yet known to exist are sent at once ({@link LedgerAccounts}; {@code exists} is fine, any
 * other answer stops the sink: the account definitions disagree). The chains go out in
 * create_transfers requests of at most {@code eventsPerRequestMax} transfers, never splitting a
 * chain, each once every account request before it was answered. Offsets are answered as written
 * once TigerBeetle answered, per partition up to the first entry it did not accept
 * ({@link CommitDecision}). A replayed entry ({@code exists}) counts as done. An entry TigerBeetle
 * refuses, or a record that cannot be read, halts its partition ({@link SinkLoop}: the other
 * partitions go on). A request TigerBeetle does not answer is retried as the sink's
 * {@link RetryPolicy} says ({@link LedgerRetries}), then its partitions are read again, so a sink
 * whose ledger is down lags and loses nothing.
 *
 * <p>Reading and writing overlap, as TigerBeetle's client allows one request in flight: while
 * TigerBeetle works on one create_transfers request, the writer maps the records of the next,
 * sends their new accounts (queued behind the transfers) and, once the next transfers are out,
 * answers for the request answered before (the loop commits it). Only one create_transfers request
 * is out at a time and the next goes out only after the one before was answered and acted on, so
 * no entry is sent after an entry of its partition that TigerBeetle refused or did not answer.
 * Records read beyond one request wait for the next; they are dropped, and read again, when their
 * partition is rewound or leaves, or when an account request was not answered.
 */
public final class TigerBeetleWriter implements SinkLoop.Writer {
    private static final Logger log = LoggerFactory.getLogger(TigerBeetleWriter.class);

    private final Deserializer<JournalEntry> decoder;
    private final LedgerClient ledger;
    private final TigerBeetleConfig config;
    private final LedgerRetries retries;
    private final LedgerAccounts accounts;

    /** Records read and not yet in a request, in offset order per partition, and their transfers. */
    private final Deque<JournalRecord> unsent = new ArrayDeque<>();
    private int unsentEvents;
    /** Partitions whose unreadable record is read and not yet acted on: nothing after it is read. */
    private final Set<TopicPartition> stoppedAtRead = new HashSet<>();
    /** The request that goes out next, taken from the unsent records once they fill one. */
    private LedgerRequest next;
    /** The request whose transfers TigerBeetle is working on. */
    private Sent inFlight;
    private volatile long written;

    private final Counter applied;
    private final Counter alreadyApplied;
    private final Counter disagreements;
    private final Counter unmappable;

    /**
     * @param ledger  the client it writes through, which it closes when it is closed
     * @param pause   how it waits between attempts
     * @param closing whether the sink is closing (retries stop)
     */
    public TigerBeetleWriter(Topic<Long, JournalEntry> journal, LedgerClient ledger, TigerBeetleConfig config,
                             MeterRegistry registry, RetryPolicy.Pause pause, BooleanSupplier closing) {
        this.decoder = journal.valueSerde().deserializer();
        this.ledger = ledger;
        this.config = config;
        String prefix = "settlement.sink.tigerbeetle.";
        this.applied = Counter.builder(prefix + "entries").tag("outcome", "applied").register(registry);
        this.alreadyApplied = Counter.builder(prefix + "entries").tag("outcome", "already_applied").register(registry);
        this.disagreements = Counter.builder(prefix + "halts").tag("reason", "disagrees").register(registry);
        this.unmappable = Counter.builder(prefix + "halts").tag("reason", "unmappable").register(registry);
        this.retries = new LedgerRetries(config.retries(), pause, closing, Counter.builder(prefix + "retries").register(registry));
        this.accounts = new LedgerAccounts(ledger, retries, config, Counter.builder(prefix + "accounts.created").register(registry));
    }

    /**
     * Reads the poll's records, sends what is ready, and answers for the request TigerBeetle worked
     * on: a request sent in one poll is acted on in a later one ({@link #busy()}).
     */
    @Override
    public SinkLoop.Outcome write(ConsumerRecords<byte[], byte[]> records) {
        SinkLoop.Outcome outcome = new SinkLoop.Outcome();
        read(records);
        boolean readAll = records.isEmpty();
        if (next == null && unsentEvents >= config.eventsPerRequestMax()) {
            // A full request: its transfers are put together now, while TigerBeetle works on the ones out.
            next = prepare();
        }
        if (inFlight != null && (next != null || readAll)) {
            Sent answered = inFlight;
            inFlight = null;
            finish(answered, outcome);
        }
        if (inFlight == null) {
            if (next == null && !unsent.isEmpty()) {
                next = prepare();
            }
            if (next != null) {
                LedgerRequest request = next;
                next = null;
                inFlight = send(request, outcome);
            }
        }
        // The loop commits after the next transfers went out: TigerBeetle works on them while Kafka commits.
        return outcome;
    }

    /** Whether records are read and not yet answered for (in a request out, the next one, or not yet in one). */
    @Override
    public boolean busy() {
        return inFlight != null || next != null || !unsent.isEmpty();
    }

    /**
     * Before partitions leave this instance: the request out is answered (the loop commits it, for
     * revoked partitions, while they are still ours); what was read of them and not sent is dropped.
     */
    @Override
    public SinkLoop.Outcome leaving(Collection<TopicPartition> partitions) {
        SinkLoop.Outcome outcome = new SinkLoop.Outcome();
        if (inFlight != null) {
            Sent answered = inFlight;
            inFlight = null;
            finish(answered, outcome);
        }
        partitions.forEach(this::forget);
        return outcome;
    }

    @Override
    public List<String> problems() {
        String problem = retries.problem();
        return problem == null ? List.of() : List.of("TigerBeetle: " + problem);
    }

    /** Journal entries written to TigerBeetle (applied or found applied already). */
    @Override
    public long written() {
        return written;
    }

    @Override
    public void close() {
        ledger.close();
    }

    /**
     * Decodes and maps each partition's records in order, up to and including the first unreadable
     * one, and sends the accounts they need: TigerBeetle creates them while the sink reads on.
     */
    private void read(ConsumerRecords<byte[], byte[]> records) {
        List<JournalRecord> read = new ArrayList<>(records.count());
        for (TopicPartition partition : records.partitions()) {
            if (stoppedAtRead.contains(partition)) {
                continue;
            }
            for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                JournalRecord one = readOne(partition, record);
                read.add(one);
                if (one.unmappable() != null) {
                    stoppedAtRead.add(partition);
                    break;
                }
            }
        }
        for (JournalRecord one : read) {
            unsent.addLast(one);
            unsentEvents += one.events();
        }
        accounts.sendFor(read);
    }

    private JournalRecord readOne(TopicPartition partition, ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return unmappable(partition, record, "?", "record has no value");
        }
        JournalEntry entry;
        try {
            entry = decoder.deserialize(record.topic(), record.headers(), record.value());
        } catch (RuntimeException e) {
            return unmappable(partition, record, "?", "cannot decode: " + e.getMessage());
        }
        Optional<String> problem = LedgerMapping.problem(entry);
        if (problem.isPresent()) {
            return unmappable(partition, record, entry.getEntryId(), problem.get());
        }
        return new JournalRecord(partition, record.offset(), record.timestamp(), entry.getEntryId(), LedgerMapping.mapChecked(entry), null);
    }

    private static JournalRecord unmappable(TopicPartition partition, ConsumerRecord<byte[], byte[]> record, String entryId, String why) {
        return new JournalRecord(partition, record.offset(), record.timestamp(), entryId, null, EntryOutcome.unmappable(why));
    }

    /** Takes the next request from the unsent records: as many whole chains as fit. */
    private LedgerRequest prepare() {
        List<JournalRecord> taken = new ArrayList<>(Math.min(unsent.size(), config.eventsPerRequestMax()));
        int events = 0;
        while (!unsent.isEmpty() && events + unsent.peekFirst().events() <= config.eventsPerRequestMax()) {
            JournalRecord record = unsent.pollFirst();
            taken.add(record);
            events += record.events();
        }
        if (taken.isEmpty()) {
            throw new IllegalStateException("a chain of " + unsent.peekFirst().events() + " transfers does not fit a request of "
                    + config.eventsPerRequestMax());
        }
        unsentEvents -= events;
        return new LedgerRequest(taken);
    }

    /** A request whose transfers went out ({@code answer}), or could not because its accounts were not answered. */
    private record Sent(LedgerRequest request, Pending<List<TransferError>> answer, String unanswered) {}

    /** Waits for the accounts sent so far, then sends the request's transfers without waiting. */
    private Sent send(LedgerRequest request, SinkLoop.Outcome outcome) {
        Optional<String> unanswered = accounts.awaitSent();
        if (unanswered.isPresent()) {
            // The records read since may need accounts that were not created: they are read again.
            rewindUnsent(outcome);
            return new Sent(request, null, unanswered.get());
        }
        if (request.transfers() == null) {
            return new Sent(request, null, null);
        }
        return new Sent(request, ledger.sendTransfers(request.transfers()), null);
    }

    /** Seeks each partition with records read and not yet in a request back to the first of them, and drops them. */
    private void rewindUnsent(SinkLoop.Outcome outcome) {
        Map<TopicPartition, Long> first = new LinkedHashMap<>();
        for (JournalRecord record : unsent) {
            first.putIfAbsent(record.partition(), record.offset());
        }
        first.forEach((partition, offset) -> {
            outcome.rewind(partition, offset);
            forget(partition);
        });
    }

    /** Waits for the request's answer and answers for it in {@code outcome}: commits, halts, rewinds. */
    private void finish(Sent sent, SinkLoop.Outcome outcome) {
        LedgerRequest request = sent.request();
        Iterator<EntryOutcome> entryOutcomes = transferOutcomes(sent).iterator();
        List<Attempt> attempts = new ArrayList<>(request.records().size());
        for (JournalRecord record : request.records()) {
            EntryOutcome entry = record.unmappable() != null ? record.unmappable() : entryOutcomes.next();
            attempts.add(new Attempt(record.partition(), record.offset(), record.entryId(), entry));
        }
        act(CommitDecision.decide(attempts), attempts, request, outcome);
    }

    /** One outcome per entry of the request, in order. */
    private List<EntryOutcome> transferOutcomes(Sent sent) {
        List<MappedEntry> entries = sent.request().entries();
        if (sent.unanswered() != null) {
            return Collections.nCopies(entries.size(), EntryOutcome.unanswered(sent.unanswered()));
        }
        if (entries.isEmpty()) {
            return List.of();
        }
        Optional<List<TransferError>> answer = retries.call("create_transfers", sent.answer()::await,
                () -> ledger.createTransfers(LedgerMapping.transferBatch(entries)));
        if (answer.isEmpty()) {
            return Collections.nCopies(entries.size(), EntryOutcome.unanswered("create_transfers not answered"));
        }
        return TransferResults.attribute(entries, answer.get());
    }

    private void act(Decision decision, List<Attempt> attempts, LedgerRequest request, SinkLoop.Outcome outcome) {
        for (Attempt attempt : attempts) {
            switch (attempt.outcome().status()) {
                case APPLIED -> applied.increment();
                case ALREADY_APPLIED -> alreadyApplied.increment();
                default -> { }
            }
        }
        decision.halts().forEach((partition, halt) -> {
            (halt.outcome().status() == EntryOutcome.Status.DISAGREES ? disagreements : unmappable).increment();
            log.error("The ledgers may disagree at {} offset {}: entry {} {}: {}; entry: {}", partition, halt.offset(),
                    halt.entryId(), halt.outcome().status(), halt.outcome().detail(), describe(request, halt));
            outcome.halt(partition, halt.offset(), "entry " + halt.entryId() + ": " + halt.outcome().status() + " "
                    + halt.outcome().detail());
            forget(partition);
        });
        decision.rewinds().forEach((partition, offset) -> {
            log.warn("TigerBeetle did not answer; reading {} again from offset {}", partition, offset);
            outcome.rewind(partition, offset);
            forget(partition);
        });
        decision.commits().forEach(outcome::commit);
        countWritten(decision.commits(), request, outcome);
    }

    /** Per committed partition: the records written and the last one's timestamp. */
    private void countWritten(Map<TopicPartition, Long> commits, LedgerRequest request, SinkLoop.Outcome outcome) {
        for (JournalRecord record : request.records()) {
            Long nextOffset = commits.get(record.partition());
            if (nextOffset != null && record.offset() < nextOffset) {
                outcome.written(record.partition(), 1, record.timestamp());
                written++;
            }
        }
    }

    /** Drops what was read of {@code partition} and not sent: it was sought back (or is paused) and is read again. */
    private void forget(TopicPartition partition) {
        for (Iterator<JournalRecord> it = unsent.iterator(); it.hasNext(); ) {
            JournalRecord record = it.next();
            if (record.partition().equals(partition)) {
                unsentEvents -= record.events();
                it.remove();
            }
        }
        next = next == null ? null : next.without(partition);
        stoppedAtRead.remove(partition);
    }

    private static String describe(LedgerRequest request, Attempt halt) {
        return request.records().stream()
                .filter(r -> r.partition().equals(halt.partition()) && r.offset() == halt.offset() && r.mapped() != null)
                .findFirst()
                .map(r -> r.mapped().entry().toString())
                .orElse("(unreadable)");
    }
}
