package io.settlement.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The timing of one run: when each command was sent and when its first result was read
 * (committed, from the output topic). Indexed by slot, so it needs no map per command. The
 * producer thread writes send times, the collector thread result times; the run reads both
 * only after the collector thread has been joined.
 */
final class RunTracker {
    private final long[] sentNanos;
    private final long[] firstResultNanos;
    private final boolean[] expected;
    private final CountDownLatch outstanding;
    private volatile long lastResultNanos;
    private volatile long unknownResults;
    private volatile long repeatedResults;

    RunTracker(Workload workload) {
        int size = workload.size();
        this.sentNanos = new long[size];
        this.firstResultNanos = new long[size];
        this.expected = new boolean[size];
        int originals = 0;
        for (PreparedCommand command : workload.commands()) {
            if (!command.reusesId()) {
                expected[command.slot()] = true;
                originals++;
            }
        }
        this.outstanding = new CountDownLatch(originals);
    }

    /** Producer thread: the command in {@code slot} was handed to the producer now. */
    void sent(int slot, long nanos) {
        if (sentNanos[slot] == 0) {
            sentNanos[slot] = nanos;
        }
    }

    /** Collector thread: a result for {@code slot} was read now. */
    void resultRead(int slot, long nanos) {
        if (slot < 0 || slot >= expected.length || !expected[slot]) {
            unknownResults++;
            return;
        }
        if (firstResultNanos[slot] == 0) {
            firstResultNanos[slot] = nanos;
            lastResultNanos = nanos;
            outstanding.countDown();
        } else {
            repeatedResults++;
        }
    }

    /** The run stopped producing before these commands: no result is expected for them. */
    void notSent(java.util.List<PreparedCommand> unsent) {
        for (PreparedCommand command : unsent) {
            if (!command.reusesId() && expected[command.slot()]) {
                expected[command.slot()] = false;
                outstanding.countDown();
            }
        }
    }

    boolean awaitAll(long timeoutMs) throws InterruptedException {
        return outstanding.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    long missing() {
        return outstanding.getCount();
    }

    long unknownResults() {
        return unknownResults;
    }

    /** Results read for a slot that already had one: documented duplicates in settlement runs, a failure in the ceiling. */
    long repeatedResults() {
        return repeatedResults;
    }

    long lastResultNanos() {
        return lastResultNanos;
    }

    long sentNanos(int slot) {
        return sentNanos[slot];
    }

    /** Produce-to-result latency of a slot in nanoseconds, or -1 when it has none. */
    long latencyNanos(int slot) {
        if (!expected[slot] || firstResultNanos[slot] == 0 || sentNanos[slot] == 0) {
            return -1;
        }
        return firstResultNanos[slot] - sentNanos[slot];
    }
}
