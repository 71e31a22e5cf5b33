package io.settlement.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** A sink tells "not yet assigned" (DEGRADED, its lag means nothing) from "caught up" (UP). */
class SinkLoopTest {
    private static final TopicPartition PARTITION = new TopicPartition("settlement.journal", 0);

    @Test
    void aSubscribedSinkIsDegradedUntilTheGroupAssignsItsPartitions() throws Exception {
        // given a sink loop on a consumer the group has not assigned anything yet
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        SinkLoop loop = new SinkLoop("test sink", consumer);
        Thread thread = new Thread(() -> loop.run(List.of(PARTITION.topic()), new NoListener(), () -> consumer.poll(Duration.ofMillis(10))));
        thread.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !consumer.subscription().isEmpty());

            // then it is not UP, and says why
            assertThat(loop.state(false)).isEqualTo(Health.Status.DEGRADED);
            assertThat(loop.problems()).singleElement().asString().startsWith("not yet assigned");

            // when the group assigns it a partition
            consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
            consumer.rebalance(List.of(PARTITION));

            // then it is UP with no problem
            await().atMost(Duration.ofSeconds(10)).until(loop::assigned);
            assertThat(loop.state(false)).isEqualTo(Health.Status.UP);
            assertThat(loop.problems()).isEmpty();
            assertThat(loop.assignedPartitions()).isEqualTo(1);
        } finally {
            loop.close();
            thread.join(10_000);
        }
    }

    @Test
    void aSinkSteppedWithoutTheLoopsSubscriptionIsNeverNotYetAssigned() {
        SinkLoop loop = new SinkLoop("test sink", new MockConsumer<>("earliest"));
        assertThat(loop.state(false)).isEqualTo(Health.Status.UP);
        assertThat(loop.problems()).isEmpty();
    }

    private static final class NoListener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        }
    }
}
