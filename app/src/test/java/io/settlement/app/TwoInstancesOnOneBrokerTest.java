package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settlement.avro.JournalEntry;
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
        a = SettlementApp.start(kafka.instanceSettings("a", Map.of()));
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
