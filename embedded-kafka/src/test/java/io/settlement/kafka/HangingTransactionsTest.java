package io.settlement.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.kafka.HangingTransactions.Finding;
import io.settlement.kafka.HangingTransactions.Verdict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction left open on a partition after its coordinator decided it is completed the way
 * it was decided, by the repair and by a restart of the broker; one whose outcome is no longer
 * known is left alone.
 *
 * <p>The state a restarted Kafka 4.4.0 broker can leave behind (its coordinator completes a
 * transaction without writing some partitions' markers) is made here on demand: with partition
 * verification off, a transactional batch is written to a partition the coordinator never hears
 * of (a produce request of the version before transaction protocol 2, which does not add the
 * partition), and the transaction then ends on its other partition. The coordinator's state and
 * the partition's are then exactly those of the skipped marker: an open transaction at epoch E,
 * and the coordinator at E + 1 with the outcome.
 */
class HangingTransactionsTest {
    @TempDir
    Path dataDir;

    @Test
    void decidedTransactionsAreCompletedAsDecidedAndUnknownOnesAreLeftAlone() throws Exception {
        Map<String, String> noVerification = Map.of("transaction.partition.verification.enable", "false");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startOnFreePorts(dataDir, noVerification);
             Admin admin = broker.admin()) {
            broker.createTopics(Map.of("decided", 1, "committed-left-open", 1, "aborted-left-open", 1, "unknown-left-open", 1,
                    "restart-left-open", 1));

            // given three transactions left open on a partition: one committed, one aborted, one whose producer moved on
            leaveOpen(broker, admin, "t-commit", "committed-left-open", true, false);
            leaveOpen(broker, admin, "t-abort", "aborted-left-open", false, false);
            leaveOpen(broker, admin, "t-moved-on", "unknown-left-open", true, true);
            assertThat(readCommitted(broker, "committed-left-open")).isEmpty();
            assertThat(stableEnd(admin, "committed-left-open")).isZero();

            // when the repair runs
            List<Finding> findings = new HangingTransactions(admin, "127.0.0.1", port(broker)).repair(Duration.ofSeconds(30));

            // then the decided ones are completed as decided and the unknown one is left open
            assertThat(findings).extracting(f -> f.partition().topic(), Finding::verdict).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple("committed-left-open", Verdict.COMMITTED),
                    org.assertj.core.groups.Tuple.tuple("aborted-left-open", Verdict.ABORTED),
                    org.assertj.core.groups.Tuple.tuple("unknown-left-open", Verdict.LEFT_OPEN));
            assertThat(findings).filteredOn(f -> f.verdict() == Verdict.LEFT_OPEN).singleElement()
                    .satisfies(f -> assertThat(f.reason()).contains("no longer known"));
            assertThat(readCommitted(broker, "committed-left-open")).containsExactly("left-open");
            assertThat(stableEnd(admin, "committed-left-open")).isEqualTo(2); // the record and its marker
            assertThat(readCommitted(broker, "aborted-left-open")).isEmpty();
            assertThat(stableEnd(admin, "aborted-left-open")).isEqualTo(2);
            assertThat(stableEnd(admin, "unknown-left-open")).isZero();
            assertThat(openOn(admin, "unknown-left-open")).hasSize(1);

            // and a second pass finds nothing more to do
            assertThat(new HangingTransactions(admin, "127.0.0.1", port(broker)).repair(Duration.ofSeconds(30)))
                    .extracting(Finding::verdict).containsExactly(Verdict.LEFT_OPEN);

            leaveOpen(broker, admin, "t-restart", "restart-left-open", true, false);
        }

        // when the broker restarts on that data dir, it completes the committed one itself
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startOnFreePorts(dataDir, noVerification);
             Admin admin = broker.admin()) {
            assertThat(openOn(admin, "restart-left-open")).isEmpty();
            assertThat(readCommitted(broker, "restart-left-open")).containsExactly("left-open");
            assertThat(openOn(admin, "unknown-left-open")).hasSize(1);
        }
    }

    /**
     * Leaves a transaction of {@code transactionalId} open on {@code topic}'s partition 0 and ends
     * it ({@code commit} or abort) on the partition the coordinator knows; with {@code moveOn} the
     * producer then runs one more transaction, so the coordinator no longer holds the first one's outcome.
     */
    private static void leaveOpen(EmbeddedKafkaBroker broker, Admin admin, String transactionalId, String topic, boolean commit,
            boolean moveOn) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(transactional(broker, transactionalId))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("decided", transactionalId, "decided")).get();
            ProducerState state = openOn(admin, "decided").stream().filter(s -> s.currentTransactionStartOffset().isPresent())
                    .reduce((a, b) -> b).orElseThrow();
            MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, state.producerId(),
                    (short) state.producerEpoch(), 0, new SimpleRecord("k".getBytes(StandardCharsets.UTF_8),
                            "left-open".getBytes(StandardCharsets.UTF_8)));
            ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000).setTransactionalId(transactionalId);
            ProduceRequestData.TopicProduceData topicData = new ProduceRequestData.TopicProduceData().setName(topic);
            topicData.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
            data.topicData().add(topicData);
            ProduceResponse response = KafkaWire.send("127.0.0.1", port(broker), ProduceRequest.builder(data, true),
                    ProduceRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2, ProduceResponse.class);
            assertThat(response.data().responses()).allSatisfy(t -> assertThat(t.partitionResponses())
                    .allSatisfy(p -> assertThat(Errors.forCode(p.errorCode())).isEqualTo(Errors.NONE)));
            assertThat(openOn(admin, topic)).singleElement().satisfies(s -> assertThat(s.producerId()).isEqualTo(state.producerId()));
            if (commit) {
                producer.commitTransaction();
            } else {
                producer.abortTransaction();
            }
            if (moveOn) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("decided", transactionalId, "next")).get();
                producer.commitTransaction();
            }
        }
    }

    private static List<ProducerState> openOn(Admin admin, String topic) throws Exception {
        TopicPartition partition = new TopicPartition(topic, 0);
        return admin.describeProducers(List.of(partition)).partitionResult(partition).get().activeProducers().stream()
                .filter(s -> s.currentTransactionStartOffset().isPresent()).toList();
    }

    /** The last stable offset: where read-committed readers stop. */
    private static long stableEnd(Admin admin, String topic) throws Exception {
        TopicPartition partition = new TopicPartition(topic, 0);
        return admin.listOffsets(Map.of(partition, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .partitionResult(partition).get().offset();
    }

    private static List<String> readCommitted(EmbeddedKafkaBroker broker, String topic) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition); // read_committed: the last stable offset
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    private static Properties transactional(EmbeddedKafkaBroker broker, String transactionalId) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return properties;
    }

    private static int port(EmbeddedKafkaBroker broker) {
        String servers = broker.bootstrapServers();
        return Integer.parseInt(servers.substring(servers.lastIndexOf(':') + 1));
    }
}
