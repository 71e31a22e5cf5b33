package io.settlement.app;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when a stream thread dies of an exception nothing else handled.
 *
 * <p>Business rejections never get here (they are results), nor do unreadable records (they go
 * to the dead-letter topic). What does get here is a bug, such as a broken invariant assertion
 * (an {@link IllegalStateException}: a balance about to go negative, a journal entry whose
 * debits and credits differ), or broken infrastructure. The policy:
 * <ul>
 *   <li>A bug: {@code SHUTDOWN_APPLICATION}. With exactly-once the failed transaction is aborted,
 *       so nothing wrong was published; but the same record would fail the same way on any
 *       instance it migrated to. Stopping every instance is the honest answer for a ledger:
 *       settlement waits for a fix instead of limping on or crash-looping through the cluster.</li>
 *   <li>A retriable infrastructure error (a broker away, a timeout): {@code REPLACE_THREAD}, at
 *       most {@link #THREAD_REPLACEMENTS_MAX} times within {@link #REPLACEMENT_WINDOW}, since
 *       the aborted transaction is simply retried by the new thread.</li>
 *   <li>Anything else, or too many replacements: {@code SHUTDOWN_CLIENT}. This instance stops
 *       (the process exits non-zero so a supervisor restarts it) and the others take its tasks.</li>
 * </ul>
 */
public final class StreamsFailurePolicy implements StreamsUncaughtExceptionHandler {
    public static final int THREAD_REPLACEMENTS_MAX = 3;
    public static final Duration REPLACEMENT_WINDOW = Duration.ofMinutes(10);
    /** Cause chains are followed this deep (a chain may loop). */
    private static final int CAUSE_DEPTH_MAX = 32;

    private static final Logger log = LoggerFactory.getLogger(StreamsFailurePolicy.class);

    private final Clock clock;
    private final Deque<Long> replacementTimesMs = new ArrayDeque<>();

    public StreamsFailurePolicy(Clock clock) {
        this.clock = clock;
    }

    public StreamsFailurePolicy() {
        this(Clock.systemUTC());
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
        if (causedBy(exception, IllegalStateException.class) || causedBy(exception, AssertionError.class)) {
            log.error("A settlement invariant failed: stopping every instance of the application", exception);
            return StreamThreadExceptionResponse.SHUTDOWN_APPLICATION;
        }
        if (causedBy(exception, RetriableException.class)) {
            long nowMs = clock.millis();
            while (!replacementTimesMs.isEmpty() && replacementTimesMs.peekFirst() < nowMs - REPLACEMENT_WINDOW.toMillis()) {
                replacementTimesMs.removeFirst();
            }
            if (replacementTimesMs.size() < THREAD_REPLACEMENTS_MAX) {
                replacementTimesMs.addLast(nowMs);
                log.warn("A stream thread died of a retriable error; replacing it ({} of {} within {})",
                        replacementTimesMs.size(), THREAD_REPLACEMENTS_MAX, REPLACEMENT_WINDOW, exception);
                return StreamThreadExceptionResponse.REPLACE_THREAD;
            }
        }
        log.error("A stream thread died; stopping this instance", exception);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    private static boolean causedBy(Throwable exception, Class<? extends Throwable> type) {
        Throwable cause = exception;
        for (int depth = 0; cause != null && depth < CAUSE_DEPTH_MAX; depth++, cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }
}
