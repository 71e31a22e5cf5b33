package io.settlement.topology;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Which store partitions of this instance belong to an active task that runs, i.e. has restored
 * every store and started its processors: what a lookup may read as the active replica. Kafka
 * Streams lets an interactive query read an active task from the moment it is assigned, before and
 * while its stores restore, each from its own changelog and at its own pace: its {@code commands}
 * may already hold a command whose balances {@code balances} has not restored yet. A task's
 * processors start only once all of its stores have restored, and stop when it is suspended, moved
 * or closed; the processors that own stores report both here ({@link #tracking}).
 *
 * <p>One instance per {@code KafkaStreams}, shared by the topology it builds and its lookups;
 * thread-safe. {@link #untracked()} is for a topology built without one: it takes every partition
 * Kafka Streams serves as active to be running.
 */
public final class RunningStores {
    private final boolean tracked;
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    private RunningStores(boolean tracked) {
        this.tracked = tracked;
    }

    /** Told by the topology's processors when their tasks start and stop. */
    public static RunningStores tracked() {
        return new RunningStores(true);
    }

    /** Told nothing: every partition is taken as running once Kafka Streams serves it. */
    public static RunningStores untracked() {
        return new RunningStores(false);
    }

    /** Whether this instance's partition {@code partition} of {@code store} belongs to a task that runs here now. */
    public boolean running(String store, int partition) {
        return !tracked || running.contains(key(store, partition));
    }

    /** The task of {@code partition} started its processors: each of {@code stores} has restored. */
    public void started(int partition, String... stores) {
        for (String store : stores) {
            running.add(key(store, partition));
        }
    }

    /** The task of {@code partition} stopped its processors: suspended, moved or closed. */
    public void stopped(int partition, String... stores) {
        for (String store : stores) {
            running.remove(key(store, partition));
        }
    }

    /**
     * {@code supplier}'s processors, each reporting its task's {@code stores} as running from the end
     * of its {@code init} to the start of its {@code close}.
     */
    public <KIn, VIn, KOut, VOut> ProcessorSupplier<KIn, VIn, KOut, VOut> tracking(
            ProcessorSupplier<KIn, VIn, KOut, VOut> supplier, String... stores) {
        if (!tracked) {
            return supplier;
        }
        String[] names = stores.clone();
        return () -> new Tracking<>(supplier.get(), names);
    }

    private static String key(String store, int partition) {
        return store + '#' + partition;
    }

    private final class Tracking<KIn, VIn, KOut, VOut> implements Processor<KIn, VIn, KOut, VOut> {
        private final Processor<KIn, VIn, KOut, VOut> processor;
        private final String[] stores;
        private int partition = -1;

        Tracking(Processor<KIn, VIn, KOut, VOut> processor, String[] stores) {
            this.processor = processor;
            this.stores = stores;
        }

        @Override
        public void init(ProcessorContext<KOut, VOut> context) {
            processor.init(context);
            partition = context.taskId().partition();
            started(partition, stores);
        }

        @Override
        public void process(Record<KIn, VIn> record) {
            processor.process(record);
        }

        @Override
        public void close() {
            if (partition >= 0) {
                stopped(partition, stores);
            }
            processor.close();
        }
    }
}
