package io.settlement.serde.confluent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.settlement.avro.BalanceOperation;
import io.settlement.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry going away while records flow, on a real broker and a real registry that is stopped and started again. */
class RegistryOutageTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String TOPIC = "outage.operations";
    private static final String NEW_TOPIC = "outage.new-operations";

    @TempDir
    Path registryData;

    @Test
    void aRegistryOutageMidStreamFailsClearlyAfterRetriesAndLosesNothing() {
        EmbeddedKafkaBroker broker = SharedBroker.get();
        broker.createTopics(Map.of(TOPIC, 1, NEW_TOPIC, 1));
        try (ApicurioRegistry registry = ApicurioRegistry.persistentIn(registryData).start()) {
            Map<String, String> config = Map.of("schema.registry.url", registry.url(),
                    "schema.registry.attempts.max", "3", "schema.registry.retry.backoff.ms", "50");
            BalanceOperation first = Records.deposit("c-1", 11L, "BTC", 100L);
            BalanceOperation second = Records.deposit("c-2", 11L, "BTC", 200L);
            try (KafkaProducer<Long, BalanceOperation> producer = new KafkaProducer<>(producerConfig(broker), new LongSerializer(),
                    ConfluentAvroSerdes.fromConfig(config).valueSerde(BalanceOperation.class));
                 KafkaConsumer<Long, BalanceOperation> consumer = new KafkaConsumer<>(consumerConfig(broker), new LongDeserializer(),
                         ConfluentAvroSerdes.fromConfig(config).valueSerde(BalanceOperation.class))) {
                // given: a record written while the registry was up
                send(producer, TOPIC, first);

                // when: the registry goes down
                registry.stop();

                // then: a producer whose schema id is cached keeps writing
                send(producer, TOPIC, second);
                // a topic whose subject it has not resolved yet fails clearly after the retries
                Throwable producerFailure = catchThrowable(() -> send(producer, NEW_TOPIC, first));
                assertThat(unavailableIn(producerFailure)).hasMessageContaining("after 3 attempts").hasMessageContaining("outage.new-operations-value");
                // a consumer with a cold cache fails clearly after the retries, and is not moved past the record
                consumer.assign(List.of(new TopicPartition(TOPIC, 0)));
                consumer.seekToBeginning(List.of(new TopicPartition(TOPIC, 0)));
                Throwable consumerFailure = await("a failing poll").atMost(DEADLINE).until(() -> pollFailure(consumer), Objects::nonNull);
                assertThat(consumerFailure).isInstanceOf(RecordDeserializationException.class);
                assertThat(((RecordDeserializationException) consumerFailure).offset()).isZero();
                assertThat(unavailableIn(consumerFailure)).hasMessageContaining("after 3 attempts").hasMessageContaining("/schemas/ids/");

                // when: the registry is back (same port, same storage)
                registry.restart();

                // then: nothing was lost, both records read in order, and the new topic writes
                List<BalanceOperation> read = new ArrayList<>();
                await("both records").atMost(DEADLINE).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(record -> read.add(record.value()));
                    return read.size() >= 2;
                });
                assertThat(read).containsExactly(first, second);
                send(producer, NEW_TOPIC, first);
            }
        }
    }

    private static void send(KafkaProducer<Long, BalanceOperation> producer, String topic, BalanceOperation operation) {
        try {
            producer.send(new ProducerRecord<>(topic, operation.getUserId(), operation)).get();
        } catch (Exception e) {
            throw new IllegalStateException("send to " + topic + " failed", e);
        }
    }

    private static Throwable pollFailure(KafkaConsumer<Long, BalanceOperation> consumer) {
        try {
            for (ConsumerRecord<Long, BalanceOperation> record : consumer.poll(Duration.ofMillis(200))) {
                throw new AssertionError("read " + record + " while the registry is down");
            }
            return null;
        } catch (RecordDeserializationException e) {
            return e;
        }
    }

    private static SchemaRegistryUnavailableException unavailableIn(Throwable failure) {
        return Stream.iterate(failure, Objects::nonNull, Throwable::getCause)
                .filter(SchemaRegistryUnavailableException.class::isInstance).map(SchemaRegistryUnavailableException.class::cast)
                .findFirst().orElseThrow(() -> new AssertionError("no SchemaRegistryUnavailableException in", failure));
    }

    private static Properties producerConfig(EmbeddedKafkaBroker broker) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        return properties;
    }

    private static Properties consumerConfig(EmbeddedKafkaBroker broker) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return properties;
    }
}
