package io.settlement.sink;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
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
    /** Whether {@link #run} subscribed the consumer (group management); a sink stepped without it is never "not yet assigned". */
    private volatile boolean subscribed;
    /** Partitions assigned now; -1 until the group has assigned this member anything (or nothing) once. */
    private volatile int assignedPartitions = -1;

    public SinkLoop(String sinkName, Consumer<?, ?> consumer) {
        this.sinkName = sinkName;
        this.consumer = consumer;
    }

    /** Consumes until {@link #close()}; a failure that stops the sink leaves it DOWN. */
    public void run(Collection<String> topics, ConsumerRebalanceListener listener, Poll poll) {
        subscribed = true;
        consumer.subscribe(topics, new AssignmentTracking(listener));
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

    /**
     * DOWN once stopped by a failure; otherwise DEGRADED while the sink has trouble or has not
     * been assigned its partitions yet (a lag of 0 then means nothing), else UP.
     */
    public Health.Status state(boolean troubled) {
        if (failure != null) {
            return Health.Status.DOWN;
        }
        return troubled || !assigned() ? Health.Status.DEGRADED : Health.Status.UP;
    }

    /** The sink's health: {@link #state} with the loop's problems and then the sink's own, joined. */
    public Health health(List<String> sinkProblems) {
        List<String> all = problems();
        all.addAll(sinkProblems);
        return new Health(state(!sinkProblems.isEmpty()), String.join("; ", all));
    }

    /** A list holding why the sink stopped, if it did; the sink adds its own problems after it. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (failure != null) {
            problems.add("stopped: " + failure);
        } else if (!assigned()) {
            problems.add("not yet assigned: waiting for the consumer group to assign partitions (its lag means nothing yet)");
        }
        return problems;
    }

    /** Whether the group has assigned this member its share (possibly none) at least once since {@link #run} subscribed. */
    public boolean assigned() {
        return !subscribed || assignedPartitions >= 0;
    }

    /** The partitions assigned now (0 before the first assignment). */
    public int assignedPartitions() {
        return Math.max(assignedPartitions, 0);
    }

    /** Counts the partitions assigned, then calls the sink's own listener. */
    private final class AssignmentTracking implements ConsumerRebalanceListener {
        private final ConsumerRebalanceListener sink;

        AssignmentTracking(ConsumerRebalanceListener sink) {
            this.sink = sink;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            sink.onPartitionsRevoked(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            sink.onPartitionsAssigned(partitions);
            assignedPartitions = consumer.assignment().size();
            log.info("{} assigned {} partitions", sinkName, assignedPartitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            sink.onPartitionsLost(partitions);
        }
    }

    private void fail(String why, Throwable cause) {
        failure = why;
        log.error("{} stopped: {}", sinkName, why, cause);
    }
}
