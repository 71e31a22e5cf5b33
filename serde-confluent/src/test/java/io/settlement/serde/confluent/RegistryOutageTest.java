package io.settlement.serde.confluent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.settlement.avro.BalanceOperation;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.settlement.avro.CommandKind;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.CommandKeys;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.SettlementTopology;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
    private static final int PARTITIONS = 2;
    /** The broker's default {@code group.min.session.timeout.ms}. */
    private static final int SESSION_TIMEOUT_MS = 6_000;
    private static final int HEARTBEAT_INTERVAL_MS = 1_000;

    @TempDir
    static Path registryData;
    @TempDir
    Path stateDir;

    /** Keeps its schemas on disk, so a restart brings them back with their ids; every test leaves it running. */
    private static ApicurioRegistry registry;

    @BeforeAll
    static void startRegistry() {
        registry = ApicurioRegistry.persistentIn(registryData).start();
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    @Test
    void aRegistryOutageMidStreamFailsClearlyAfterRetriesAndLosesNothing() {
        EmbeddedKafkaBroker broker = SharedBroker.get();
        broker.createTopics(Map.of(TOPIC, 1, NEW_TOPIC, 1));
        {
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

    @Test
    void aStreamMeetingANewSchemaWhileTheRegistryIsDownStopsWithoutDeadLetteringAndSettlesTheRecordAfterwards() throws Exception {
        // given: the application with the Confluent format on its own topics, subjects prepared
        EmbeddedKafkaBroker broker = SharedBroker.get();
        Map<String, String> config = Map.of("serde.format", "confluent", "schema.registry.url", registry.url(),
                "schema.registry.attempts.max", "3", "schema.registry.retry.backoff.ms", "50");
        AvroSerdes avro = WireFormats.fromConfig(config);
        Topics topics = withSuffix(Topics.create(avro), ".outage");
        Map<String, Integer> partitions = new HashMap<>();
        topics.all().forEach(topic -> partitions.put(topic, PARTITIONS));
        partitions.put(Topics.DEAD_LETTERS, PARTITIONS);   // where Streams' own handler dead-letters (SettlementConfig)
        broker.createTopics(partitions);
        WireFormats.prepare(avro, topics);
        // and an outside producer with a newer schema version (an extra optional field) the application has never seen
        String subject = topics.balanceOperations().name() + "-value";
        Schema newer = Records.edited(BalanceOperation.getClassSchema(), tree -> ((ArrayNode) tree.get("fields")).addObject()
                .put("name", "note").putNull("default").putArray("type").add("null").add("string"));
        int newerId = new SchemaRegistryClient(RegistrySettings.of(registry.url())).register(subject, SchemaText.of(newer));
        String applicationId = "outage-" + System.nanoTime();
        KafkaStreams streams = start(topics, applicationId);
        long userId = 77L;

        // when: the registry goes down and the newer producer writes a deposit
        registry.stop();
        GenericRecord deposit = new GenericData.Record(newer);
        deposit.put("command_id", "c-outage");
        deposit.put("user_id", userId);
        deposit.put("created_at", Instant.now().toEpochMilli());
        GenericRecord amount = new GenericData.Record(newer.getField("operation").schema().getTypes().get(0));
        amount.put("asset", "BTC");
        amount.put("amount", 5_000L);
        deposit.put("operation", amount);
        deposit.put("note", "from the new producer");
        try (KafkaProducer<Long, byte[]> producer = new KafkaProducer<>(producerConfig(broker), new LongSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topics.balanceOperations().name(), userId, Records.confluentBytes(newerId, newer, deposit))).get();
        }

        // then: the stream stops rather than dead-letter a good command
        await("the stream stops").atMost(DEADLINE).until(() -> streams.state() == KafkaStreams.State.ERROR);
        streams.close(Duration.ofSeconds(30));
        for (String deadLetters : List.of(Topics.DEAD_LETTERS, topics.deadLetters().name())) {
            assertThat(readAll(broker, deadLetters, new ByteArrayDeserializer()))
                    .noneMatch(record -> record.key() != null && Arrays.equals(record.key(), UserPartitioner.keyBytes(userId)));
        }

        // when: the registry is back and the application restarts
        registry.restart();
        KafkaStreams restarted = start(topics, applicationId);
        try {
            // then: the command is settled once, and its result decodes with the Confluent deserializer
            String key = CommandKeys.of(CommandKind.DEPOSIT, userId, "c-outage");
            Deserializer<SettlementResult> results = ((ConfluentAvroSerdes) avro).valueSerde(SettlementResult.class);
            List<SettlementResult> found = new ArrayList<>();
            await("the result of " + key).atMost(DEADLINE).until(() -> {
                readAll(broker, topics.results().name(), results).stream().filter(record -> key.equals(new String(record.key(), StandardCharsets.UTF_8)))
                        .forEach(record -> found.add(record.value()));
                return !found.isEmpty();
            });
            assertThat(found).hasSize(1);
            assertThat(found.get(0).getStatus()).as("%s", found.get(0)).isEqualTo(ResultStatus.ACCEPTED);
        } finally {
            restarted.close(Duration.ofSeconds(30));
        }
    }

    private KafkaStreams start(Topics topics, String applicationId) {
        StreamsBuilder builder = new StreamsBuilder();
        SettlementTopology.build(builder, topics, SettlementConfig.defaults(PARTITIONS));
        Properties properties = SettlementConfig.streamsProperties(applicationId, SharedBroker.get().bootstrapServers(), stateDir.toString());
        properties.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        // the stopped instance's thread died without leaving the group: let the broker notice soon (its minimum)
        properties.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), SESSION_TIMEOUT_MS);
        properties.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), HEARTBEAT_INTERVAL_MS);
        KafkaStreams streams = new KafkaStreams(builder.build(), properties);
        streams.start();
        await("streams running").atMost(DEADLINE).until(() -> streams.state() == KafkaStreams.State.RUNNING);
        return streams;
    }

    /** The same topics under other names, so this test's application reads nothing the other tests wrote. */
    private static Topics withSuffix(Topics topics, String suffix) {
        return new Topics(renamed(topics.balanceOperations(), suffix), renamed(topics.transferRequests(), suffix), renamed(topics.trades(), suffix),
                renamed(topics.results(), suffix), renamed(topics.journal(), suffix), renamed(topics.balanceEvents(), suffix),
                renamed(topics.deadLetters(), suffix), renamed(topics.tradeLegs(), suffix), renamed(topics.legResults(), suffix),
                topics.tradesByIdValues());
    }

    private static <K, V> Topic<K, V> renamed(Topic<K, V> topic, String suffix) {
        return new Topic<>(topic.name() + suffix, topic.keySerde(), topic.valueSerde());
    }

    /** Every committed record of {@code topic} up to its current end. */
    private static <V> List<ConsumerRecord<byte[], V>> readAll(EmbeddedKafkaBroker broker, String topic, Deserializer<V> values) {
        List<ConsumerRecord<byte[], V>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], V> consumer = new KafkaConsumer<>(consumerConfig(broker), new ByteArrayDeserializer(), values)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            await("reading " + topic).atMost(DEADLINE).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
            });
        }
        return records;
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
