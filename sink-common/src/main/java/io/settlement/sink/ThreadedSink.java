package io.settlement.sink;

/**
 * The life cycle both sinks share: {@link #start()} opens what the sink writes to and runs its
 * consumer loop on a thread of its own; {@link #close()} stops the loop after the poll under way,
 * waits for it, and releases the connection. Before the start and after the close the sink is
 * {@code DOWN, not started}. A subclass says how to open ({@link #open()}) and what a running sink
 * reports ({@link Started}).
 *
 * @param <S> what a started sink holds
 */
public abstract class ThreadedSink<S extends ThreadedSink.Started> implements Sink {
    /** How long {@link #close()} waits for the poll under way to finish. */
    public static final long CLOSE_TIMEOUT_MS = 30_000;

    /** What {@link #open()} made: the loop to run and what it reports, how to stop it, what to release after it stopped. */
    public interface Started {
        Runnable loop();

        Health health();

        Progress progress();

        /** Asks the loop to stop after the poll under way (and ends any pause of it). */
        void stopLoop();

        /** Closes the connection; called once the loop stopped (or did not stop in time). */
        void release();
    }

    private volatile S started;
    private Thread thread;
    private boolean closed;

    /**
     * Connects and prepares everything the loop needs, without starting it.
     *
     * @throws RuntimeException when the database cannot be reached or prepared now; nothing is held then
     */
    protected abstract S open();

    /** The progress of a sink that has not started: nothing read, nothing written, in its unit. */
    protected abstract Progress notStarted();

    @Override
    public final synchronized void start() {
        if (closed || started != null) {
            throw new IllegalStateException(name() + " is " + (closed ? "closed" : "started already"));
        }
        S opened = open();
        try {
            thread = new Thread(opened.loop(), name());
            thread.start();
        } catch (RuntimeException | Error e) {
            opened.release();
            throw e;
        }
        started = opened;
    }

    @Override
    public final Health health() {
        S now = started;
        return now == null ? Health.down("not started") : now.health();
    }

    @Override
    public final Progress progress() {
        S now = started;
        return now == null ? notStarted() : now.progress();
    }

    /** What the running sink holds. @throws IllegalStateException before the start and after the close */
    protected final S started() {
        S now = started;
        if (now == null) {
            throw new IllegalStateException(name() + " has not started");
        }
        return now;
    }

    @Override
    public final synchronized void close() {
        closed = true;
        S now = started;
        started = null;
        if (now == null) {
            return;
        }
        now.stopLoop();
        try {
            thread.join(CLOSE_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            now.release();
        }
    }
}
