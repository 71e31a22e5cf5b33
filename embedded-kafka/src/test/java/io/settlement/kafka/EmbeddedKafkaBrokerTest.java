package io.settlement.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerTest {
    @TempDir
    Path dataDir;

    @Test
    void aRestartOnTheSameDirectoryKeepsTopicsAndRecords() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startOnFreePorts(dataDir)) {
            broker.createTopics(Map.of("kept", 3));
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(broker))) {
                producer.send(new ProducerRecord<>("kept", "k", "v1")).get();
            }
        }

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startOnFreePorts(dataDir)) {
            broker.createTopics(Map.of("kept", 3)); // already there: left alone
            assertThat(broker.admin().describeTopics(List.of("kept")).allTopicNames().get()
                    .get("kept").partitions()).hasSize(3);
            assertThat(readAll(broker, "kept", 1)).containsExactly("v1");
        }
    }

    private static Properties producerConfig(EmbeddedKafkaBroker broker) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return properties;
    }

    private static List<String> readAll(EmbeddedKafkaBroker broker, String topic, int expected) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "reader");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }
}
