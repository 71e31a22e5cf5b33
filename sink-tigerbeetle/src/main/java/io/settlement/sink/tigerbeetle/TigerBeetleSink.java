package io.settlement.sink.tigerbeetle;

import com.tigerbeetle.CreateAccountResult;
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
import io.settlement.sink.tigerbeetle.LedgerClient.AccountError;
import io.settlement.sink.tigerbeetle.LedgerClient.TransferError;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
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
 * <p>Per poll: every record is decoded and mapped; the accounts the chains touch are created on
 * first sight ({@code exists} is fine, any other answer stops the sink: the account definitions
 * disagree); the chains go out in requests of at most {@code eventsPerRequestMax} transfers,
 * never splitting a chain; only then are offsets committed, per partition up to the first entry
 * TigerBeetle did not accept ({@link CommitDecision}). A replayed entry ({@code exists}) counts as
 * done. An entry TigerBeetle refuses, or a record that cannot be read, halts its partition: the
 * partition is paused at that entry, the entry is logged, a metric counts it and {@link #state()}
 * is DEGRADED until an operator restarts the sink; the other partitions go on. A request
 * TigerBeetle does not answer is retried with bounded exponential backoff, then its partitions are
 * rewound and read again on the next poll, so a sink whose ledger is down lags and loses nothing.
 */
public final class TigerBeetleSink implements ThreadedSink.Loop {
    public static final String GROUP_ID = "settlement-sink-tigerbeetle";

    private static final Logger log = LoggerFactory.getLogger(TigerBeetleSink.class);

    private final Consumer<byte[], byte[]> consumer;
    private final SinkLoop loop;
    private final Topic<Long, JournalEntry> journal;
    private final Deserializer<JournalEntry> decoder;
    private final LedgerClient ledger;
    private final TigerBeetleSinkSettings settings;
    private final Backoff backoff;
    private final Set<LedgerId> knownAccounts;

    private final Map<TopicPartition, Attempt> halted = new ConcurrentHashMap<>();
    /** What this sink committed per partition (for {@link #commitPastMarkers()}). */
    private final CommittedOffsets committedOffsets;
    private volatile String ledgerProblem;

    private final Counter applied;
    private final Counter alreadyApplied;
    private final Counter disagreements;
    private final Counter unmappable;
    private final Counter retries;
    private final Counter accountsCreated;
    private final SinkMeters meters;

    public TigerBeetleSink(Consumer<byte[], byte[]> consumer, Topic<Long, JournalEntry> journal, LedgerClient ledger,
                           TigerBeetleSinkSettings settings, MeterRegistry registry, Backoff backoff) {
        this.consumer = consumer;
        this.loop = new SinkLoop("TigerBeetle sink", consumer);
        this.journal = journal;
        this.decoder = journal.valueSerde().deserializer();
        this.ledger = ledger;
        this.settings = settings;
        this.backoff = backoff;
        this.knownAccounts = boundedSet(settings.knownAccountsMax());
        String prefix = "settlement.sink.tigerbeetle.";
        this.applied = Counter.builder(prefix + "entries").tag("outcome", "applied").register(registry);
        this.alreadyApplied = Counter.builder(prefix + "entries").tag("outcome", "already_applied").register(registry);
        this.disagreements = Counter.builder(prefix + "halts").tag("reason", "disagrees").register(registry);
        this.unmappable = Counter.builder(prefix + "halts").tag("reason", "unmappable").register(registry);
        this.retries = Counter.builder(prefix + "retries").register(registry);
        this.accountsCreated = Counter.builder(prefix + "accounts.created").register(registry);
        this.meters = new SinkMeters(registry, "tigerbeetle", consumer, halted);
        this.committedOffsets = new CommittedOffsets(consumer, Duration.ofMillis(settings.pollTimeoutMs()));
    }

    /** The consumer configuration the sink relies on: its group, committed reads, manual commits. */
    public static Map<String, Object> consumerProperties(String bootstrapServers) {
        return SinkConsumers.properties(bootstrapServers, GROUP_ID);
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
        if (ledgerProblem != null) {
            problems.add("TigerBeetle: " + ledgerProblem);
        }
        halted.values().forEach(halt -> problems.add("halted " + halt.partition() + " at offset " + halt.offset()
                + ", entry " + halt.entryId() + ": " + halt.outcome().status() + " " + halt.outcome().detail()));
        return problems;
    }

    /** One poll, mirrored and committed. Package-private so tests can step the sink without a thread. */
    void pollOnce() {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(settings.pollTimeoutMs()));
        if (!records.isEmpty()) {
            mirror(records);
        } else {
            commitPastMarkers();
        }
    }

    /** After an idle poll: commits past transaction markers ({@link CommittedOffsets}), so live reconcile sees the journal's end. */
    private void commitPastMarkers() {
        committedOffsets.commitPastMarkers(halted.keySet());
        meters.observeLag(consumer);
    }

    private record Candidate(TopicPartition partition, long offset, String entryId, MappedEntry mapped, EntryOutcome unmappable) {}

    private void mirror(ConsumerRecords<byte[], byte[]> records) {
        List<Candidate> candidates = read(records);
        Map<Candidate, EntryOutcome> outcomes = new LinkedHashMap<>();
        List<Candidate> mapped = new ArrayList<>();
        for (Candidate candidate : candidates) {
            if (candidate.unmappable() != null) {
                outcomes.put(candidate, candidate.unmappable());
            } else {
                mapped.add(candidate);
            }
        }
        Optional<String> accountsUnanswered = createAccounts(mapped);
        for (List<Candidate> request : TransferRequests.split(mapped, candidate -> candidate.mapped().size(),
                settings.eventsPerRequestMax())) {
            // A partition that stopped at an entry sends nothing after it: later entries wait.
            Map<TopicPartition, Long> stoppedAt = new LinkedHashMap<>();
            outcomes.forEach((candidate, outcome) -> {
                if (!outcome.status().accepted()) {
                    stoppedAt.merge(candidate.partition(), candidate.offset(), Math::min);
                }
            });
            List<Candidate> sendable = request.stream()
                    .filter(c -> c.offset() < stoppedAt.getOrDefault(c.partition(), Long.MAX_VALUE))
                    .toList();
            if (sendable.isEmpty()) {
                continue;
            }
            if (accountsUnanswered.isPresent()) {
                sendable.forEach(c -> outcomes.put(c, EntryOutcome.unanswered(accountsUnanswered.get())));
                continue;
            }
            List<MappedEntry> entries = sendable.stream().map(Candidate::mapped).toList();
            Optional<List<TransferError>> answer = withRetry("create_transfers",
                    () -> ledger.createTransfers(LedgerMapping.transferBatch(entries)));
            if (answer.isEmpty()) {
                sendable.forEach(c -> outcomes.put(c, EntryOutcome.unanswered("create_transfers not answered")));
                continue;
            }
            List<EntryOutcome> attributed = TransferResults.attribute(entries, answer.get());
            for (int i = 0; i < sendable.size(); i++) {
                outcomes.put(sendable.get(i), attributed.get(i));
            }
        }
        List<Attempt> attempts = new ArrayList<>();
        for (Candidate candidate : candidates) {
            EntryOutcome outcome = outcomes.get(candidate);
            if (outcome != null) {
                attempts.add(new Attempt(candidate.partition(), candidate.offset(), candidate.entryId(), outcome));
            }
        }
        Decision decision = CommitDecision.decide(attempts);
        act(decision, attempts, candidates);
        decision.commits().forEach((partition, next) -> {
            List<ConsumerRecord<byte[], byte[]>> done = records.records(partition).stream().filter(r -> r.offset() < next).toList();
            if (!done.isEmpty()) {
                meters.written(partition, done.get(done.size() - 1).timestamp(), done.size());
            }
        });
    }

    /** Decodes and maps each partition's records in order, up to and including the first unreadable one. */
    private List<Candidate> read(ConsumerRecords<byte[], byte[]> records) {
        List<Candidate> candidates = new ArrayList<>();
        for (TopicPartition partition : records.partitions()) {
            for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                Candidate candidate = readOne(partition, record);
                candidates.add(candidate);
                if (candidate.unmappable() != null) {
                    break;
                }
            }
        }
        return candidates;
    }

    private Candidate readOne(TopicPartition partition, ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return new Candidate(partition, record.offset(), "?", null, EntryOutcome.unmappable("record has no value"));
        }
        JournalEntry entry;
        try {
            entry = decoder.deserialize(record.topic(), record.headers(), record.value());
        } catch (RuntimeException e) {
            return new Candidate(partition, record.offset(), "?", null, EntryOutcome.unmappable("cannot decode: " + e.getMessage()));
        }
        Optional<String> problem = LedgerMapping.problem(entry);
        if (problem.isPresent()) {
            return new Candidate(partition, record.offset(), entry.getEntryId(), null, EntryOutcome.unmappable(problem.get()));
        }
        return new Candidate(partition, record.offset(), entry.getEntryId(), LedgerMapping.map(entry), null);
    }

    /**
     * Creates the accounts not yet known to exist. Returns why, if TigerBeetle did not answer;
     * throws (stopping the sink) if it refused an account for any reason but {@code exists}.
     */
    private Optional<String> createAccounts(List<Candidate> mapped) {
        Map<LedgerId, LedgerAccount> unknown = new LinkedHashMap<>();
        for (Candidate candidate : mapped) {
            for (LedgerAccount account : candidate.mapped().accounts()) {
                if (!knownAccounts.contains(account.id())) {
                    unknown.putIfAbsent(account.id(), account);
                }
            }
        }
        List<LedgerAccount> accounts = List.copyOf(unknown.values());
        for (List<LedgerAccount> request : TransferRequests.split(accounts, account -> 1, settings.eventsPerRequestMax())) {
            Optional<List<AccountError>> answer = withRetry("create_accounts",
                    () -> ledger.createAccounts(LedgerMapping.accountBatch(request)));
            if (answer.isEmpty()) {
                return Optional.of("create_accounts not answered");
            }
            int exists = 0;
            for (AccountError error : answer.get()) {
                if (error.result() == CreateAccountResult.Exists) {
                    exists++;
                    continue;
                }
                LedgerAccount refused = request.get(error.index());
                throw new IllegalStateException("TigerBeetle refused account " + refused.key() + " (id " + refused.id()
                        + ", flags " + refused.flags() + "): " + error.result()
                        + "; the account definitions disagree, stopping the sink");
            }
            accountsCreated.increment(request.size() - exists);
            request.forEach(account -> knownAccounts.add(account.id()));
        }
        return Optional.empty();
    }

    private <T> Optional<T> withRetry(String operation, Supplier<T> call) {
        long wait = settings.retryBackoffInitialMs();
        for (int attempt = 1; attempt <= settings.retryAttemptsMax() && !loop.closing(); attempt++) {
            try {
                T answer = call.get();
                ledgerProblem = null;
                return Optional.of(answer);
            } catch (LedgerUnavailableException e) {
                ledgerProblem = operation + " attempt " + attempt + "/" + settings.retryAttemptsMax() + " failed: " + e.getMessage();
                log.warn("TigerBeetle {}", ledgerProblem);
                if (attempt == settings.retryAttemptsMax()) {
                    break;
                }
                retries.increment();
                try {
                    backoff.pause(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
                wait = Math.min(settings.retryBackoffMaxMs(), wait * 2);
            }
        }
        return Optional.empty();
    }

    private void act(Decision decision, List<Attempt> attempts, List<Candidate> candidates) {
        for (Attempt attempt : attempts) {
            switch (attempt.outcome().status()) {
                case APPLIED -> applied.increment();
                case ALREADY_APPLIED -> alreadyApplied.increment();
                default -> { }
            }
        }
        if (!decision.commits().isEmpty()) {
            committedOffsets.commit(decision.commits());
        }
        decision.halts().forEach((partition, halt) -> {
            (halt.outcome().status() == EntryOutcome.Status.DISAGREES ? disagreements : unmappable).increment();
            log.error("Halting {} at offset {}, the ledgers may disagree: entry {} {}: {}; entry: {}", partition, halt.offset(),
                    halt.entryId(), halt.outcome().status(), halt.outcome().detail(), describe(candidates, halt));
            consumer.seek(partition, halt.offset());
            consumer.pause(List.of(partition));
            halted.put(partition, halt);
        });
        decision.rewinds().forEach((partition, offset) -> {
            log.warn("TigerBeetle did not answer; reading {} again from offset {}", partition, offset);
            consumer.seek(partition, offset);
        });
    }

    private static String describe(List<Candidate> candidates, Attempt halt) {
        return candidates.stream()
                .filter(c -> c.partition().equals(halt.partition()) && c.offset() == halt.offset() && c.mapped() != null)
                .findFirst()
                .map(c -> c.mapped().entry().toString())
                .orElse("(unreadable)");
    }

    private static Set<LedgerId> boundedSet(int max) {
        return java.util.Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<LedgerId, Boolean> eldest) {
                return size() > max;
            }
        });
    }

    /** Forgets halts of partitions this instance no longer owns: their new owner halts at the same entry. */
    private final class RebalanceListener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            partitions.forEach(halted::remove);
            committedOffsets.forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            committedOffsets.assigned(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(halted::remove);
            committedOffsets.forget(partitions);
        }
    }
}
