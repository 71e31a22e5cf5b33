package io.settlement.sink;

import io.settlement.retry.RetryPolicy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one {@link Sink} in the background and keeps trying until it runs, so that a database
 * that is not there yet never stops settlement (a sink that is down lags, it loses nothing).
 * Its {@link #health()} is what {@code GET /health} shows for the sink: {@code DOWN} with
 * {@code STARTING} (and the last failure) until the start succeeded, then the sink's own health
 * with its progress: {@code UP, lag 0, rows written 1284}.
 */
public final class SinkRunner implements AutoCloseable {
    /** Starts are tried until one succeeds, 1 s after the first failure, doubling up to 30 s between two. */
    static final RetryPolicy START_RETRIES = RetryPolicy.unbounded(1_000, 30_000);
    /** How long {@link #close()} waits for a start under way to give up. */
    static final long START_ABANDON_TIMEOUT_MS = 10_000;

    private static final Logger log = LoggerFactory.getLogger(SinkRunner.class);

    private final Sink sink;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread starterThread;
    private volatile boolean started;
    private volatile String startProblem;
    private boolean closed;

    private SinkRunner(Sink sink) {
        this.sink = sink;
        this.starterThread = new Thread(this::startUntilRunning, sink.name() + "-starter");
        this.starterThread.setDaemon(true);
    }

    /** Begins starting {@code sink} on a thread of its own; returns at once. */
    public static SinkRunner start(Sink sink) {
        SinkRunner runner = new SinkRunner(sink);
        runner.starterThread.start();
        return runner;
    }

    /** The sink's health as {@code /health} shows it; never blocks. */
    public Health health() {
        if (!started) {
            return Health.down("STARTING: " + (startProblem == null ? "connecting to " + sink.target()
                    : "cannot start against " + sink.target() + " (" + startProblem + "); retrying"));
        }
        Health health = sink.health();
        return new Health(health.status(), health.status() + ", " + sink.progress()
                + (health.detail().isEmpty() ? "" : ": " + health.detail()));
    }

    /** Whether the sink has started (it runs, or ran and stopped). */
    public boolean started() {
        return started;
    }

    /** The sink this runner starts. */
    public Sink sink() {
        return sink;
    }

    private void startUntilRunning() {
        int failures = 0;
        while (closing.getCount() > 0) {
            try {
                sink.start();
                synchronized (this) {
                    if (closed) {
                        sink.close();
                        return;
                    }
                    started = true;
                }
                log.info("{} started against {}", sink.name(), sink.target());
                return;
            } catch (RuntimeException e) {
                if (closing.getCount() == 0) {
                    return;
                }
                startProblem = e.toString();
                failures++;
                log.warn("{} could not start against {}: {}; trying again in {} ms", sink.name(), sink.target(), e.toString(),
                        START_RETRIES.pauseMsAfter(failures));
            }
            try {
                if (closing.await(START_RETRIES.pauseMsAfter(failures), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops trying to start, and stops the sink if it runs (its uncommitted work is read again next time). */
    @Override
    public void close() {
        boolean running;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = started;
        }
        closing.countDown();
        if (!running) {
            starterThread.interrupt();
            try {
                starterThread.join(START_ABANDON_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        sink.close();
        log.info("{} stopped", sink.name());
    }
}
