package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settlement.avro.BalanceEvent;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.SettlementResult;
import io.settlement.contract.Topics;
import io.settlement.sink.Backoff;
import io.settlement.sink.CommittedOffsets;
import io.settlement.sink.Health;
import io.settlement.sink.SinkConsumers;
import io.settlement.sink.SinkLoop;
import io.settlement.sink.SinkMeters;
import io.settlement.sink.ThreadedSink;
import io.settlement.sink.Sink;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors the settlement core's output into ScyllaDB (docs/scylla.md, docs/tigerbeetle.md). Consumes
 * {@code settlement.journal}, {@code balance.events} and {@code settlement.results} as consumer
 * group {@value #GROUP_ID} ({@code read_committed}, manual commits); produces the rows of
 * {@code balance_ledger}, {@code user_balances}, {@code user_transfers}, {@code settled_trades},
 * {@code trades_by_user} and {@code command_results} ({@link TableWrites}).
 *
 * <p>Per poll: every record is decoded and turned into upserts, all of them are written
 * ({@link CqlWriter}: async, bounded in flight, batches of partitions on the same replicas,
 * retries with backoff), and only when every one succeeded are the poll's offsets committed
 * (after a poll that returned nothing, the positions past transaction markers:
 * {@link CommittedOffsets}). When the database does not answer, the poll's partitions are
 * rewound and read again after a growing pause, so a sink whose database is down lags, reports
 * DEGRADED, and loses nothing; since every upsert is idempotent and order-free, writing a record
 * again changes nothing. A record that cannot be decoded halts its
 * partition there (paused, DEGRADED, counted) until an operator looks: the sink never skips one.
 *
 * <p>After the writes of a poll, and after an idle poll that found a partition of
 * {@code balance.events} read to its end, the sink records its progress per partition in
 * {@code history_watermarks} ({@link HistoryWatermarks}), so that reads as of an instant know
 * whether the history is complete up to it. Progress is written only after the rows it vouches
 * for; when it cannot be written, it lags, which makes readers wait, never answer wrongly.
 */
public final class ScyllaSink implements ThreadedSink.Loop {
    public static final String GROUP_ID = "settlement-sink-scylla";

    private static final Logger log = LoggerFactory.getLogger(ScyllaSink.class);
    private static final String METRICS = "settlement.sink.scylla.";
    /**
     * Records per poll, at most: one poll's records are written together and committed once, so
     * larger polls mean fuller batches and fewer commits; 5,000 records are about 7,500 upserts.
     */
    public static final int RECORDS_PER_POLL_MAX = 5_000;

    private final Consumer<byte[], byte[]> consumer;
    private final SinkLoop loop;
    private final Topics topics;
    private final TableWrites tables;
    private final CqlWriter writer;
    private final ScyllaSinkSettings settings;
    private final Backoff backoff;
    private final Deserializer<JournalEntry> journalDecoder;
    private final Deserializer<BalanceEvent> eventDecoder;
    private final Deserializer<SettlementResult> resultDecoder;
    private final HistoryWatermarks watermarks;
    private final Clock clock;

    private final Map<TopicPartition, String> halted = new ConcurrentHashMap<>();
    private volatile String databaseProblem;
    private long failedPolls;

    private final CommittedOffsets committedOffsets;
    private final SinkMeters meters;
    private final Counter writeErrors;
    private final Counter rewinds;
    private final Counter halts;

    /**
     * @param session  a session on the database (the sink does not close it)
     * @param keyspace the keyspace of the tables, which must exist ({@link SchemaApplier})
     * @param registry where the metrics go; null keeps them in a private registry
     * @param backoff  how the sink waits before trying again ({@code Thread::sleep} outside tests)
     */
    public ScyllaSink(Consumer<byte[], byte[]> consumer, Topics topics, CqlSession session, String keyspace,
                      ScyllaSinkSettings settings, MeterRegistry registry, Backoff backoff) {
        this(consumer, topics, session, keyspace, settings, registry, backoff, Clock.systemUTC());
    }

    /** As above, with the clock that stamps "read to its end" progress (tests move it). */
    public ScyllaSink(Consumer<byte[], byte[]> consumer, Topics topics, CqlSession session, String keyspace,
                      ScyllaSinkSettings settings, MeterRegistry registry, Backoff backoff, Clock clock) {
        this.watermarks = new HistoryWatermarks(session, keyspace);
        this.clock = clock;
        this.consumer = consumer;
        this.loop = new SinkLoop("ScyllaDB sink", consumer);
        this.topics = topics;
        this.tables = new TableWrites(session, keyspace);
        this.writer = new CqlWriter(session, settings, backoff, this::writeFailed);
        this.settings = settings;
        this.backoff = backoff;
        this.journalDecoder = topics.journal().valueSerde().deserializer();
        this.eventDecoder = topics.balanceEvents().valueSerde().deserializer();
        this.resultDecoder = topics.results().valueSerde().deserializer();
        MeterRegistry meters = registry == null ? new SimpleMeterRegistry() : registry;
        this.meters = new SinkMeters(meters, "scylla", consumer, halted);
        this.committedOffsets = new CommittedOffsets(consumer, Duration.ofMillis(settings.pollTimeoutMs()));
        this.writeErrors = Counter.builder(METRICS + "write.errors").description("requests that failed (and were retried)").register(meters);
        this.rewinds = Counter.builder(METRICS + "rewinds").description("polls read again after writes failed").register(meters);
        this.halts = Counter.builder(METRICS + "halts").description("partitions halted at an unreadable record").register(meters);
        Gauge.builder(METRICS + "rows.written", writer, CqlWriter::rowsWritten).register(meters);
    }

    /** The consumer configuration the sink relies on: its group, committed reads, manual commits. */
    public static Map<String, Object> consumerProperties(String bootstrapServers) {
        Map<String, Object> properties = SinkConsumers.properties(bootstrapServers, GROUP_ID);
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, RECORDS_PER_POLL_MAX);
        return properties;
    }

    public List<String> topicNames() {
        return List.of(topics.journal().name(), topics.balanceEvents().name(), topics.results().name());
    }

    /** Consumes until {@link #close()}; a failure that stops the sink leaves it DOWN. */
    @Override
    public void run() {
        try {
            loop.run(topicNames(), new RebalanceListener(), this::pollOnce);
        } finally {
            meters.close();
        }
    }

    /** Stops {@link #run()} after the poll under way; what was not written stays uncommitted. */
    @Override
    public void close() {
        loop.close();
    }

    /** UP, DEGRADED (its database not answering, a partition halted, not yet assigned) or DOWN (stopped), with every problem. */
    public Health health() {
        return loop.health(ownProblems());
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
        if (databaseProblem != null) {
            problems.add("ScyllaDB: " + databaseProblem);
        }
        halted.forEach((partition, why) -> problems.add("halted " + partition + ": " + why));
        return problems;
    }

    /** Records not yet read over the assigned partitions, as of the last poll. */
    public long lag() {
        return meters.lagRecords();
    }

    /** Its lag and the rows it has written. */
    @Override
    public Sink.Progress progress() {
        return new Sink.Progress(lag(), rowsWritten(), "rows");
    }

    public long rowsWritten() {
        return writer.rowsWritten();
    }

    /** One poll, written and committed. Package-private so tests can step the sink without a thread. */
    void pollOnce() throws InterruptedException {
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(settings.pollTimeoutMs()));
        if (polled.isEmpty()) {
            commit(() -> committedOffsets.commitPastMarkers(halted.keySet()));
            recordReadToTheEnd();
        } else {
            mirror(polled);
        }
        meters.observeLag(consumer);
    }

    private void mirror(ConsumerRecords<byte[], byte[]> polled) throws InterruptedException {
        Map<TopicPartition, Long> firstOffsets = new LinkedHashMap<>();
        Map<TopicPartition, Long> nextOffsets = new LinkedHashMap<>();
        Map<TopicPartition, Long> lastTimestamps = new LinkedHashMap<>();
        Map<TopicPartition, Integer> counts = new LinkedHashMap<>();
        Map<TopicPartition, Unreadable> unreadable = new LinkedHashMap<>();
        Map<TopicPartition, Instant> lastStamps = new LinkedHashMap<>();
        List<RowWrite> writes = new ArrayList<>();
        for (TopicPartition partition : polled.partitions()) {
            for (ConsumerRecord<byte[], byte[]> record : polled.records(partition)) {
                firstOffsets.putIfAbsent(partition, record.offset());
                List<RowWrite> rows;
                try {
                    rows = rowsOf(record, lastStamps);
                } catch (RuntimeException e) {
                    unreadable.put(partition, new Unreadable(record.offset(), e.toString()));
                    break;
                }
                writes.addAll(rows);
                nextOffsets.put(partition, record.offset() + 1);
                lastTimestamps.put(partition, record.timestamp());
                counts.merge(partition, 1, Integer::sum);
            }
        }
        CqlWriter.WriteReport outcome = writer.write(writes);
        if (!outcome.succeeded()) {
            rewind(firstOffsets, outcome);
            return;
        }
        databaseProblem = null;
        failedPolls = 0;
        commit(() -> committedOffsets.commit(nextOffsets));
        counts.forEach((partition, count) -> meters.written(partition, lastTimestamps.get(partition), count));
        unreadable.forEach(this::halt);
        recordProgress(lastStamps);
    }

    /**
     * After an idle poll: every assigned, unhalted partition of a history topic (the journal, whose
     * entries carry the balances, and balance.events) whose position is at its end (the last stable
     * offset, under read_committed) is complete up to the moment before the end offsets were asked
     * for. Asked of the broker, not taken from the last fetch, whose end offset may be older than
     * the clock reading.
     */
    private void recordReadToTheEnd() throws InterruptedException {
        List<String> history = historyTopics(topics);
        List<TopicPartition> partitions = consumer.assignment().stream()
                .filter(partition -> history.contains(partition.topic()) && !halted.containsKey(partition))
                .toList();
        if (partitions.isEmpty()) {
            return;
        }
        Instant before = clock.instant();
        Map<TopicPartition, Instant> atTheEnd = new LinkedHashMap<>();
        try {
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofMillis(settings.pollTimeoutMs()));
            for (TopicPartition partition : partitions) {
                Long end = ends.get(partition);
                if (end != null && consumer.position(partition, Duration.ofMillis(settings.pollTimeoutMs())) >= end) {
                    atTheEnd.put(partition, before);
                }
            }
        } catch (RuntimeException e) {
            // Progress only lags: readers wait for it, and the next idle poll asks again.
            log.debug("End offsets of {} not read, progress not recorded this time: {}", history, e.toString());
            return;
        }
        recordProgress(atTheEnd);
    }

    /** The topics the history tables are written from, whose progress says how far they are complete. */
    static List<String> historyTopics(Topics topics) {
        return List.of(topics.journal().name(), topics.balanceEvents().name());
    }

    /** Writes the progress of history topic partitions; on failure it lags (readers answer 503), nothing else. */
    private void recordProgress(Map<TopicPartition, Instant> progressAt) throws InterruptedException {
        Map<String, Map<Integer, Instant>> byTopic = new LinkedHashMap<>();
        progressAt.forEach((partition, at) -> byTopic.computeIfAbsent(partition.topic(), topic -> new LinkedHashMap<>()).put(partition.partition(), at));
        for (Map.Entry<String, Map<Integer, Instant>> topic : byTopic.entrySet()) {
            int partitions;
            try {
                partitions = consumer.partitionsFor(topic.getKey()).size();
            } catch (RuntimeException e) {
                log.debug("Partitions of {} not known, progress not recorded this time: {}", topic.getKey(), e.toString());
                continue;
            }
            if (partitions == 0) {
                continue;
            }
            CqlWriter.WriteReport outcome = writer.write(watermarks.record(topic.getKey(), partitions, topic.getValue()));
            if (!outcome.succeeded()) {
                log.warn("History progress not recorded ({}); reads as of recent instants wait for the next poll", outcome.lastError());
            }
        }
    }

    private List<RowWrite> rowsOf(ConsumerRecord<byte[], byte[]> record, Map<TopicPartition, Instant> lastStamps) {
        if (record.value() == null) {
            throw new IllegalArgumentException("record has no value");
        }
        String topic = record.topic();
        TopicPartition partition = new TopicPartition(topic, record.partition());
        if (topic.equals(topics.balanceEvents().name())) {
            BalanceEvent event = eventDecoder.deserialize(topic, record.headers(), record.value());
            List<RowWrite> rows = tables.forEvent(event);
            lastStamps.put(partition, event.getCreatedAt());
            return rows;
        }
        if (topic.equals(topics.journal().name())) {
            JournalEntry entry = journalDecoder.deserialize(topic, record.headers(), record.value());
            lastStamps.put(partition, entry.getCreatedAt());
            return tables.forEntry(entry);
        }
        if (topic.equals(topics.results().name())) {
            return tables.forResult(resultDecoder.deserialize(topic, record.headers(), record.value()));
        }
        throw new IllegalStateException("record of a topic the sink does not read: " + topic);
    }

    private void commit(Runnable commit) {
        try {
            commit.run();
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // The partitions moved to another member, which reads them from the last commit: it
            // writes the same upserts again, which changes nothing.
            log.info("Offsets not committed, the group rebalanced: {}", e.toString());
        }
    }

    /** Reads the poll's records again after a pause that grows with every failed poll. */
    private void rewind(Map<TopicPartition, Long> firstOffsets, CqlWriter.WriteReport outcome) throws InterruptedException {
        failedPolls++;
        rewinds.increment();
        databaseProblem = outcome.failedRequests() + " of " + outcome.requests() + " requests failed after "
                + outcome.attempts() + " attempts (" + failedPolls + " polls in a row): " + outcome.lastError();
        log.warn("ScyllaDB writes failed, reading {} partitions again: {}", firstOffsets.size(), databaseProblem);
        Collection<TopicPartition> assigned = consumer.assignment();
        firstOffsets.forEach((partition, offset) -> {
            if (assigned.contains(partition)) {
                consumer.seek(partition, offset);
            }
        });
        long shift = Math.min(failedPolls - 1, 20);
        backoff.pause(Math.min(settings.retryBackoffMaxMs(), settings.retryBackoffInitialMs() << shift));
    }

    private record Unreadable(long offset, String why) {}

    private void halt(TopicPartition partition, Unreadable record) {
        halts.increment();
        log.error("Halting {} at offset {}, the record cannot be read: {}", partition, record.offset(), record.why());
        consumer.seek(partition, record.offset());
        consumer.pause(List.of(partition));
        halted.put(partition, "offset " + record.offset() + ": " + record.why());
    }

    void writeFailed(Throwable error) {
        writeErrors.increment();
        databaseProblem = error.toString();
    }

    /** Forgets halts of partitions this instance no longer owns: their new owner halts at the same record. */
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
