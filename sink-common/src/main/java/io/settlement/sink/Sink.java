package io.settlement.sink;

/**
 * A sink: a consumer group that mirrors the output topics into a database of record. Both sinks
 * (ScyllaDB, TigerBeetle) implement it in their own modules with their own settings, and the app
 * runs either through a {@link SinkRunner}, which retries {@link #start()} until the database
 * answers.
 *
 * <p>Life cycle: created (settings checked, nothing connected), {@link #start()} (connect, apply
 * what the database needs, begin consuming on a thread of the sink's own; returns once that thread
 * runs), {@link #health()} and {@link #progress()} at any time after, {@link #close()} (stop after
 * the poll under way: what was not written stays uncommitted and is read again next time).
 */
public interface Sink extends AutoCloseable {
    /**
     * How far a sink has come, as of its last poll.
     *
     * @param lagRecords records in its assigned partitions not yet read
     * @param written    what it has written, counted in {@code unit} (a thing written again counts again)
     * @param unit       what {@code written} counts: {@code rows}, {@code transfers}, ...
     */
    record Progress(long lagRecords, long written, String unit) {
        /** For people: {@code lag 12, rows written 1284}. */
        @Override
        public String toString() {
            return "lag " + lagRecords + ", " + unit + " written " + written;
        }
    }

    /** The sink's name in {@code /health} and in logs, e.g. {@code scylla-sink}. */
    String name();

    /** Where it writes, for people: the database's address. */
    String target();

    /**
     * Connects and begins consuming; returns once the consumer runs.
     *
     * @throws RuntimeException when the database cannot be reached or prepared now; the sink holds
     *         nothing then, and {@code start} may be called again
     */
    void start();

    /** Its health now: UP, DEGRADED or DOWN (once it stopped), the detail naming every problem (empty when none); never blocks. */
    Health health();

    /** Its lag and the records it has written (zeros before {@link #start()}). */
    Progress progress();

    /** Stops consuming and releases the database connection; idempotent. */
    @Override
    void close();
}
