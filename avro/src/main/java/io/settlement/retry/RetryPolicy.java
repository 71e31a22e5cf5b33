package io.settlement.retry;

/**
 * The one retry policy of the project: how many attempts a piece of work gets, and the doubling
 * pause between them ({@code initialMs} after the first failure, twice as long after each further
 * one, never more than {@code maxMs}). Every retry loop uses it: the sinks' starts, their writes
 * (ScyllaDB requests, TigerBeetle requests) and the polls they read again, and the schema registry
 * client.
 *
 * <p>It lives in the lowest module every user can depend on: the schema registry client's module
 * may depend on the Avro contract alone (its module arrows), and the sinks depend on it too.
 *
 * @param attemptsMax attempts in all (the first one included); {@link #UNBOUNDED} for work that is
 *                    retried until it succeeds or is abandoned
 * @param initialMs   the pause after the first failure
 * @param maxMs       the longest pause
 */
public record RetryPolicy(int attemptsMax, long initialMs, long maxMs) {
    /** Attempts without end: the caller stops when it is closed. */
    public static final int UNBOUNDED = Integer.MAX_VALUE;

    public RetryPolicy {
        if (attemptsMax < 1 || initialMs < 0 || maxMs < initialMs) {
            throw new IllegalArgumentException("invalid retry policy: attemptsMax " + attemptsMax + " (>= 1), initialMs "
                    + initialMs + " (>= 0), maxMs " + maxMs + " (>= initialMs)");
        }
    }

    /** Retries without end, pausing {@code initialMs} doubling up to {@code maxMs}. */
    public static RetryPolicy unbounded(long initialMs, long maxMs) {
        return new RetryPolicy(UNBOUNDED, initialMs, maxMs);
    }

    /** Whether an attempt follows after {@code failures} failed ones. */
    public boolean retriesAfter(int failures) {
        return failures < attemptsMax;
    }

    /** The pause after {@code failures} failures in a row (1 or more): {@code initialMs} doubled per further failure, at most {@code maxMs}. */
    public long pauseMsAfter(int failures) {
        long shift = Math.min(Math.max(failures - 1, 0), 20);
        return Math.min(maxMs, initialMs << shift);
    }

    /** Pauses {@link #pauseMsAfter(int)} with {@code pause}. */
    public void pauseAfter(int failures, Pause pause) throws InterruptedException {
        pause.pause(pauseMsAfter(failures));
    }

    /** How a retry loop waits: the one seam every loop waits through, so tests need not wait and a close can end a wait. */
    @FunctionalInterface
    public interface Pause {
        /** Waits for real. */
        Pause SLEEP = Thread::sleep;

        void pause(long millis) throws InterruptedException;
    }
}
