package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.settlement.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two pieces that make a crashed instance's partitions move within seconds, on a real broker
 * (docs/running.md, "Failover"): the open transaction of a process the group no longer has is
 * fenced while a member's is left alone ({@link AbandonedTransactions}), and the streams group's
 * timeouts are set where the broker allows them and refused, with the reason, where it keeps
 * Kafka's defaults ({@link StreamsGroupTimeouts}).
 */
class CrashFailoverOnRealBrokerTest {
    static final String APP = "crash-app";
    static final String TOPIC = "crash-topic";

    @Test
    void theOpenTransactionOfAProcessOutsideTheGroupIsFencedAndAMembersIsNot(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startOnFreePorts(dir.resolve("kafka"))) {
            broker.createTopics(Map.of(TOPIC, 1));
            String live = UUID.randomUUID().toString();
            String dead = UUID.randomUUID().toString();
            // given a member of the group whose client id carries its process id, as Kafka Streams' main consumer's does
            try (KafkaConsumer<String, String> member = consumer(broker, APP, APP + "-" + live + "-StreamThread-1-consumer", "read_uncommitted");
                    KafkaProducer<String, String> liveProducer = transactional(broker, APP + "-" + live + "-1");
                    KafkaProducer<String, String> deadProducer = transactional(broker, APP + "-" + dead + "-1");
                    Admin admin = broker.admin()) {
                member.subscribe(List.of(TOPIC));
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    member.poll(Duration.ofMillis(100));
                    return !member.assignment().isEmpty();
                });
                // and an open transaction of that member's process, and one of a process that is not in the group (a crashed instance's)
                deadProducer.beginTransaction();
                deadProducer.send(new ProducerRecord<>(TOPIC, "dead", "uncommitted")).get();
                liveProducer.beginTransaction();
                liveProducer.send(new ProducerRecord<>(TOPIC, "live", "committed later")).get();

                // when the check runs (it only considers transactions open for 2 s: it is repeated until they are)
                AbandonedTransactions check = new AbandonedTransactions(admin, APP, false);
                List<Set<String>> fenced = new ArrayList<>();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                    fenced.add(check.fenceAbandoned());
                    return !fenced.get(fenced.size() - 1).isEmpty();
                });

                // then only the crashed process's transaction was fenced
                assertThat(fenced.get(fenced.size() - 1)).containsExactly(APP + "-" + dead + "-1");
                assertThatThrownBy(deadProducer::commitTransaction).isInstanceOf(KafkaException.class);
                // and the member's commits, and a read-committed reader gets past the aborted record to it
                liveProducer.commitTransaction();
                try (KafkaConsumer<String, String> reader = consumer(broker, null, "reader", "read_committed")) {
                    reader.assign(List.of(new org.apache.kafka.common.TopicPartition(TOPIC, 0)));
                    reader.seekToBeginning(reader.assignment());
                    List<String> values = new ArrayList<>();
                    await().atMost(Duration.ofSeconds(30)).until(() -> {
                        for (ConsumerRecord<String, String> record : reader.poll(Duration.ofMillis(200))) {
                            values.add(record.value());
                        }
                        return !values.isEmpty();
                    });
                    assertThat(values).containsExactly("committed later");
                }
            }
        }
    }

    @Test
    void theStreamsGroupGetsItsTimeoutsWhereTheBrokerAllowsThem(@TempDir Path dir) throws Exception {
        // the embedded broker lowers group.streams.min.session.timeout.ms and min.heartbeat.interval.ms as docs/running.md asks
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startOnFreePorts(dir.resolve("kafka")); Admin admin = broker.admin()) {
            assertThat(StreamsGroupTimeouts.apply(admin, streamsProtocol())).isEqualTo(StreamsGroupTimeouts.Outcome.SET);

            ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, APP);
            // the controller has committed the change; the broker that describes it applies it a moment later
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Config config = admin.describeConfigs(List.of(group)).all().get().get(group);
                assertThat(config.get(StreamsGroupTimeouts.SESSION_TIMEOUT).value()).isEqualTo("6000");
                assertThat(config.get(StreamsGroupTimeouts.HEARTBEAT_INTERVAL).value()).isEqualTo("1500");
            });
        }
    }

    @Test
    void aBrokerWithKafkasDefaultBoundsRefusesThemAndTheStartGoesOn(@TempDir Path dir) throws Exception {
        // Kafka 4.4.0's defaults: no streams group session under 45 s, no heartbeat under 5 s
        Map<String, String> kafkaDefaults = Map.of("group.streams.min.session.timeout.ms", "45000", "group.streams.min.heartbeat.interval.ms", "5000");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startOnFreePorts(dir.resolve("kafka"), kafkaDefaults); Admin admin = broker.admin()) {
            assertThat(StreamsGroupTimeouts.apply(admin, streamsProtocol())).isEqualTo(StreamsGroupTimeouts.Outcome.REFUSED_BY_BROKER_BOUNDS);
            // and the classic protocol never asks
            Properties classic = streamsProtocol();
            classic.remove("group.protocol");
            assertThat(StreamsGroupTimeouts.apply(admin, classic)).isEqualTo(StreamsGroupTimeouts.Outcome.NOT_STREAMS_PROTOCOL);
        }
    }

    private static Properties streamsProtocol() {
        Properties props = new Properties();
        props.put("application.id", APP);
        props.put("group.protocol", "streams");
        return props;
    }

    private static KafkaConsumer<String, String> consumer(EmbeddedKafkaBroker broker, String group, String clientId, String isolation) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        if (group != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    private static KafkaProducer<String, String> transactional(EmbeddedKafkaBroker broker, String transactionalId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        producer.initTransactions();
        return producer;
    }
}
