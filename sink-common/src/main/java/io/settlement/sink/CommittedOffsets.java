package io.settlement.sink;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A sink's committed offsets per assigned partition, and the commit that moves them past transaction
 * markers. With {@code read_committed} the last record of a partition is followed by its
 * transaction's marker, which is no record: a sink that commits "last record + 1" stays one offset
 * short of the partition's end for ever (a lag of one in every tool, and "committed >= end offset"
 * never true). After an idle poll the consumer's position has stepped over the markers;
 * {@link #commitPastMarkers} commits it.
 */
public final class CommittedOffsets {
    private final Consumer<?, ?> consumer;
    private final Duration positionTimeout;
    private final Map<TopicPartition, Long> committed = new ConcurrentHashMap<>();

    /** @param positionTimeout how long reading a partition's position may block */
    public CommittedOffsets(Consumer<?, ?> consumer, Duration positionTimeout) {
        this.consumer = consumer;
        this.positionTimeout = positionTimeout;
    }

    /** Commits {@code nextOffsets} (the offset to read next, per partition) and remembers them. */
    public void commit(Map<TopicPartition, Long> nextOffsets) {
        if (nextOffsets.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        nextOffsets.forEach((partition, offset) -> offsets.put(partition, new OffsetAndMetadata(offset)));
        consumer.commitSync(offsets);
        committed.putAll(nextOffsets);
    }

    /**
     * Commits the consumer's position where it has moved past what was committed, on partitions
     * committed before (so never one the sink has not read yet) and not in {@code halted}. Call it
     * after a poll that returned nothing: then the position is past every record the sink wrote.
     */
    public void commitPastMarkers(Set<TopicPartition> halted) {
        Map<TopicPartition, Long> moved = new LinkedHashMap<>();
        for (TopicPartition partition : consumer.assignment()) {
            Long last = committed.get(partition);
            if (last == null || halted.contains(partition)) {
                continue;
            }
            long position = consumer.position(partition, positionTimeout);
            if (position > last) {
                moved.put(partition, position);
            }
        }
        commit(moved);
    }

    /** Learns the committed offsets of newly assigned partitions (call from the rebalance listener). */
    public void assigned(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        consumer.committed(new HashSet<>(partitions)).forEach((partition, offset) -> {
            if (offset != null) {
                committed.put(partition, offset.offset());
            }
        });
    }

    /** Forgets partitions revoked or lost. */
    public void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(committed::remove);
    }
}
