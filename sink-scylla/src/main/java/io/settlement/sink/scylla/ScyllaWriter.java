package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.Statement;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.avro.BalanceEvent;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.SettlementResult;
import io.settlement.contract.Topics;
import io.settlement.retry.RetryPolicy;
import io.settlement.sink.SinkLoop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ScyllaDB sink's batch writer (docs/scylla.md): turns the records of a poll of
 * {@code settlement.journal}, {@code balance.events} and {@code settlement.results} into the upserts
 * of {@code balance_ledger}, {@code user_balances}, {@code user_transfers}, {@code settled_trades},
 * {@code trades_by_user} and {@code command_results} ({@link TableWrites}) and writes them.
 *
 * <p>Writing: asynchronously, at most {@code inFlightRequestsMax} requests unanswered at a time,
 * the upserts of partitions stored on the same replicas grouped into unlogged batches of at most
 * {@code statementsPerBatchMax} over at most {@value #PARTITIONS_PER_BATCH_MAX} partitions (one
 * request instead of many, and no hop between nodes: {@link ReplicaGroups}). Every upsert is
 * idempotent and order-free, so a failed request is simply sent again, as {@link ScyllaConfig#retries()}
 * says; a record written again changes nothing.
 *
 * <p>Only when every upsert of a poll was written does it answer the poll's offsets as written;
 * otherwise it answers the poll as failed and its partitions to be read again ({@link SinkLoop}
 * pauses before the next poll), so a sink whose database is down lags, reports DEGRADED, and loses
 * nothing. A record that cannot be decoded halts its partition there.
 *
 * <p>After the writes of a poll, and after an idle poll that found a partition of
 * {@code balance.events} read to its end, it records the progress per partition in
 * {@code history_watermarks} ({@link HistoryWatermarks}), so that reads as of an instant know
 * whether the history is complete up to it. Progress is written only after the rows it vouches
 * for; when it cannot be written, it lags, which makes readers wait, never answer wrongly.
 */
public final class ScyllaWriter implements SinkLoop.Writer {
    /**
     * Partitions in one batch, at most: ScyllaDB and Cassandra warn about unlogged batches over more
     * ({@code unlogged_batch_across_partitions_warn_threshold}, default 10).
     */
    static final int PARTITIONS_PER_BATCH_MAX = 10;

    private static final Logger log = LoggerFactory.getLogger(ScyllaWriter.class);
    private static final String METRICS = "settlement.sink.scylla.";

    /** What became of writing a set of upserts: requests answered, and the last error if some never were. */
    record WriteReport(int requests, int failedRequests, Throwable lastError, int attempts) {
        boolean succeeded() {
            return failedRequests == 0;
        }
    }

    private final CqlSession session;
    private final Consumer<?, ?> consumer;
    private final Topics topics;
    private final TableWrites tables;
    private final HistoryWatermarks watermarks;
    private final ScyllaConfig config;
    private final RetryPolicy.Pause pause;
    private final Clock clock;
    private final Semaphore inFlight;
    private final AtomicLong rowsWritten = new AtomicLong();
    private final Deserializer<JournalEntry> journalDecoder;
    private final Deserializer<BalanceEvent> eventDecoder;
    private final Deserializer<SettlementResult> resultDecoder;
    private final Counter writeErrors;
    private final Counter rewinds;
    private final Counter halts;
    private volatile String databaseProblem;
    private long failedPolls;

    /**
     * @param session  a session on the database, which the writer closes when it is closed
     * @param consumer the sink's consumer, asked for end offsets, positions and partition counts (for the watermarks)
     * @param keyspace the keyspace of the tables, which must exist ({@link SchemaApplier})
     * @param pause    how it waits between attempts
     * @param clock    what stamps "read to its end" progress (tests move it)
     */
    public ScyllaWriter(CqlSession session, Consumer<?, ?> consumer, Topics topics, String keyspace, ScyllaConfig config,
                        MeterRegistry registry, RetryPolicy.Pause pause, Clock clock) {
        this.session = session;
        this.consumer = consumer;
        this.topics = topics;
        this.tables = new TableWrites(session, keyspace);
        this.watermarks = new HistoryWatermarks(session, keyspace);
        this.config = config;
        this.pause = pause;
        this.clock = clock;
        this.inFlight = new Semaphore(config.inFlightRequestsMax());
        this.journalDecoder = topics.journal().valueSerde().deserializer();
        this.eventDecoder = topics.balanceEvents().valueSerde().deserializer();
        this.resultDecoder = topics.results().valueSerde().deserializer();
        this.writeErrors = Counter.builder(METRICS + "write.errors").description("requests that failed (and were retried)").register(registry);
        this.rewinds = Counter.builder(METRICS + "rewinds").description("polls read again after writes failed").register(registry);
        this.halts = Counter.builder(METRICS + "halts").description("partitions halted at an unreadable record").register(registry);
        Gauge.builder(METRICS + "rows.written", rowsWritten, AtomicLong::get).register(registry);
    }

    /** The topics the history tables are written from, whose progress says how far they are complete. */
    static List<String> historyTopics(Topics topics) {
        return List.of(topics.journal().name(), topics.balanceEvents().name());
    }

    @Override
    public SinkLoop.Outcome write(ConsumerRecords<byte[], byte[]> polled) throws InterruptedException {
        SinkLoop.Outcome outcome = new SinkLoop.Outcome();
        Map<TopicPartition, Long> firstOffsets = new LinkedHashMap<>();
        Map<TopicPartition, Instant> lastStamps = new LinkedHashMap<>();
        List<RowWrite> writes = new ArrayList<>();
        for (TopicPartition partition : polled.partitions()) {
            for (ConsumerRecord<byte[], byte[]> record : polled.records(partition)) {
                firstOffsets.putIfAbsent(partition, record.offset());
                try {
                    writes.addAll(rowsOf(record, lastStamps));
                } catch (RuntimeException e) {
                    halts.increment();
                    outcome.halt(partition, record.offset(), "the record cannot be read: " + e);
                    break;
                }
                outcome.commit(partition, record.offset() + 1).written(partition, 1, record.timestamp());
            }
        }
        WriteReport report = write(writes);
        if (!report.succeeded()) {
            failedPolls++;
            rewinds.increment();
            databaseProblem = report.failedRequests() + " of " + report.requests() + " requests failed after "
                    + report.attempts() + " attempts (" + failedPolls + " polls in a row): " + report.lastError();
            log.warn("ScyllaDB writes failed, reading {} partitions again: {}", firstOffsets.size(), databaseProblem);
            SinkLoop.Outcome failed = new SinkLoop.Outcome().failed();
            firstOffsets.forEach(failed::rewind);
            return failed;
        }
        databaseProblem = null;
        failedPolls = 0;
        recordProgress(lastStamps);
        return outcome;
    }

    /**
     * After an idle poll: every assigned, unhalted partition of a history topic (the journal, whose
     * entries carry the balances, and balance.events) whose position is at its end (the last stable
     * offset, under read_committed) is complete up to the moment before the end offsets were asked
     * for. Asked of the broker, not taken from the last fetch, whose end offset may be older than
     * the clock reading.
     */
    @Override
    public void caughtUp(Consumer<?, ?> consumer, Set<TopicPartition> halted) throws InterruptedException {
        List<String> history = historyTopics(topics);
        List<TopicPartition> partitions = consumer.assignment().stream()
                .filter(partition -> history.contains(partition.topic()) && !halted.contains(partition))
                .toList();
        if (partitions.isEmpty()) {
            return;
        }
        Instant before = clock.instant();
        Map<TopicPartition, Instant> atTheEnd = new LinkedHashMap<>();
        Duration timeout = Duration.ofMillis(config.pollTimeoutMs());
        try {
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
            for (TopicPartition partition : partitions) {
                Long end = ends.get(partition);
                if (end != null && consumer.position(partition, timeout) >= end) {
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

    @Override
    public List<String> problems() {
        String problem = databaseProblem;
        return problem == null ? List.of() : List.of("ScyllaDB: " + problem);
    }

    /** Rows written (upserts acknowledged) since this writer was made; a replayed row counts again. */
    @Override
    public long written() {
        return rowsWritten.get();
    }

    /** Closes the session (the history reads on it end with it). */
    @Override
    public void close() {
        session.close();
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
            WriteReport report = write(watermarks.record(topic.getKey(), partitions, topic.getValue()));
            if (!report.succeeded()) {
                log.warn("History progress not recorded ({}); reads as of recent instants wait for the next poll", report.lastError());
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

    /** Writes every upsert, sending failed requests again as {@link ScyllaConfig#retries()} says. */
    WriteReport write(List<RowWrite> writes) throws InterruptedException {
        RetryPolicy retries = config.retries();
        List<Request> pending = requests(writes);
        int requests = pending.size();
        Throwable lastError = null;
        int attempt = 0;
        while (!pending.isEmpty() && retries.retriesAfter(attempt)) {
            if (attempt > 0) {
                retries.pauseAfter(attempt, pause);
            }
            attempt++;
            List<Request> failed = send(pending);
            for (Request request : failed) {
                lastError = request.error;
            }
            pending = failed;
        }
        return new WriteReport(requests, pending.size(), lastError, attempt);
    }

    private static final class Request {
        final Statement<?> statement;
        final int rows;
        volatile Throwable error;

        Request(Statement<?> statement, int rows) {
            this.statement = statement;
            this.rows = rows;
        }
    }

    /**
     * The writes as requests: the writes of partitions stored on the same replicas go as unlogged
     * batches of at most {@code statementsPerBatchMax} upserts over at most
     * {@value #PARTITIONS_PER_BATCH_MAX} partitions (a partition's writes kept together as far as
     * they fit), a lone write as it is. A batch costs the database one request instead of one per
     * upsert, and since every partition in it lives on the coordinator that receives it (token-aware
     * routing), it adds no hop between nodes.
     */
    private List<Request> requests(List<RowWrite> writes) {
        return batches(writes, ReplicaGroups.of(session)::of, config.statementsPerBatchMax()).stream()
                .map(ScyllaWriter::request).toList();
    }

    /**
     * The writes cut into batches: each of one replica group ({@code groupOf}), with at most
     * {@code statementsMax} writes over at most {@value #PARTITIONS_PER_BATCH_MAX} partitions; the
     * writes of a partition follow each other, in one batch unless there are more than fit.
     */
    static List<List<RowWrite>> batches(List<RowWrite> writes, Function<RowWrite, Object> groupOf, int statementsMax) {
        Map<Object, Map<Object, List<RowWrite>>> byGroup = new LinkedHashMap<>();
        for (RowWrite write : writes) {
            byGroup.computeIfAbsent(groupOf.apply(write), group -> new LinkedHashMap<>())
                    .computeIfAbsent(write.partition(), partition -> new ArrayList<>()).add(write);
        }
        List<List<RowWrite>> batches = new ArrayList<>();
        for (Map<Object, List<RowWrite>> partitions : byGroup.values()) {
            List<RowWrite> batch = new ArrayList<>();
            int batchPartitions = 0;
            for (List<RowWrite> partition : partitions.values()) {
                if (batchPartitions == PARTITIONS_PER_BATCH_MAX) {
                    batches.add(batch);
                    batch = new ArrayList<>();
                    batchPartitions = 0;
                }
                batchPartitions++;
                for (RowWrite write : partition) {
                    if (batch.size() == statementsMax) {
                        batches.add(batch);
                        batch = new ArrayList<>();
                        batchPartitions = 1;
                    }
                    batch.add(write);
                }
            }
            if (!batch.isEmpty()) {
                batches.add(batch);
            }
        }
        return batches;
    }

    private static Request request(List<RowWrite> writes) {
        if (writes.size() == 1) {
            return new Request(writes.get(0).statement().setIdempotent(true), 1);
        }
        BatchStatement batch = BatchStatement.newInstance(BatchType.UNLOGGED)
                .addAll(writes.stream().map(RowWrite::statement).toList())
                .setIdempotent(true);
        return new Request(batch, writes.size());
    }

    /** Sends the requests, never more than the in-flight limit unanswered; returns the failed ones. */
    private List<Request> send(List<Request> requests) throws InterruptedException {
        CountDownLatch answered = new CountDownLatch(requests.size());
        for (Request request : requests) {
            request.error = null;
            inFlight.acquire();
            try {
                session.executeAsync(request.statement).whenComplete((result, error) -> {
                    if (error == null) {
                        rowsWritten.addAndGet(request.rows);
                    } else {
                        failed(request, error);
                    }
                    inFlight.release();
                    answered.countDown();
                });
            } catch (RuntimeException e) {
                failed(request, e);
                inFlight.release();
                answered.countDown();
            }
        }
        // Every request completes: the driver answers each within its request timeout.
        answered.await();
        List<Request> failed = new ArrayList<>();
        for (Request request : requests) {
            if (request.error != null) {
                failed.add(request);
            }
        }
        return failed;
    }

    private void failed(Request request, Throwable error) {
        request.error = error;
        writeErrors.increment();
        databaseProblem = error.toString();
    }
}
