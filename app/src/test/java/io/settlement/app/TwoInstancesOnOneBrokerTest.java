package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.AccountType;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.avro.TradeState;
import io.settlement.avro.Wallet;
import io.settlement.contract.Topic;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.StoreNames;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import io.settlement.topology.testkit.Commands;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import io.settlement.avro.SettlementResult;
import io.settlement.contract.UserPartitioner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scaling out as an operator does it: two instances of the app with the same application id on
 * one broker, started through {@link SettlementApp#start}. Each owns half the partitions, and
 * either answers a balance lookup for every user (forwarding to the owner through its
 * {@code application.server}). The HTTP module's own tests cover every route and error; this one
 * checks the app's wiring of the two together.
 *
 * <p>Instance {@code a} starts new trades in two phases ({@code trade.protocol=two-phase}), as
 * during the first roll of an upgrade from a version before the chain, and {@code b} chains them:
 * trades whose coordinator partition is on either settle, their legs applied by both.
 */
class TwoInstancesOnOneBrokerTest {
    private static final Duration WITHIN = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static RealBroker kafka;
    private static SettlementApp a;
    private static SettlementApp b;

    @BeforeAll
    static void startTwoInstances() {
        kafka = RealBroker.startWithTopics("two-instances");
        a = SettlementApp.start(kafka.instanceSettings("a", Map.of(SettlementConfig.TRADE_PROTOCOL, "two-phase")));
        b = SettlementApp.start(kafka.instanceSettings("b", Map.of()));
        await().atMost(WITHIN).until(() -> a.health().isRunning() && b.health().isRunning()
                && !a.streams().metadataForLocalThreads().iterator().next().activeTasks().isEmpty()
                && !b.streams().metadataForLocalThreads().iterator().next().activeTasks().isEmpty());
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable closeable : new AutoCloseable[] {a, b, kafka}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    @Test
    void aBalanceLookupOnEitherInstanceAnswersForEveryUser() throws Exception {
        // given users on every partition, their deposits submitted half to each instance
        List<Long> users = new ArrayList<>();
        Set<Integer> partitions = new HashSet<>();
        for (long user = 1; partitions.size() < RealBroker.PARTITIONS || users.size() < 8; user++) {
            partitions.add(UserPartitioner.partitionOf(user, RealBroker.PARTITIONS));
            users.add(user);
        }
        for (long user : users) {
            SettlementApp via = user % 2 == 0 ? a : b;
            String deposit = "{\"user_id\":" + user + ",\"currency\":\"BTC\",\"amount\":\"1.5\",\"transaction_id\":\"tx-" + user + "\"}";
            assertThat(post(via, "/wallet/deposit", deposit).statusCode()).isEqualTo(202);
            assertThat(post(via, "/wallet/deposit/confirm", "{\"user_id\":" + user + ",\"transaction_id\":\"tx-" + user + "\"}")
                    .statusCode()).isEqualTo(202);
        }

        // when each instance is asked for every user's balances
        // then both answer the same settled balance, served by the one owner of the user's partition
        Set<String> owners = new HashSet<>();
        for (long user : users) {
            await().atMost(WITHIN).untilAsserted(() -> {
                HttpResponse<String> fromA = get(a, "/api/v1/users/" + user + "/balances");
                HttpResponse<String> fromB = get(b, "/api/v1/users/" + user + "/balances");
                assertThat(fromA.statusCode()).as(fromA.body()).isEqualTo(200);
                assertThat(fromB.statusCode()).as(fromB.body()).isEqualTo(200);
                JsonNode balances = JSON.readTree(fromA.body()).get("balances");
                assertThat(balances).hasSize(1);
                assertThat(balances.get(0).get("available").asText()).isEqualTo("1.50000000");
                assertThat(balances.get(0).get("pending").asText()).isEqualTo("0.00000000");
                assertThat(JSON.readTree(fromB.body())).isEqualTo(JSON.readTree(fromA.body()));
                String servedBy = fromA.headers().firstValue("X-Settlement-Served-By").orElseThrow();
                assertThat(fromB.headers().firstValue("X-Settlement-Served-By")).hasValue(servedBy);
                owners.add(servedBy);
            });
        }
        assertThat(owners).as("both instances own users").hasSize(2);

        // and the ledger invariants hold over both instances' stores
        try (TopicTail<String, SettlementResult> results = kafka.tail(kafka.topics.results());
                TopicTail<Long, JournalEntry> journal = kafka.tail(kafka.topics.journal())) {
            await().atMost(WITHIN).untilAsserted(() -> Ledger.assertInvariants(List.of(a, b), results, journal));
        }
    }

    @Test
    void tradesStartedInTwoPhasesOnOneInstanceAndChainedOnTheOtherEachSettleOnceAndLeaveNothingInClearing() throws Exception {
        // given traders on every partition with BTC and USDT in SPOT
        Commands commands = new Commands(Instant::now);
        List<Long> traders = new ArrayList<>();
        for (long user = 5001; traders.size() < 4 * RealBroker.PARTITIONS; user++) {
            traders.add(user);
        }
        List<String> funding = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer();
                TopicTail<String, SettlementResult> results = kafka.tail(kafka.topics.results());
                TopicTail<Long, JournalEntry> journal = kafka.tail(kafka.topics.journal())) {
            for (long user : traders) {
                send(producer, kafka.topics.balanceOperations(), user, commands.deposit("rd-btc-" + user, user, "BTC", 1_00000000L));
                send(producer, kafka.topics.balanceOperations(), user, commands.deposit("rd-usdt-" + user, user, "USDT", 10_000_000000L));
                funding.addAll(List.of("DEPOSIT:" + user + ":rd-btc-" + user, "DEPOSIT:" + user + ":rd-usdt-" + user));
            }
            awaitAccepted(results, funding);
            List<String> spot = new ArrayList<>();
            for (long user : traders) {
                send(producer, kafka.topics.transferRequests(), user, commands.transfer("rt-btc-" + user, user, Wallet.FUNDING, Wallet.SPOT, "BTC", 1_00000000L));
                send(producer, kafka.topics.transferRequests(), user, commands.transfer("rt-usdt-" + user, user, Wallet.FUNDING, Wallet.SPOT, "USDT", 10_000_000000L));
                spot.addAll(List.of("INTERNAL_TRANSFER:" + user + ":rt-btc-" + user, "INTERNAL_TRANSFER:" + user + ":rt-usdt-" + user));
            }
            awaitAccepted(results, spot);

            // when trades between random traders arrive, each going to the coordinator of its id's partition
            Random random = new Random(20261207);
            List<String> tradeKeys = new ArrayList<>();
            for (int i = 0; i < 48; i++) {
                long buyer = traders.get(random.nextInt(traders.size()));
                long seller = traders.get(random.nextInt(traders.size()));
                Trade trade = new Trade("roll-" + i, "BTCUSDT", "BTC", "USDT", 1L + random.nextInt(100_000), 1L + random.nextInt(10_000000),
                        new TradeParty(buyer, null, 0L), new TradeParty(seller, null, 1L), Instant.now());
                producer.send(new ProducerRecord<>(kafka.topics.trades().name(), trade.getSymbol().getBytes(StandardCharsets.UTF_8),
                        kafka.topics.trades().valueSerde().serializer().serialize(kafka.topics.trades().name(), trade))).get();
                tradeKeys.add("TRADE:" + trade.getTradeId());
            }

            // then every trade settles exactly once, both protocols ran, and CLEARING is empty with the invariants holding
            awaitAccepted(results, tradeKeys);
            await().atMost(WITHIN).untilAsserted(() -> {
                Map<String, Long> perTrade = results.records().stream().filter(r -> r.key().startsWith("TRADE:roll-"))
                        .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
                assertThat(perTrade).hasSize(tradeKeys.size()).allSatisfy((key, count) -> assertThat(count).as(key).isEqualTo(1));
                assertThat(protocolsOf(a)).as("trades a coordinates").containsOnly(false);
                assertThat(protocolsOf(b)).as("trades b coordinates").containsOnly(true);
                Ledger.assertInvariants(List.of(a, b), results, journal);
                Map<BalanceKey, Balance> balances = Ledger.balances(List.of(a, b));
                for (int asset : List.of(1, 2)) {
                    Balance clearing = balances.get(new BalanceKey(BalanceKey.SYSTEM_OWNER, AccountType.CLEARING, asset));
                    assertThat(clearing == null ? 0 : clearing.available()).as("CLEARING of asset %d", asset).isZero();
                }
            });
        }
    }

    /** Whether each trade of this instance's coordinator partitions was chained (TradeState.chained). */
    private static Set<Boolean> protocolsOf(SettlementApp instance) {
        Set<Boolean> chained = new HashSet<>();
        ReadOnlyKeyValueStore<String, TradeState> trades = instance.streams().store(
                StoreQueryParameters.fromNameAndType(StoreNames.TRADES, QueryableStoreTypes.<String, TradeState>keyValueStore()));
        try (KeyValueIterator<String, TradeState> all = trades.all()) {
            all.forEachRemaining(entry -> {
                if (entry.key.startsWith("roll-")) {
                    chained.add(entry.value.getChained());
                }
            });
        }
        return chained;
    }

    private static void awaitAccepted(TopicTail<String, SettlementResult> results, List<String> keys) {
        await().atMost(WITHIN).untilAsserted(() -> {
            Map<String, SettlementResult> byKey = new HashMap<>();
            results.records().forEach(record -> byKey.putIfAbsent(record.key(), record.value()));
            assertThat(byKey).containsKeys(keys.toArray(String[]::new));
            keys.forEach(key -> assertThat(byKey.get(key).getStatus()).as("%s", byKey.get(key)).isEqualTo(ResultStatus.ACCEPTED));
        });
    }

    private static <V> void send(KafkaProducer<byte[], byte[]> producer, Topic<Long, V> topic, long userId, V value) throws Exception {
        producer.send(new ProducerRecord<>(topic.name(), UserPartitioner.partitionOf(userId, RealBroker.PARTITIONS),
                topic.keySerde().serializer().serialize(topic.name(), userId), topic.valueSerde().serializer().serialize(topic.name(), value))).get();
    }

    private static HttpResponse<String> get(SettlementApp instance, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(instance.httpUrl() + path)).header("Authorization", kafka.serviceAuthorization()).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(SettlementApp instance, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(instance.httpUrl() + path)).header("Authorization", kafka.serviceAuthorization()).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
