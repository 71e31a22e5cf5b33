package io.settlement.serde.confluent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settlement.avro.AccountType;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.CommandKind;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.CommandKeys;
import io.settlement.contract.UserPartitioner;
import io.settlement.topology.DeadLetterHeaders;
import io.settlement.contract.Topics;
import io.settlement.kafka.EmbeddedKafkaBroker;
import io.settlement.topology.Asset;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.SettlementTopology;
import io.settlement.topology.StoreNames;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real topology in a real {@link KafkaStreams} (exactly-once v2) on the in-process broker,
 * with the Confluent wire format on and a real registry: what outside producers write in that
 * format is read, and what the topology writes decodes with a Confluent deserializer.
 */
class ConfluentFormatTopologyTest {
    private static final int PARTITIONS = 2;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    static Path stateDir;

    /** One application for every test here (each uses its own users and command ids). */
    private static EmbeddedKafkaBroker broker;
    private static ApicurioRegistry registry;
    private static ConfluentAvroSerdes confluent;
    private static Topics topics;
    private static KafkaStreams streams;
    private static String applicationId;

    @BeforeAll
    static void startTheApplicationWithTheConfluentFormat() {
        broker = SharedBroker.get();
        registry = SharedRegistry.get();
        Map<String, Integer> partitions = new HashMap<>();
        Topics.create(AvroSerdes.SINGLE_OBJECT).all().forEach(topic -> partitions.put(topic, PARTITIONS));
        broker.createTopics(partitions);
        // as in production: auto-registration off, the subjects pre-registered by an operator step
        ConfluentAvroSerdes operator = ConfluentAvroSerdes.fromConfig(Map.of("schema.registry.url", registry.url()));
        WireFormats.prepare(operator, Topics.create(operator));
        confluent = (ConfluentAvroSerdes) WireFormats.fromConfig(Map.of("serde.format", "confluent",
                "schema.registry.url", registry.url(), "auto.register.schemas", "false"));
        topics = Topics.create(confluent);
        WireFormats.prepare(confluent, topics);

        StreamsBuilder builder = new StreamsBuilder();
        SettlementTopology.build(builder, topics, SettlementConfig.defaults(PARTITIONS));
        Topology topology = builder.build();
        applicationId = "confluent-topology-" + System.nanoTime();
        Properties properties = SettlementConfig.streamsProperties(applicationId, broker.bootstrapServers(), stateDir.toString());
        properties.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        streams = new KafkaStreams(topology, properties);
        streams.start();
        await("streams running").atMost(DEADLINE).until(() -> streams.state() == KafkaStreams.State.RUNNING);
    }

