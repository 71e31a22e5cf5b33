package io.settlement.sink.tigerbeetle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.avro.JournalEntry;
import io.settlement.contract.Topic;
import io.settlement.sink.Backoff;
import io.settlement.sink.CommittedOffsets;
import io.settlement.sink.Health;
import io.settlement.sink.Sink;
import io.settlement.sink.SinkConsumers;
import io.settlement.sink.SinkLoop;
import io.settlement.sink.SinkMeters;
import io.settlement.sink.ThreadedSink;
import io.settlement.sink.tigerbeetle.CommitDecision.Attempt;
import io.settlement.sink.tigerbeetle.CommitDecision.Decision;
import io.settlement.sink.tigerbeetle.LedgerClient.Pending;
import io.settlement.sink.tigerbeetle.LedgerClient.TransferError;
import java.time.Duration;
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
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors {@code settlement.journal} into TigerBeetle (docs/scylla.md, docs/tigerbeetle.md). Consumes the journal
 * as consumer group {@value #GROUP_ID} with {@code read_committed} and manual commits; produces
 * accounts and linked transfer chains in TigerBeetle (see {@link LedgerMapping}).
 *
 * <p>Every record is decoded and mapped as it is read, and the accounts its chain touches that are
 * not yet known to exist are sent at once ({@link LedgerAccounts}; {@code exists} is fine, any
 * other answer stops the sink: the account definitions disagree). The chains go out in
 * create_transfers requests of at most {@code eventsPerRequestMax} transfers, never splitting a
 * chain, each once every account request before it was answered. Offsets are committed once
 * TigerBeetle answered, per partition up to the first entry it did not accept ({@link CommitDecision}). A
 * replayed entry ({@code exists}) counts as done. An entry TigerBeetle refuses, or a record that
 * cannot be read, halts its partition: the partition is paused at that entry, the entry is logged,
 * a metric counts it and {@link #state()} is DEGRADED until an operator restarts the sink; the
 * other partitions go on. A request TigerBeetle does not answer is retried with bounded
 * exponential backoff, then its partitions are rewound and read again, so a sink whose ledger is
 * down lags and loses nothing.
 *
 * <p>Reading and writing overlap, as TigerBeetle's client allows one request in flight: while
 * TigerBeetle works on one create_transfers request, the sink reads and maps the records of the
 * next, sends their new accounts (queued behind the transfers) and, once the next transfers are
 * out, commits the offsets of the request answered before. Only one create_transfers request is
 * out at a time and the next goes out only after the one before was answered and acted on, so no
 * entry is sent after an entry of its partition that TigerBeetle refused or did not answer.
 * Records read beyond one request wait for the next; they are dropped, and read again, when their
 * partition is rewound or revoked, or when an account request was not answered.
 */
public final class TigerBeetleSink implements ThreadedSink.Loop {
    public static final String GROUP_ID = "settlement-sink-tigerbeetle";
    /**
     * How long a poll waits for records while a request is out: the sink has its answer to act on,
     * and an empty poll means it has read what there is for now.
     */
    static final Duration POLL_WHILE_WRITING = Duration.ofMillis(10);

    private static final Logger log = LoggerFactory.getLogger(TigerBeetleSink.class);

    private final Consumer<byte[], byte[]> consumer;
    private final SinkLoop loop;
    private final Topic<Long, JournalEntry> journal;
    private final Deserializer<JournalEntry> decoder;
    private final LedgerClient ledger;
    private final TigerBeetleSinkSettings settings;
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

    private final Map<TopicPartition, Attempt> halted = new ConcurrentHashMap<>();
    /** What this sink committed per partition (for {@link #commitPastMarkers()}). */
    private final CommittedOffsets committedOffsets;

    private final Counter applied;
    private final Counter alreadyApplied;
    private final Counter disagreements;
    private final Counter unmappable;
    private final SinkMeters meters;

    public TigerBeetleSink(Consumer<byte[], byte[]> consumer, Topic<Long, JournalEntry> journal, LedgerClient ledger,
                           TigerBeetleSinkSettings settings, MeterRegistry registry, Backoff backoff) {
        this.consumer = consumer;
        this.loop = new SinkLoop("TigerBeetle sink", consumer);
        this.journal = journal;
        this.decoder = journal.valueSerde().deserializer();
        this.ledger = ledger;
        this.settings = settings;
        String prefix = "settlement.sink.tigerbeetle.";
        this.applied = Counter.builder(prefix + "entries").tag("outcome", "applied").register(registry);
        this.alreadyApplied = Counter.builder(prefix + "entries").tag("outcome", "already_applied").register(registry);
        this.disagreements = Counter.builder(prefix + "halts").tag("reason", "disagrees").register(registry);
        this.unmappable = Counter.builder(prefix + "halts").tag("reason", "unmappable").register(registry);
        this.retries = new LedgerRetries(settings, backoff, loop::closing, Counter.builder(prefix + "retries").register(registry));
        this.accounts = new LedgerAccounts(ledger, retries, settings, Counter.builder(prefix + "accounts.created").register(registry));
        this.meters = new SinkMeters(registry, "tigerbeetle", consumer, halted);
        this.committedOffsets = new CommittedOffsets(consumer, Duration.ofMillis(settings.pollTimeoutMs()));
    }

    /**
     * The consumer configuration the sink relies on: its group, committed reads, manual commits,
     * and polls of up to one full request of single-transfer entries.
     */
    public static Map<String, Object> consumerProperties(String bootstrapServers) {
        Map<String, Object> properties = SinkConsumers.properties(bootstrapServers, GROUP_ID);
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, LedgerMapping.EVENTS_PER_REQUEST_MAX);
        return properties;
    }

    /** Consumes until {@link #close()}; a failure that stops the sink leaves it DOWN. */
    @Override
    public void run() {
        try {
            loop.run(List.of(journal.name()), new RebalanceListener(), this::pollOnce);
        } finally {
            meters.close();
        }
    }

    /** Stops {@link #run()} after the poll under way; offsets of work not answered stay uncommitted. */
    @Override
    public void close() {
        loop.close();
    }

    /** UP, DEGRADED (its database not answering, a partition halted, not yet assigned) or DOWN (stopped), with every problem. */
    public Health health() {
        return loop.health(ownProblems());
    }

    /** Journal entries in the assigned partitions not yet read, and entries written to TigerBeetle, as of the last poll. */
    @Override
    public Sink.Progress progress() {
        return new Sink.Progress(meters.lagRecords(), meters.written(), "journal entries");
    }

    /** The status of {@link #health()}. */
    public Health.Status state() {
        return health().status();
    }

    /** Every problem now, one line each: the consumer loop's (stopped, not yet assigned) and the sink's own. */
    public List<String> problems() {
        List<String> problems = loop.problems();
        problems.addAll(ownProblems());
        return problems;
    }

    /** The sink's own problems now (its database, halted partitions); none when it is well. */
    private List<String> ownProblems() {
        List<String> problems = new ArrayList<>();
        String ledgerProblem = retries.problem();
        if (ledgerProblem != null) {
            problems.add("TigerBeetle: " + ledgerProblem);
        }
        halted.values().forEach(halt -> problems.add("halted " + halt.partition() + " at offset " + halt.offset()
                + ", entry " + halt.entryId() + ": " + halt.outcome().status() + " " + halt.outcome().detail()));
        return problems;
    }

    /**
     * One step: poll, send what is ready, commit what TigerBeetle answered. Package-private so tests
     * can step the sink without a thread; a request sent in one step is acted on in a later one
     * ({@link #busy()}).
     */
    void pollOnce() {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(
                inFlight == null ? Duration.ofMillis(settings.pollTimeoutMs()) : POLL_WHILE_WRITING);
        read(records);
        boolean readAll = records.isEmpty();
        if (next == null && unsentEvents >= settings.eventsPerRequestMax()) {
            // A full request: its transfers are put together now, while TigerBeetle works on the ones out.
            next = prepare();
        }
        Map<TopicPartition, Long> commits = Map.of();
        if (inFlight != null && (next != null || readAll)) {
            commits = finish(inFlight);
            inFlight = null;
        }
        if (inFlight == null) {
            if (next == null && !unsent.isEmpty()) {
                next = prepare();
            }
            if (next != null) {
                LedgerRequest request = next;
                next = null;
                inFlight = send(request);
            }
        }
        // After the next transfers went out: TigerBeetle works on them while Kafka commits.
        committedOffsets.commit(commits);
        if (readAll && !busy()) {
            commitPastMarkers();
        }
    }

    /** Whether records are read and not yet answered for (in a request out, the next one, or not yet in one). */
    boolean busy() {
        return inFlight != null || next != null || !unsent.isEmpty();
    }

    /** After an idle poll: commits past transaction markers ({@link CommittedOffsets}), so live reconcile sees the journal's end. */
    private void commitPastMarkers() {
        committedOffsets.commitPastMarkers(halted.keySet());
        meters.observeLag(consumer);
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
        List<JournalRecord> taken = new ArrayList<>(Math.min(unsent.size(), settings.eventsPerRequestMax()));
        int events = 0;
        while (!unsent.isEmpty() && events + unsent.peekFirst().events() <= settings.eventsPerRequestMax()) {
            JournalRecord record = unsent.pollFirst();
            taken.add(record);
            events += record.events();
        }
        if (taken.isEmpty()) {
            throw new IllegalStateException("a chain of " + unsent.peekFirst().events() + " transfers does not fit a request of "
                    + settings.eventsPerRequestMax());
        }
        unsentEvents -= events;
        return new LedgerRequest(taken);
    }

    /** A request whose transfers went out ({@code answer}), or could not because its accounts were not answered. */
    private record Sent(LedgerRequest request, Pending<List<TransferError>> answer, String unanswered) {}

    /** Waits for the accounts sent so far, then sends the request's transfers without waiting. */
    private Sent send(LedgerRequest request) {
        Optional<String> unanswered = accounts.awaitSent();
        if (unanswered.isPresent()) {
            // The records read since may need accounts that were not created: they are read again.
            rewindUnsent();
            return new Sent(request, null, unanswered.get());
        }
        if (request.transfers() == null) {
            return new Sent(request, null, null);
        }
        return new Sent(request, ledger.sendTransfers(request.transfers()), null);
    }

    /** Seeks each partition with records read and not yet in a request back to the first of them, and drops them. */
    private void rewindUnsent() {
        Map<TopicPartition, Long> first = new LinkedHashMap<>();
        for (JournalRecord record : unsent) {
            first.putIfAbsent(record.partition(), record.offset());
        }
        first.forEach((partition, offset) -> {
            consumer.seek(partition, offset);
            forget(partition);
        });
    }

    /** Waits for the request's answer and acts on it (halts, rewinds); returns the offsets to commit. */
    private Map<TopicPartition, Long> finish(Sent sent) {
        LedgerRequest request = sent.request();
        Iterator<EntryOutcome> entryOutcomes = transferOutcomes(sent).iterator();
        List<Attempt> attempts = new ArrayList<>(request.records().size());
        for (JournalRecord record : request.records()) {
            EntryOutcome outcome = record.unmappable() != null ? record.unmappable() : entryOutcomes.next();
            attempts.add(new Attempt(record.partition(), record.offset(), record.entryId(), outcome));
        }
        Decision decision = CommitDecision.decide(attempts);
        act(decision, attempts, request);
        return decision.commits();
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

    private void act(Decision decision, List<Attempt> attempts, LedgerRequest request) {
        for (Attempt attempt : attempts) {
            switch (attempt.outcome().status()) {
                case APPLIED -> applied.increment();
                case ALREADY_APPLIED -> alreadyApplied.increment();
                default -> { }
            }
        }
        decision.halts().forEach((partition, halt) -> {
            (halt.outcome().status() == EntryOutcome.Status.DISAGREES ? disagreements : unmappable).increment();
            log.error("Halting {} at offset {}, the ledgers may disagree: entry {} {}: {}; entry: {}", partition, halt.offset(),
                    halt.entryId(), halt.outcome().status(), halt.outcome().detail(), describe(request, halt));
            consumer.seek(partition, halt.offset());
            consumer.pause(List.of(partition));
            halted.put(partition, halt);
            forget(partition);
        });
        decision.rewinds().forEach((partition, offset) -> {
            log.warn("TigerBeetle did not answer; reading {} again from offset {}", partition, offset);
            consumer.seek(partition, offset);
            forget(partition);
        });
        countWritten(decision.commits(), request);
    }

    /** Per committed partition: the records written and the last one's timestamp, for {@link SinkMeters}. */
    private void countWritten(Map<TopicPartition, Long> commits, LedgerRequest request) {
        Map<TopicPartition, long[]> written = new LinkedHashMap<>();
        for (JournalRecord record : request.records()) {
            Long nextOffset = commits.get(record.partition());
            if (nextOffset != null && record.offset() < nextOffset) {
                long[] countAndLast = written.computeIfAbsent(record.partition(), partition -> new long[2]);
                countAndLast[0]++;
                countAndLast[1] = record.timestamp();
            }
        }
        written.forEach((partition, countAndLast) -> meters.written(partition, countAndLast[1], (int) countAndLast[0]));
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

    /**
     * Before partitions leave this instance: the request out is answered and, for revoked
     * partitions, committed while they are still ours; what was read of them and not sent is
     * dropped. Halts of partitions this instance no longer owns are forgotten: their new owner
     * halts at the same entry.
     */
    private final class RebalanceListener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            leaving(partitions, true);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            committedOffsets.assigned(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another member may own them already: nothing of them is committed.
            leaving(partitions, false);
        }

        private void leaving(Collection<TopicPartition> partitions, boolean commit) {
            if (inFlight != null) {
                Map<TopicPartition, Long> commits = finish(inFlight);
                inFlight = null;
                if (commit) {
                    committedOffsets.commit(commits);
                }
            }
            partitions.forEach(TigerBeetleSink.this::forget);
            partitions.forEach(halted::remove);
            committedOffsets.forget(partitions);
        }
    }
}
