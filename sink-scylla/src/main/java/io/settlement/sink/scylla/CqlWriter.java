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

/**
 * Sends a set of upserts asynchronously, at most {@code inFlightRequestsMax} requests unanswered
 * at a time, the upserts of one partition grouped into unlogged batches of at most
 * {@code statementsPerBatchMax} (one request and one replica set instead of many). Every upsert is
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

    /** One request per partition chunk: a single upsert as it is, several as an unlogged batch. */
    private List<Request> requests(List<RowWrite> writes) {
        Map<Object, List<RowWrite>> byPartition = new LinkedHashMap<>();
        for (RowWrite write : writes) {
            byPartition.computeIfAbsent(write.partition(), partition -> new ArrayList<>()).add(write);
        }
        List<Request> requests = new ArrayList<>();
        int chunkMax = settings.statementsPerBatchMax();
        for (List<RowWrite> partition : byPartition.values()) {
            for (int from = 0; from < partition.size(); from += chunkMax) {
                List<RowWrite> chunk = partition.subList(from, Math.min(partition.size(), from + chunkMax));
                if (chunk.size() == 1) {
                    requests.add(new Request(chunk.get(0).statement().setIdempotent(true), 1));
                } else {
                    BatchStatement batch = BatchStatement.newInstance(BatchType.UNLOGGED)
                            .addAll(chunk.stream().map(RowWrite::statement).toList())
                            .setIdempotent(true);
                    requests.add(new Request(batch, chunk.size()));
                }
            }
        }
        return requests;
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
