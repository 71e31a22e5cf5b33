package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.SettlementResult;
import io.settlement.contract.UserPartitioner;
import io.settlement.topology.SettlementConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
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
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer();
                TopicTail<String, SettlementResult> results = kafka.tail(kafka.topics.results());
                TopicTail<Long, JournalEntry> journal = kafka.tail(kafka.topics.journal())) {
            // given traders on every partition with BTC and USDT in SPOT
            Traders traders = new Traders(kafka, producer, 5001, 4 * RealBroker.PARTITIONS);
            traders.fund(results);

            // when trades between random traders arrive, each going to the coordinator of its id's partition
            Random random = new Random(20261207);
            List<String> tradeKeys = new ArrayList<>();
            for (int i = 0; i < 48; i++) {
                tradeKeys.add(traders.trade("roll-" + i, random));
            }

            // then every trade settles exactly once, both protocols ran, and CLEARING is empty with the invariants holding
            Traders.awaitAccepted(results, tradeKeys);
            await().atMost(WITHIN).untilAsserted(() -> {
                Map<String, Long> perTrade = results.records().stream().filter(r -> r.key().startsWith("TRADE:roll-"))
                        .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
                assertThat(perTrade).hasSize(tradeKeys.size()).allSatisfy((key, count) -> assertThat(count).as(key).isEqualTo(1));
                assertThat(Traders.protocolsOf(a, "roll-")).as("trades a coordinates").containsOnly(false);
                assertThat(Traders.protocolsOf(b, "roll-")).as("trades b coordinates").containsOnly(true);
                Ledger.assertInvariants(List.of(a, b), results, journal);
                Traders.assertClearingEmpty(List.of(a, b));
            });
        }
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
