package io.settlement.sink;

/**
 * How a sink waits between the attempts of work it retries (a write its database refused, a poll
 * whose records could not be written): the one seam both sinks use, so tests need not wait.
 * The waits themselves double per attempt up to a maximum, each sink's settings say how far.
 */
@FunctionalInterface
public interface Backoff {
    /** Waits for real. */
    Backoff SLEEP = Thread::sleep;

    void pause(long millis) throws InterruptedException;
}
