package io.settlement.app;

import io.settlement.http.ComponentHealth;
import io.settlement.sink.SinkHealth;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one sink in the background and keeps trying until it runs, so that a database that is
 * not there yet never stops settlement (a sink that is down lags, it loses
 * nothing). Consumes a starter (connect, apply the schema, start the consumer loop); produces the
 * sink's health for {@code GET /health}: {@code STARTING} (with the last failure) until the start
 * succeeded, then the sink's own {@link SinkHealth}.
 */
final class SinkRunner implements AutoCloseable {
    /** The wait after the first failed start; it doubles per failure. */
    static final long START_BACKOFF_INITIAL_MS = 1_000;
    /** The longest wait between two starts. */
    static final long START_BACKOFF_MAX_MS = 30_000;
    /** How long {@link #close()} waits for a start under way to give up. */
    static final long START_ABANDON_TIMEOUT_MS = 10_000;

    private static final Logger log = LoggerFactory.getLogger(SinkRunner.class);

    /** A sink that runs: its health, a line of progress for {@code /health}, and a close that stops it. */
    interface RunningSink extends SinkHealth, AutoCloseable {
        String progress();

        @Override
        void close();
    }

    private final String name;
    private final String target;
    private final Callable<RunningSink> starter;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread starterThread;
    private volatile RunningSink running;
    private volatile String startProblem;
    private boolean closed;

    private SinkRunner(String name, String target, Callable<RunningSink> starter) {
        this.name = name;
        this.target = target;
        this.starter = starter;
        this.starterThread = new Thread(this::startUntilRunning, name + "-starter");
        this.starterThread.setDaemon(true);
    }

    /** Begins starting the sink on a thread of its own; returns at once. */
    static SinkRunner start(String name, String target, Callable<RunningSink> starter) {
        SinkRunner runner = new SinkRunner(name, target, starter);
        runner.starterThread.start();
        return runner;
    }

    /** The sink's health as {@code /health} shows it; never blocks. */
    ComponentHealth health() {
        RunningSink sink = running;
        if (sink == null) {
            return ComponentHealth.down("STARTING: " + (startProblem == null ? "connecting to " + target
                    : "cannot start against " + target + " (" + startProblem + "); retrying"));
        }
        String detail = sink.state() + ", " + sink.progress()
                + (sink.problems().isEmpty() ? "" : ": " + String.join("; ", sink.problems()));
        return sink.state() == SinkHealth.State.UP ? ComponentHealth.up(detail) : ComponentHealth.down(detail);
    }

    /** The running sink, or null while it is starting. */
    RunningSink running() {
        return running;
    }

    private void startUntilRunning() {
        long backoffMs = START_BACKOFF_INITIAL_MS;
        while (closing.getCount() > 0) {
            try {
                RunningSink sink = starter.call();
                synchronized (this) {
                    if (closed) {
                        sink.close();
                        return;
                    }
                    running = sink;
                }
                log.info("{} started against {}", name, target);
                return;
            } catch (Exception e) {
                if (closing.getCount() == 0) {
                    return;
                }
                startProblem = e.toString();
                log.warn("{} could not start against {}: {}; trying again in {} ms", name, target, e.toString(), backoffMs);
            }
            try {
                if (closing.await(backoffMs, TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            backoffMs = Math.min(backoffMs * 2, START_BACKOFF_MAX_MS);
        }
    }

    /** Stops trying to start, and stops the sink if it runs (its uncommitted work is read again next time). */
    @Override
    public void close() {
        RunningSink sink;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            sink = running;
        }
        closing.countDown();
        if (sink == null) {
            starterThread.interrupt();
            try {
                starterThread.join(START_ABANDON_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        sink.close();
        log.info("{} stopped", name);
    }
}
