package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.Statement;
import io.settlement.sink.Backoff;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Sends a set of upserts asynchronously, at most {@code inFlightRequestsMax} requests unanswered
 * at a time, the upserts of partitions stored on the same replicas grouped into unlogged batches of
 * at most {@code statementsPerBatchMax} over at most {@value #PARTITIONS_PER_BATCH_MAX} partitions
 * (one request instead of many, and no hop between nodes: {@link ReplicaGroups}). Every upsert is
 * idempotent, so the order they land in does not matter, and a failed request can simply be sent
 * again: {@link #write} retries failed requests with exponential backoff and reports what still
 * failed after the last attempt.
 */
public final class CqlWriter {
    /** What became of one {@link #write}: requests answered, and the last error if some never were. */
    public record WriteReport(int requests, int failedRequests, Throwable lastError, int attempts) {
        public boolean succeeded() {
            return failedRequests == 0;
        }
    }

    /** Counts every attempt that failed, for the sink's metrics. */
    @FunctionalInterface
    public interface FailureListener {
        void failed(Throwable error);
    }

    /**
     * Partitions in one batch, at most: ScyllaDB and Cassandra warn about unlogged batches over more
     * ({@code unlogged_batch_across_partitions_warn_threshold}, default 10).
     */
    static final int PARTITIONS_PER_BATCH_MAX = 10;

    private final CqlSession session;
    private final ScyllaSinkSettings settings;
    private final Semaphore inFlight;
    private final Backoff backoff;
    private final FailureListener failures;
    private final AtomicLong rowsWritten = new AtomicLong();

    public CqlWriter(CqlSession session, ScyllaSinkSettings settings, Backoff backoff, FailureListener failures) {
        this.session = session;
        this.settings = settings;
        this.inFlight = new Semaphore(settings.inFlightRequestsMax());
        this.backoff = backoff;
        this.failures = failures;
    }

    /** Rows written (upserts acknowledged) since this writer was made; a replayed row counts again. */
    public long rowsWritten() {
        return rowsWritten.get();
    }

    /** Writes every upsert, retrying failed requests up to {@code retryAttemptsMax} attempts in all. */
    public WriteReport write(List<RowWrite> writes) throws InterruptedException {
        List<Request> pending = requests(writes);
        int requests = pending.size();
        Throwable lastError = null;
        long wait = settings.retryBackoffInitialMs();
        int attempt = 0;
        while (!pending.isEmpty() && attempt < settings.retryAttemptsMax()) {
            if (attempt > 0) {
                backoff.pause(wait);
                wait = Math.min(settings.retryBackoffMaxMs(), wait * 2);
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
        return batches(writes, ReplicaGroups.of(session)::of, settings.statementsPerBatchMax()).stream()
                .map(CqlWriter::request).toList();
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
                        request.error = error;
                        failures.failed(error);
                    }
                    inFlight.release();
                    answered.countDown();
                });
            } catch (RuntimeException e) {
                request.error = e;
                failures.failed(e);
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
}
