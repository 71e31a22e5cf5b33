package io.settlement.app.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * How far Kafka Streams is in rebuilding state stores from their changelogs (after a move of
 * tasks, or a start on an empty state directory), as meters:
 * {@code settlement_restore_remaining_records} (changelog records still to restore, over every
 * store being restored), {@code settlement_restore_active_partitions} and
 * {@code settlement_restore_records_total{store}}. While records remain, lookups of the
 * restoring partitions answer 503.
 */
public final class RestoreProgress implements StateRestoreListener {
    private final MeterRegistry registry;
    private final Map<TopicPartition, Long> remaining = new ConcurrentHashMap<>();
    private final Map<String, Counter> restored = new ConcurrentHashMap<>();

    public RestoreProgress(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("settlement.restore.remaining.records", remaining, r -> r.values().stream().mapToLong(Long::longValue).sum())
                .description("changelog records still to restore, over the stores being restored").register(registry);
        Gauge.builder("settlement.restore.active.partitions", remaining, Map::size)
                .description("changelog partitions being restored").register(registry);
    }

    @Override
    public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
        remaining.put(partition, Math.max(0, endingOffset - startingOffset));
        counter(store);
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
        remaining.computeIfPresent(partition, (p, left) -> Math.max(0, left - numRestored));
        counter(store).increment(numRestored);
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
        remaining.remove(partition);
    }

    @Override
    public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
        remaining.remove(partition);
    }

    private Counter counter(String store) {
        return restored.computeIfAbsent(store, name -> Counter.builder("settlement.restore.records")
                .description("changelog records restored, by store").tag("store", name).register(registry));
    }
}
