package io.settlement.app.ops;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.UnknownMemberIdException;

/**
 * Moves a sink's committed offsets, the two remedies a sink needs when it cannot help itself:
 * skipping the one record a partition halted at ({@link #skipOne}) and going back (or forward) to
 * a point in time ({@link #planReset}). Kafka moves the offsets of a consumer group only while no
 * member is in it, so the sink's instances are stopped first (or the sink turned off), and the
 * sink resumes from the new offsets when they start again.
 */
public final class SinkOffsets {
    private final Admin admin;
    private final String groupId;

    public SinkOffsets(Admin admin, String groupId) {
        this.admin = admin;
        this.groupId = groupId;
    }

    /** One partition's move: from the committed offset (-1: none) to the new one. */
    public record Move(TopicPartition partition, long from, long to) {}

    /** The group's committed offset of each of {@code partitions} (-1 where it has none). */
    public Map<TopicPartition, Long> committed(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = call(() -> admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get(),
                "read the committed offsets of " + groupId);
        Map<TopicPartition, Long> committed = new LinkedHashMap<>();
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata offset = offsets.get(partition);
            committed.put(partition, offset == null ? -1L : offset.offset());
        }
        return committed;
    }

    /** Every partition of {@code topics}, in topic then partition order. */
    public List<TopicPartition> partitionsOf(Collection<String> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        call(() -> admin.describeTopics(topics).allTopicNames().get(), "describe " + topics).forEach((topic, description) ->
                description.partitions().forEach(info -> partitions.add(new TopicPartition(topic, info.partition()))));
        partitions.sort(java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        return partitions;
    }

    /** The move past the record a halted partition stopped at: its committed offset plus one. */
    public Move planSkipOne(TopicPartition partition) {
        long from = committed(List.of(partition)).get(partition);
        if (from < 0) {
            long earliest = offsets(List.of(partition), OffsetSpec.earliest()).get(partition);
            return new Move(partition, from, earliest + 1);
        }
        long end = offsets(List.of(partition), OffsetSpec.latest()).get(partition);
        if (from >= end) {
            throw new IllegalArgumentException(partition + " has no record at the group's offset " + from
                    + " (the end is " + end + "): nothing to skip");
        }
        return new Move(partition, from, from + 1);
    }

    /** The moves to the first record at or after {@code timestampMs} (the end where there is none) on every partition. */
    public List<Move> planReset(Collection<TopicPartition> partitions, long timestampMs) {
        Map<TopicPartition, Long> at = offsets(partitions, OffsetSpec.forTimestamp(timestampMs));
        Map<TopicPartition, Long> end = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> from = committed(partitions);
        List<Move> moves = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            long to = at.get(partition) >= 0 ? at.get(partition) : end.get(partition);
            moves.add(new Move(partition, from.get(partition), to));
        }
        return moves;
    }

    /** Commits the moves for the group; refused by Kafka while the group has members. */
    public void apply(List<Move> moves) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        moves.forEach(move -> offsets.put(move.partition(), new OffsetAndMetadata(move.to())));
        try {
            admin.alterConsumerGroupOffsets(groupId, offsets).all().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupNotEmptyException || e.getCause() instanceof UnknownMemberIdException) {
                throw new IllegalArgumentException("consumer group " + groupId + " has members: stop the instances that run this sink "
                        + "(or turn the sink off) first, then run this again", e.getCause());
            }
            throw new KafkaException("cannot move the offsets of " + groupId + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted", e);
        }
    }

    private Map<TopicPartition, Long> offsets(Collection<TopicPartition> partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        partitions.forEach(partition -> request.put(partition, spec));
        Map<TopicPartition, ListOffsetsResultInfo> answer = call(() -> admin.listOffsets(request).all().get(), "list offsets");
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        answer.forEach((partition, info) -> offsets.put(partition, info.offset()));
        return offsets;
    }

    private interface KafkaCall<T> {
        T get() throws ExecutionException, InterruptedException;
    }

    private static <T> T call(KafkaCall<T> call, String what) {
        try {
            return call.get();
        } catch (ExecutionException e) {
            throw new KafkaException("cannot " + what + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while trying to " + what, e);
        }
    }
}
