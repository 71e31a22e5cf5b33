package io.settlement.topology;

import java.time.Duration;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Early commits after a trade hop. A trade crosses tasks (coordinator, buyer, seller, buyer), and
 * what one task writes for the next is readable only once its transaction commits. Left to
 * {@code commit.interval.ms}, every hop after the first waits out a whole interval: the next task
 * reads the leg just after a commit, and its own commit comes an interval later. So after a task
 * hands a trade on (its first leg, a next leg, or the trade's result) it asks its stream thread
 * to commit at the end of the current batch ({@link ProcessorContext#commit()}), at most once per
 * {@code trade.hop.commit.interval} per thread: a commit ends the transaction of every task of the
 * thread and costs it time (asking after every hop cut workload B's throughput eightfold), and
 * Kafka Streams halves its batch after each commit.
 *
 * <p>One instance serves a topology; each stream thread keeps its own time of the next request.
 */
public final class HopCommits {
    /** No early commits: every hop waits for the thread's next regular commit. */
    public static final HopCommits NONE = new HopCommits(Duration.ZERO);

    /**
     * A trade older than this at a hop (by its record's timestamp) means the thread is working
     * through a backlog: early commits would slow it down when throughput matters most.
     */
    static final long KEEPING_UP_AGE_MS = 1_000;

    private final long intervalMs;
    /** Per stream thread: the earliest wall-clock time at which a hop may ask for a commit again. */
    private final ThreadLocal<long[]> nextRequestMs = ThreadLocal.withInitial(() -> new long[1]);

    /** @param interval the least time between two early commits of one thread; zero turns them off */
    public HopCommits(Duration interval) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("the hop commit interval must not be negative");
        }
        this.intervalMs = interval.toMillis();
    }

    /**
     * After {@code context}'s task handed on a trade whose record has timestamp {@code tradeTimestampMs}:
     * asks for a commit unless its thread asked within the interval, or the trade is older than
     * {@link #KEEPING_UP_AGE_MS} (the thread is behind: throughput matters more than a hop's wait).
     */
    public void afterHop(ProcessorContext<?, ?> context, long tradeTimestampMs) {
        if (intervalMs == 0) {
            return;
        }
        long nowMs = context.currentSystemTimeMs();
        if (nowMs - tradeTimestampMs > KEEPING_UP_AGE_MS) {
            return;
        }
        long[] next = nextRequestMs.get();
        if (nowMs >= next[0]) {
            next[0] = nowMs + intervalMs;
            context.commit();
        }
    }
}