    @AfterAll
    static void stopTheApplication() {
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
        }
    }

    @Test
    void aTradeWrittenInTheConfluentFormatIsCoordinatedAndTheCoordinatorsChangelogStaysInternal() throws Exception {
        // given: a trade as a Confluent producer (a matching engine) writes it, between users with no funds
        Trade trade = Trade.newBuilder().setTradeId("t-confluent").setSymbol("BTCUSDT").setBaseAsset("BTC").setQuoteAsset("USDT")
                .setBaseQty(1_000L).setQuoteQty(50_000L)
                .setBuyer(TradeParty.newBuilder().setUserId(51L).setOrderId(null).setFee(0L).build())
                .setSeller(TradeParty.newBuilder().setUserId(52L).setOrderId(null).setFee(0L).build())
                .setExecutedAt(Instant.now()).build();
        produce(topics.trades().name(), topics.trades().keySerde().serializer(), topics.trades().valueSerde().serializer(),
                Bytes.wrap(trade.getSymbol().getBytes(StandardCharsets.UTF_8)), trade);

        // when: the coordinator reads it and ends it
        SettlementResult result = readResult(CommandKeys.of(CommandKind.TRADE, "t-confluent"));

        // then: it is answered, and the coordinator's own store keeps Avro single-object bytes, never registered
        assertThat(result.getStatus()).as("%s", result).isEqualTo(ResultStatus.REJECTED);
        String changelog = applicationId + "-" + StoreNames.TRADES + "-changelog";
        List<byte[]> changelogValues = readRaw(changelog, 1);
        assertThat(changelogValues).allSatisfy(bytes -> {
            assertThat(bytes[0]).isEqualTo((byte) 0xC3);
            assertThat(bytes[1]).isEqualTo((byte) 0x01);
        });
        assertThat(subjects()).contains("\"trades-value\"").doesNotContain(changelog);
    }

    @Test
    void aDepositWrittenInTheConfluentFormatIsSettledAndItsResultDecodesWithTheConfluentDeserializer() {
        // given: a deposit as a Confluent producer writes it, on its user's partition
        long userId = 31L;
        // (created now: a command older than the retention window would be EXPIRED)
        BalanceOperation deposit = Records.deposit("c-confluent", userId, "BTC", 150_000_000L, Instant.now());
        produce(topics.balanceOperations().name(), topics.balanceOperations().keySerde().serializer(),
                topics.balanceOperations().valueSerde().serializer(), userId, deposit);

        // when
        String key = CommandKeys.of(CommandKind.DEPOSIT, userId, "c-confluent");
        SettlementResult result = readResult(key);

        // then
        assertThat(result.getStatus()).as("%s", result).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(result.getUserId()).isEqualTo(userId);
        assertThat(result.getKind()).isEqualTo(CommandKind.DEPOSIT);
        // and the invariants (docs/topology.md) hold for BTC
        Asset btc = SettlementConfig.defaults(PARTITIONS).assets().byCode("BTC").orElseThrow();
        Map<BalanceKey, Balance> balances = balancesOf(btc.id());
        assertThat(balances.get(new BalanceKey(userId, AccountType.FUNDING, btc.id())).available()).isEqualTo(150_000_000L);
        assertThat(balances.entrySet()).filteredOn(entry -> entry.getKey().ownerId() != BalanceKey.SYSTEM_OWNER)
                .allSatisfy(entry -> assertThat(entry.getValue()).satisfies(balance -> {
                    assertThat(balance.available()).isNotNegative();
                    assertThat(balance.frozen()).isNotNegative();
                    assertThat(balance.pending()).isNotNegative();
                }));
        assertThat(balances.values().stream().mapToLong(b -> b.available() + b.frozen() + b.pending()).sum()).isZero();
    }

    @Test
    void aRecordWithAnUnknownSchemaIdIsDeadLetteredWithTheReasonAndTheStreamGoesOn() {
        // given: bytes in the Confluent format naming a schema id the registry never issued
        long userId = 41L;
        byte[] unknownId = {0, 0x7f, 0x00, 0x00, 0x02, 2, 4, 6};
        produce(topics.balanceOperations().name(), topics.balanceOperations().keySerde().serializer(),
                new ByteArraySerializer(), userId, unknownId);

        // when
        List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.deadLetters().name()));
            await("the dead letter").atMost(DEADLINE).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> {
                    if (Arrays.equals(record.key(), UserPartitioner.keyBytes(userId))) {
                        deadLetters.add(record);
                    }
                });
                return !deadLetters.isEmpty();
            });
        }

        // then: the original bytes, the reason in the headers, and the stream still running
        ConsumerRecord<byte[], byte[]> deadLetter = deadLetters.get(0);
        assertThat(deadLetter.value()).isEqualTo(unknownId);
        assertThat(header(deadLetter, DeadLetterHeaders.EXCEPTION)).isEqualTo(SchemaRegistryException.class.getName());
        assertThat(header(deadLetter, DeadLetterHeaders.MESSAGE)).contains("schema id 2130706434").contains("error_code 40403");
        assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static SettlementResult readResult(String key) {
        Deserializer<SettlementResult> confluentDeserializer = confluent.valueSerde(SettlementResult.class);
        try (KafkaConsumer<String, SettlementResult> consumer = new KafkaConsumer<>(consumerConfig(), new StringDeserializer(), confluentDeserializer)) {
            consumer.subscribe(List.of(topics.results().name()));
            List<SettlementResult> found = new ArrayList<>();
            await("the result " + key).atMost(DEADLINE).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> {
                    if (key.equals(record.key())) {
                        found.add(record.value());
                    }
                });
                return !found.isEmpty();
            });
            return found.get(0);
        }
    }

    private static Map<BalanceKey, Balance> balancesOf(int assetId) {
        ReadOnlyKeyValueStore<BalanceKey, Balance> store = streams.store(
                StoreQueryParameters.fromNameAndType(StoreNames.BALANCES, QueryableStoreTypes.keyValueStore()));
        Map<BalanceKey, Balance> balances = new HashMap<>();
        try (KeyValueIterator<BalanceKey, Balance> all = store.all()) {
            all.forEachRemaining((KeyValue<BalanceKey, Balance> entry) -> {
                if (entry.key.assetId() == assetId) {
                    balances.put(entry.key, entry.value);
                }
            });
        }
        return balances;
    }

    private static <K, V> void produce(String topic, Serializer<K> keySerializer, Serializer<V> valueSerializer, K key, V value) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<K, V> producer = new KafkaProducer<>(properties, keySerializer, valueSerializer)) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot produce to " + topic, e);
        }
    }

    private static List<byte[]> readRaw(String topic, int atLeast) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<byte[]> values = new ArrayList<>();
            await("records on " + topic).atMost(DEADLINE).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> values.add(record.value()));
                return values.size() >= atLeast;
            });
            return values;
        }
    }

    private static Properties consumerConfig() {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + System.nanoTime());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return properties;
    }

    private static String subjects() throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + "/subjects")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
