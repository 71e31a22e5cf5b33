package io.settlement.sink;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The life cycle both sinks share: {@link #start()} opens what the sink writes to and runs its
 * consumer loop on a thread of its own; {@link #close()} stops the loop after the poll under way,
 * waits for it, and releases the connection. Before the start and after the close the sink is
 * {@code DOWN, not started}. A subclass says how to open ({@link #open()}); its {@link Loop}
 * reports the health and progress, and waits between retries with {@link #backoff()}, which
 * {@link #close()} ends at once.
 */
public abstract class ThreadedSink implements Sink {
    /** How long {@link #close()} waits for the poll under way to finish. */
    public static final long CLOSE_TIMEOUT_MS = 30_000;

    /** A sink's consumer loop: it runs until {@link #close()}, which stops it after the poll under way. */
    public interface Loop extends Runnable, AutoCloseable {
        Health health();

        Progress progress();

        @Override
        void close();
    }

    /** What {@link #open()} made: the loop to run, and the connection to close once it stopped. */
    public record Started(Loop loop, AutoCloseable connection) {
        /**
         * The loop {@code build} makes on {@code connection}; if it cannot be built, the connection
         * is closed before the failure is thrown, so nothing is held.
         */
        public static <C extends AutoCloseable> Started on(C connection, Function<C, Loop> build) {
            try {
                return new Started(build.apply(connection), connection);
            } catch (RuntimeException e) {
                try {
                    connection.close();
                } catch (Exception closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
        }
    }

    private final CountDownLatch stopping = new CountDownLatch(1);
    private final Backoff backoff = millis -> stopping.await(millis, TimeUnit.MILLISECONDS);
    private volatile Started started;
    private Thread thread;
    private boolean closed;

    /**
     * Connects and prepares everything the loop needs, without starting it.
     *
     * @throws RuntimeException when the database cannot be reached or prepared now; nothing is held then
     */
    protected abstract Started open();

    /** How the loop waits between retries: for real, but a {@link #close()} ends the wait at once. */
    protected final Backoff backoff() {
        return backoff;
    }

    /** The progress of a sink that has not started: nothing read, nothing written, in its unit. */
    protected abstract Progress notStarted();

    @Override
    public final synchronized void start() {
        if (closed || started != null) {
            throw new IllegalStateException(name() + " is " + (closed ? "closed" : "started already"));
        }
        Started opened = open();
        try {
            thread = new Thread(opened.loop(), name());
            thread.start();
        } catch (RuntimeException | Error e) {
            release(opened);
            throw e;
        }
        started = opened;
    }

    @Override
    public final Health health() {
        Started now = started;
        return now == null ? Health.down("not started") : now.loop().health();
    }

    @Override
    public final Progress progress() {
        Started now = started;
        return now == null ? notStarted() : now.loop().progress();
    }

    /** Whether the sink runs now (started and not closed). */
    protected final boolean running() {
        return started != null;
    }

    @Override
    public final synchronized void close() {
        closed = true;
        Started now = started;
        started = null;
        if (now == null) {
            return;
        }
        now.loop().close();
        stopping.countDown();
        try {
            thread.join(CLOSE_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            release(now);
        }
    }

    private static void release(Started started) {
        try {
            started.connection().close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the sink's connection failed: " + e, e);
        }
    }
}
