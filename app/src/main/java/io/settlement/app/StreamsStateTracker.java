package io.settlement.app;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KafkaStreams.State;

/**
 * Follows the Kafka Streams client's state through its state listener, so the health endpoint
 * and the CLI can read it without touching the client: {@code RUNNING} is healthy,
 * {@code REBALANCING} is alive but lookups may be answered 503, {@code ERROR} and
 * {@code NOT_RUNNING} mean this instance no longer settles anything.
 */
public final class StreamsStateTracker implements KafkaStreams.StateListener {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile State state = State.CREATED;
    private volatile Instant since = Instant.now();

    @Override
    public void onChange(State newState, State oldState) {
        lock.lock();
        try {
            state = newState;
            since = Instant.now();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public State state() {
        return state;
    }

    /** When the current state began. */
    public Instant since() {
        return since;
    }

    public boolean isRunning() {
        return state == State.RUNNING;
    }

    /** Terminal: this client will never process again. */
    public boolean hasStopped() {
        return state == State.ERROR || state == State.NOT_RUNNING || state == State.PENDING_ERROR
                || state == State.PENDING_SHUTDOWN;
    }

    /** Waits until the client is RUNNING (true) or has stopped or the timeout passed (false). */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return awaitState(timeout, true);
    }

    /** Waits until the client has stopped (true) or the timeout passed (false). */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return awaitState(timeout, false);
    }

    private boolean awaitState(Duration timeout, boolean running) throws InterruptedException {
        long remainingNs = timeout.toNanos();
        lock.lock();
        try {
            while (running ? !isRunning() && !hasStopped() : !hasStopped()) {
                if (remainingNs <= 0) {
                    return false;
                }
                remainingNs = changed.awaitNanos(remainingNs);
            }
            return running ? isRunning() : true;
        } finally {
            lock.unlock();
        }
    }
}
