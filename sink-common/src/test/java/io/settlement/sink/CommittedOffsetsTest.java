package io.settlement.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class CommittedOffsetsTest {
    private static final TopicPartition READ = new TopicPartition("settlement.journal", 0);
    private static final TopicPartition HALTED = new TopicPartition("settlement.journal", 1);
    private static final TopicPartition NEVER_COMMITTED = new TopicPartition("settlement.journal", 2);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final CommittedOffsets offsets = new CommittedOffsets(consumer, Duration.ofSeconds(1));

    @Test
    void anIdlePollCommitsThePositionPastTheMarkersOnlyWhereTheSinkCommittedBeforeAndIsNotHalted() {
        // given three partitions: two the sink wrote up to offset 10 ("last record + 1"), one it never committed
        consumer.assign(List.of(READ, HALTED, NEVER_COMMITTED));
        offsets.commit(Map.of(READ, 10L, HALTED, 10L));
        // and the consumer's position past each partition's transaction marker
        consumer.seek(READ, 11);
        consumer.seek(HALTED, 11);
        consumer.seek(NEVER_COMMITTED, 11);

        // when the sink commits past the markers after an idle poll
        offsets.commitPastMarkers(Set.of(HALTED));

        // then only the partition it read and did not halt moves to the end
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.of(READ, HALTED, NEVER_COMMITTED));
        assertThat(committed.get(READ).offset()).isEqualTo(11);
        assertThat(committed.get(HALTED).offset()).isEqualTo(10);
        assertThat(committed.get(NEVER_COMMITTED)).isNull();
    }

    @Test
    void aPositionBehindTheCommitAfterARewindIsNeverCommitted() {
        consumer.assign(List.of(READ));
        offsets.commit(Map.of(READ, 10L));
        consumer.seek(READ, 4);

        offsets.commitPastMarkers(Set.of());

        assertThat(consumer.committed(Set.of(READ)).get(READ).offset()).isEqualTo(10);
    }

    @Test
    void learnsWhatWasCommittedBeforeAnAssignmentAndForgetsRevokedPartitions() {
        consumer.assign(List.of(READ));
        consumer.commitSync(Map.of(READ, new OffsetAndMetadata(7)));
        offsets.assigned(List.of(READ));
        consumer.seek(READ, 8);

        offsets.commitPastMarkers(Set.of());
        assertThat(consumer.committed(Set.of(READ)).get(READ).offset()).isEqualTo(8);

        offsets.forget(List.of(READ));
        consumer.seek(READ, 9);
        offsets.commitPastMarkers(Set.of());
        assertThat(consumer.committed(Set.of(READ)).get(READ).offset()).isEqualTo(8);
    }
}
