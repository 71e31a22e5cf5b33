package io.settlement.sink;

import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.retry.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one loop every sink runs (docs/architecture.md, "The sinks"): a sink is a subclass that says
 * how to connect to its database and supplies its batch {@link Writer}; this class owns the rest.
 *
 * <ul>
 *   <li>Life cycle: {@link #start()} connects ({@link #open}) and consumes on a thread of the sink's
 *       own; {@link #close()} stops after the poll under way, waits for it and releases the writer.
 *       Before the start and after the close the sink is {@code DOWN, not started}.</li>
 *   <li>Polling: each poll's records go to the writer, which says what it has done
 *       ({@link Outcome}); the loop commits what was written (and, after an idle poll, the positions
 *       past transaction markers: {@link CommittedOffsets}), seeks back what is to be read again,
 *       and after a poll the writer could not write at all pauses as {@link RetryPolicy} says.</li>
 *   <li>Halts: a record the writer will not skip (it cannot be read, or the database disagrees with
 *       it) halts its partition there: paused, counted, DEGRADED until an operator restarts the
 *       sink; the other partitions go on. A halt is forgotten only when the partition leaves this
 *       instance (its new owner halts at the same record).</li>
 *   <li>Rebalances: the writer hears of partitions leaving ({@link Writer#leaving}) and what it
 *       answers for them is committed while they are still this instance's.</li>
 *   <li>Health: DOWN once a failure stopped the loop; DEGRADED while not yet assigned, while the
 *       writer reports a problem with its database, or while a partition is halted; else UP.</li>
 * </ul>
 * Offsets are committed only after the writer wrote their records, and every write is idempotent:
 * at least once, and a record written again changes nothing.
 */
public abstract class SinkLoop implements Sink {
    /** How long {@link #close()} waits for the poll under way to finish. */
    public static final long CLOSE_TIMEOUT_MS = 30_000;
    /** How long a poll waits while the writer has work out: it has an answer to act on. */
    public static final Duration POLL_WHILE_BUSY = Duration.ofMillis(10);

    private static final Logger log = LoggerFactory.getLogger(SinkLoop.class);

    /**
     * What a sink writes with: it takes the records of each poll and answers what became of them.
     * Called on the loop's thread only.
     */
    public interface Writer extends AutoCloseable {
        /**
         * Writes (or begins writing) the records of one poll, in offset order per partition; none
         * of a halted partition. Called with no records only while {@link #busy()}.
         */
        Outcome write(ConsumerRecords<byte[], byte[]> records) throws InterruptedException;

        /** Whether records were taken and not yet answered for: the loop polls again briefly, and commits nothing past them. */
        default boolean busy() {
            return false;
        }

        /** After an idle poll, with nothing busy: every record read was written. */
        default void caughtUp(Consumer<?, ?> consumer, Set<TopicPartition> halted) throws InterruptedException {
        }

        /** {@code partitions} leave this instance: answer for the work out, and drop what was read of them. */
        default Outcome leaving(Collection<TopicPartition> partitions) {
            return new Outcome();
        }

        /** The database's problems now, one line each (empty when it answers). */
        List<String> problems();

        /** What was written, in the sink's unit. */
        long written();

        @Override
        void close();
    }

    /** What a {@link Writer} did with records: offsets to commit, records written, halts, partitions to read again. */
    public static final class Outcome {
        private final Map<TopicPartition, Long> commits = new LinkedHashMap<>();
        private final Map<TopicPartition, long[]> written = new LinkedHashMap<>();
        private final Map<TopicPartition, Halt> halts = new LinkedHashMap<>();
        private final Map<TopicPartition, Long> rewinds = new LinkedHashMap<>();
        private boolean failed;

        /** Everything of {@code partition} before {@code nextOffset} is written. */
        public Outcome commit(TopicPartition partition, long nextOffset) {
            commits.put(partition, nextOffset);
            return this;
        }

        /** {@code count} more records of {@code partition} written, the last appended at {@code timestampMs}. */
        public Outcome written(TopicPartition partition, int count, long timestampMs) {
            long[] countAndLast = written.computeIfAbsent(partition, p -> new long[2]);
            countAndLast[0] += count;
            countAndLast[1] = timestampMs;
            return this;
        }

        /** The record at {@code offset} is not skipped: its partition halts there. */
        public Outcome halt(TopicPartition partition, long offset, String why) {
            halts.put(partition, new Halt(offset, why));
            return this;
        }

        /** {@code partition} is read again from {@code offset}. */
        public Outcome rewind(TopicPartition partition, long offset) {
            rewinds.put(partition, offset);
            return this;
        }

        /** Nothing of the poll could be written: its partitions are rewound, and the loop pauses before it polls again. */
        public Outcome failed() {
            failed = true;
            return this;
        }

        public Map<TopicPartition, Long> commits() {
            return commits;
        }
    }

    /** A partition halted at a record. */
    public record Halt(long offset, String why) {}

    private final String name;
    private final String meterTag;
    private final String unit;
    private final List<String> topics;
    private final Duration pollTimeout;
    private final RetryPolicy pollRetries;
    private final MeterRegistry registry;
    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final RetryPolicy.Pause pause;
    private final Map<TopicPartition, Halt> halted = new ConcurrentHashMap<>();

    private volatile boolean started;
    private boolean closed;
    private volatile boolean closing;
    private volatile boolean looping;
    private volatile String failure;
    private volatile boolean subscribed;
    /** Partitions assigned now; -1 until the group has assigned this member anything (or nothing) once. */
    private volatile int assignedPartitions = -1;
    private Thread thread;
    private Consumer<byte[], byte[]> consumer;
    private volatile Writer writer;
    private SinkMeters meters;
    private CommittedOffsets committedOffsets;
    private int failedPolls;

    /**
     * @param name        the sink's name in {@code /health} and the logs, e.g. {@code scylla-sink}
     * @param meterTag    its {@code sink} tag on the shared meters ({@link SinkMeters})
     * @param unit        what {@link Writer#written()} counts
     * @param topics      the topics it consumes
     * @param pollTimeout how long one poll waits for records
     * @param pollRetries the pause after polls the writer could not write ({@link Outcome#failed()})
     * @param consumers   makes the sink's consumer when it starts
     * @param pause       how the sink waits between retries; null: for real, a {@link #close()} ends the wait at once
     */
    protected SinkLoop(String name, String meterTag, String unit, List<String> topics, Duration pollTimeout,
                       RetryPolicy pollRetries, MeterRegistry registry, Supplier<Consumer<byte[], byte[]>> consumers,
                       RetryPolicy.Pause pause) {
        this.name = name;
        this.meterTag = meterTag;
        this.unit = unit;
        this.topics = List.copyOf(topics);
        this.pollTimeout = pollTimeout;
        this.pollRetries = pollRetries;
        this.registry = registry;
        this.consumers = consumers;
        this.pause = pause != null ? pause : millis -> stopping.await(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Connects and makes the writer, without consuming yet.
     *
     * @param consumer the sink's consumer (the writer may read positions and partitions through it; the loop polls, seeks and commits)
     * @throws RuntimeException when the database cannot be reached or prepared now; nothing is held then
     */
    protected abstract Writer open(Consumer<byte[], byte[]> consumer);

    @Override
    public final String name() {
        return name;
    }

    /** Makes a Kafka consumer with these settings each time a sink starts. */
    protected static Supplier<Consumer<byte[], byte[]>> kafkaConsumers(Map<String, Object> consumerProperties) {
        Map<String, Object> properties = Map.copyOf(consumerProperties);
        return () -> new KafkaConsumer<>(properties);
    }

    /** Whether the sink is connected (started and not closed). */
    public final boolean running() {
        return started;
    }

    /** How the sink waits between retries (the writer's too). */
    protected final RetryPolicy.Pause pause() {
        return pause;
    }

    /** Whether {@link #close()} was called: a writer's retries stop. */
    protected final boolean closing() {
        return closing;
    }

    @Override
    public final synchronized void start() {
        connect();
        try {
            thread = new Thread(this::run, name);
            thread.start();
        } catch (RuntimeException | Error e) {
            release();
            throw e;
        }
    }

    /**
     * Connects as {@link #start()} does but runs no thread: the caller steps the loop ({@link #pollOnce()})
     * or runs it ({@link #run()}). For tests.
     */
    public final synchronized void connect() {
        if (closed || started) {
            throw new IllegalStateException(name + " is " + (closed ? "closed" : "started already"));
        }
        Consumer<byte[], byte[]> made = consumers.get();
        Writer opened;
        try {
            opened = open(made);
        } catch (RuntimeException e) {
            made.close();
            throw e;
        }
        consumer = made;
        meters = new SinkMeters(registry, meterTag, made, halted);
        committedOffsets = new CommittedOffsets(made, pollTimeout);
        // Published last (volatile): a thread that sees the writer or started sees the rest.
        writer = opened;
        started = true;
    }

    /** Consumes until {@link #close()}; a failure that stops the sink leaves it DOWN. Runs on the sink's thread. */
    public final void run() {
        looping = true;
        subscribed = true;
        consumer.subscribe(topics, new Rebalances());
        try {
            while (!closing) {
                pollOnce();
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
            looping = false;
            consumer.close();
            meters.close();
            if (closing) {
                release();
            }
        }
    }

    /** One poll: the writer writes its records, the loop commits, halts and rewinds as it answers. Public so tests can step the loop. */
    public final void pollOnce() throws InterruptedException {
        Writer writer = this.writer;
        ConsumerRecords<byte[], byte[]> records = consumer.poll(writer.busy() ? POLL_WHILE_BUSY : pollTimeout);
        if (!records.isEmpty() || writer.busy()) {
            act(writer.write(records), true);
        }
        if (records.isEmpty() && !writer.busy()) {
            commit(() -> committedOffsets.commitPastMarkers(halted.keySet()));
            writer.caughtUp(consumer, halted.keySet());
        }
        meters.observeLag(consumer);
    }

    /** Whether the writer has records not yet answered for. For tests that step the loop. */
    public final boolean busy() {
        return writer.busy();
    }

    private void act(Outcome outcome, boolean commit) throws InterruptedException {
        if (commit) {
            commit(() -> committedOffsets.commit(outcome.commits));
        }
        outcome.written.forEach((partition, countAndLast) -> meters.written(partition, countAndLast[1], (int) countAndLast[0]));
        Set<TopicPartition> assigned = consumer.assignment();
        outcome.halts.forEach((partition, halt) -> {
            log.error("Halting {} at offset {} ({}): {}", partition, halt.offset(), name, halt.why());
            if (assigned.contains(partition)) {
                consumer.seek(partition, halt.offset());
                consumer.pause(List.of(partition));
            }
            halted.put(partition, halt);
        });
        outcome.rewinds.forEach((partition, offset) -> {
            if (assigned.contains(partition)) {
                consumer.seek(partition, offset);
            }
        });
        if (outcome.failed) {
            failedPolls++;
            log.warn("{} could not write a poll ({} in a row), reading {} partitions again", name, failedPolls, outcome.rewinds.size());
            pollRetries.pauseAfter(failedPolls, pause);
        } else {
            failedPolls = 0;
        }
    }

    private void commit(Runnable commit) {
        try {
            commit.run();
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // The partitions moved to another member, which reads them from the last commit and
            // writes the same records again, which changes nothing.
            log.info("{}: offsets not committed, the group rebalanced: {}", name, e.toString());
        }
    }

    @Override
    public final Health health() {
        if (!started) {
            return Health.down("not started");
        }
        List<String> problems = problems();
        Health.Status status = failure != null ? Health.Status.DOWN
                : problems.isEmpty() ? Health.Status.UP : Health.Status.DEGRADED;
        return new Health(status, String.join("; ", problems));
    }

    /** The status of {@link #health()}. */
    public final Health.Status state() {
        return health().status();
    }

    /** Every problem now, one line each: stopped or not yet assigned, the database's, every halted partition. */
    public final List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (failure != null) {
            problems.add("stopped: " + failure);
        } else if (!assigned()) {
            problems.add("not yet assigned: waiting for the consumer group to assign partitions (its lag means nothing yet)");
        }
        Writer now = writer;
        if (now != null) {
            problems.addAll(now.problems());
        }
        halted.forEach((partition, halt) -> problems.add("halted " + partition + " at offset " + halt.offset() + ": " + halt.why()));
        return problems;
    }

    /** Whether the group has assigned this member its share (possibly none) at least once since {@link #run} subscribed. */
    public final boolean assigned() {
        return !subscribed || assignedPartitions >= 0;
    }

    /** The partitions assigned now (0 before the first assignment). */
    public final int assignedPartitions() {
        return Math.max(assignedPartitions, 0);
    }

    @Override
    public final Progress progress() {
        Writer now = writer;
        return now == null ? new Progress(0, 0, unit) : new Progress(meters.lagRecords(), now.written(), unit);
    }

    /** Stops after the poll under way (what was not written stays uncommitted) and releases the writer; idempotent. */
    @Override
    public final void close() {
        Thread running;
        synchronized (this) {
            closed = true;
            if (!started || closing) {
                return;
            }
            closing = true;
            running = thread;
        }
        consumer.wakeup();
        stopping.countDown();
        if (running != null) {
            try {
                running.join(CLOSE_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (running != null || !looping) {
            release();
        }
    }

    private synchronized void release() {
        Writer now = writer;
        writer = null;
        started = false;
        if (now != null) {
            now.close();
        }
    }

    /** Counts the partitions assigned, lets the writer answer for partitions leaving, and forgets their halts. */
    private final class Rebalances implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            leaving(partitions, true);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            committedOffsets.assigned(partitions);
            assignedPartitions = consumer.assignment().size();
            log.info("{} assigned {} partitions", name, assignedPartitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another member may own them already: nothing of them is committed.
            leaving(partitions, false);
        }

        private void leaving(Collection<TopicPartition> partitions, boolean commit) {
            try {
                act(writer.leaving(partitions), commit);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            partitions.forEach(halted::remove);
            committedOffsets.forget(partitions);
        }
    }

    private void fail(String why, Throwable cause) {
        failure = why;
        log.error("{} stopped: {}", name, why, cause);
    }
}
