package io.settlement.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settlement.retry.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The loop every sink runs: "not yet assigned" is not "caught up", and a halted partition stays halted while others go on. */
class SinkLoopTest {
    private static final TopicPartition PARTITION = new TopicPartition("settlement.journal", 0);
    private static final TopicPartition OTHER = new TopicPartition("settlement.journal", 1);

    /** Writes every record, halting at a record whose value is "bad". */
    private static final class TestSink extends SinkLoop {
        final List<Long> written = new ArrayList<>();

        TestSink(MockConsumer<byte[], byte[]> consumer) {
            super("test-sink", "test", "records", List.of(PARTITION.topic()), Duration.ofMillis(10),
                    new RetryPolicy(3, 0, 0), new SimpleMeterRegistry(), () -> consumer, millis -> { });
        }

        @Override
        public String target() {
            return "nowhere";
        }

        @Override
        protected Writer open(Consumer<byte[], byte[]> consumer) {
            return new Writer() {
                @Override
                public Outcome write(ConsumerRecords<byte[], byte[]> records) {
                    Outcome outcome = new Outcome();
                    for (TopicPartition partition : records.partitions()) {
                        for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                            if (new String(record.value()).equals("bad")) {
                                outcome.halt(partition, record.offset(), "bad record");
                                break;
                            }
                            written.add(record.offset());
                            outcome.commit(partition, record.offset() + 1).written(partition, 1, record.timestamp());
                        }
                    }
                    return outcome;
                }

                @Override
                public List<String> problems() {
                    return List.of();
                }

                @Override
                public long written() {
                    return written.size();
                }

                @Override
                public void close() {
                }
            };
        }
    }

    @Test
    void aSubscribedSinkIsDegradedUntilTheGroupAssignsItsPartitions() throws Exception {
        // given a sink on a consumer the group has not assigned anything yet
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        TestSink sink = new TestSink(consumer);
        sink.connect();
        Thread thread = new Thread(sink::run);
        thread.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !consumer.subscription().isEmpty());

            // then it is not UP, and says why
            assertThat(sink.state()).isEqualTo(Health.Status.DEGRADED);
            assertThat(sink.problems()).singleElement().asString().startsWith("not yet assigned");

            // when the group assigns it a partition
            consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
            consumer.rebalance(List.of(PARTITION));

            // then it is UP with no problem
            await().atMost(Duration.ofSeconds(10)).until(sink::assigned);
            assertThat(sink.state()).isEqualTo(Health.Status.UP);
            assertThat(sink.problems()).isEmpty();
            assertThat(sink.assignedPartitions()).isEqualTo(1);
        } finally {
            sink.close();
            thread.join(10_000);
        }
        assertThat(sink.health()).isEqualTo(Health.down("not started"));
    }

    @Test
    void aSinkSteppedWithoutTheLoopsSubscriptionIsNeverNotYetAssigned() {
        TestSink sink = new TestSink(new MockConsumer<>("earliest"));
        sink.connect();
        assertThat(sink.state()).isEqualTo(Health.Status.UP);
        assertThat(sink.problems()).isEmpty();
    }

    @Test
    void aHaltedPartitionStaysHaltedWhileTheOthersGoOn() throws Exception {
        // given two partitions, the first with a record the writer will not skip
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        TestSink sink = new TestSink(consumer);
        sink.connect();
        consumer.assign(List.of(PARTITION, OTHER));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L, OTHER, 0L));
        add(consumer, PARTITION, 0, "good");
        add(consumer, PARTITION, 1, "bad");
        add(consumer, OTHER, 0, "good");

        // when the sink polls
        sink.pollOnce();

        // then the first is committed up to the bad record and halted there, the other committed to its end
        assertThat(consumer.committed(java.util.Set.of(PARTITION)).get(PARTITION).offset()).isEqualTo(1);
        assertThat(consumer.paused()).containsExactly(PARTITION);
        assertThat(sink.state()).isEqualTo(Health.Status.DEGRADED);
        assertThat(sink.problems()).singleElement().asString().isEqualTo("halted " + PARTITION + " at offset 1: bad record");

        // and when more arrives on both, only the other is read
        add(consumer, PARTITION, 2, "good");
        add(consumer, OTHER, 1, "good");
        sink.pollOnce();
        assertThat(consumer.committed(java.util.Set.of(OTHER)).get(OTHER).offset()).isEqualTo(2);
        assertThat(consumer.committed(java.util.Set.of(PARTITION)).get(PARTITION).offset()).isEqualTo(1);
        assertThat(sink.state()).isEqualTo(Health.Status.DEGRADED);
        assertThat(sink.progress().written()).isEqualTo(3);
    }

    private static void add(MockConsumer<byte[], byte[]> consumer, TopicPartition partition, long offset, String value) {
        consumer.addRecord(new ConsumerRecord<>(partition.topic(), partition.partition(), offset, null, value.getBytes()));
    }
}
