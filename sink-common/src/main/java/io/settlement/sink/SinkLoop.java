package io.settlement.sink;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle every sink shares: subscribe, poll until closed, turn an unexpected failure into
 * a DOWN sink with its reason, and always close the consumer. A sink supplies one poll (read,
 * write, commit what was written) and its own health details; this class owns the rest, so the
 * sinks differ only in what they write.
 */
public final class SinkLoop {
    private static final Logger log = LoggerFactory.getLogger(SinkLoop.class);

    /** One poll of a sink: read a batch, write it, commit what was written. */
    @FunctionalInterface
    public interface Poll {
        void once() throws InterruptedException;
    }

    private final String sinkName;
    private final Consumer<?, ?> consumer;
    private volatile boolean closing;
    private volatile String failure;

    public SinkLoop(String sinkName, Consumer<?, ?> consumer) {
        this.sinkName = sinkName;
        this.consumer = consumer;
    }

    /** Consumes until {@link #close()}; a failure that stops the sink leaves it DOWN. */
    public void run(Collection<String> topics, ConsumerRebalanceListener listener, Poll poll) {
        consumer.subscribe(topics, listener);
        try {
            while (!closing) {
                poll.once();
            }
        } catch (WakeupException e) {
            if (!closing) {
                fail("consumer woken up unexpectedly", e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (!closing) {
                fail("interrupted", e);
            }
        } catch (RuntimeException e) {
            fail(e.toString(), e);
        } finally {
            consumer.close();
        }
    }

    /** Stops {@link #run} after the poll under way; what was not written stays uncommitted. */
    public void close() {
        closing = true;
        consumer.wakeup();
    }

    public boolean closing() {
        return closing;
    }

    /** DOWN once stopped by a failure; otherwise DEGRADED while the sink has trouble, else UP. */
    public SinkHealth.State state(boolean troubled) {
        if (failure != null) {
            return SinkHealth.State.DOWN;
        }
        return troubled ? SinkHealth.State.DEGRADED : SinkHealth.State.UP;
    }

    /** A list holding why the sink stopped, if it did; the sink adds its own problems after it. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (failure != null) {
            problems.add("stopped: " + failure);
        }
        return problems;
    }

    private void fail(String why, Throwable cause) {
        failure = why;
        log.error("{} stopped: {}", sinkName, why, cause);
    }
}
