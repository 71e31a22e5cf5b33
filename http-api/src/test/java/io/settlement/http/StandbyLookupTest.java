package io.settlement.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.kafka.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A lookup whose active replica cannot answer is answered from a standby, marked stale. Two
 * instances on one broker with one standby replica each: every partition is active on one and
 * standby on the other. The HTTP API of one instance stops while its Kafka Streams keeps running,
 * so the group still names it active for its keys (as between a crash and the end of the dead
 * member's session): the other instance's forward fails and it answers from its standby, with
 * {@code X-Settlement-Stale: true} and the replica's lag; a client asking for active-only reads
 * gets 503 instead.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandbyLookupTest {
    static final int PARTITIONS = 4;
    static final Duration DEADLINE = Duration.ofSeconds(90);

    final Http http = new Http();
    final Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);
    EmbeddedKafkaBroker broker;
    ApiInstance a;
    ApiInstance b;

    @BeforeAll
    void startTwoInstancesWithStandbys() throws Exception {
        Path root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "standby-lookup");
        broker = ApiInstance.brokerWithTopics(root, topics, PARTITIONS);
        Map<String, Object> standbys = Map.of(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 1);
        a = ApiInstance.create(broker, root.resolve("state-a"), PARTITIONS, standbys).startApi();
        b = ApiInstance.create(broker, root.resolve("state-b"), PARTITIONS, standbys).startApi();
        a.streams.start();
        b.streams.start();
        await().atMost(DEADLINE).until(() -> hasActiveAndStandbyTasks(a.streams) && hasActiveAndStandbyTasks(b.streams));
    }

    @AfterAll
    void stopEverything() {
        for (AutoCloseable closeable : new AutoCloseable[] {a, b, broker}) {
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
    void aLookupWhoseActiveReplicaIsGoneIsAnsweredFromAStandbyMarkedStale() {
        // given one deposit per user, on users enough to cover every partition, settled
        Map<Integer, String> servedBy = new HashMap<>();
        for (int user = 1; user <= 16; user++) {
            assertThat(http.post(a.baseUrl() + "/wallet/deposit", "{\"user_id\":" + user
                    + ",\"currency\":\"BTC\",\"amount\":\"1.5\",\"transaction_id\":\"sb-" + user + "\"}").status()).isEqualTo(202);
        }
        for (int user = 1; user <= 16; user++) {
            String url = a.baseUrl() + "/api/v1/commands/DEPOSIT_INITIATED/sb-" + user + "?user_id=" + user;
            Http.Reply settled = await().atMost(DEADLINE).until(() -> http.get(url),
                    reply -> reply.status() == 200 && "ACCEPTED".equals(reply.json().get("status").asText()));
            assertThat(settled.header(StoreLookup.STALE_HEADER)).isNull();
            servedBy.put(user, settled.header(StoreLookup.SERVED_BY_HEADER));
        }
        int onB = servedBy.entrySet().stream().filter(e -> b.server().equals(e.getValue())).findFirst().orElseThrow().getKey();
        int onA = servedBy.entrySet().stream().filter(e -> a.server().equals(e.getValue())).findFirst().orElseThrow().getKey();
        String keyOnB = a.baseUrl() + "/api/v1/commands/DEPOSIT_INITIATED/sb-" + onB + "?user_id=" + onB;
        // and b's standby of a's partitions caught up with the committed state
        await().atMost(DEADLINE).until(() -> http.get(keyOnB, StoreLookup.ACTIVE_ONLY_HEADER, "true").status() == 200);

        // when b's HTTP API stops while its Kafka Streams still owns its partitions
        b.api.close();
        b.api = null;

        // then a answers b's key from its standby, marked stale with the replica's lag
        Http.Reply stale = await().atMost(DEADLINE).until(() -> http.get(keyOnB), reply -> reply.status() == 200);
        assertThat(stale.json().get("status").asText()).isEqualTo("ACCEPTED");
        assertThat(stale.header(StoreLookup.STALE_HEADER)).isEqualTo("true");
        assertThat(Long.parseLong(stale.header(StoreLookup.LAG_HEADER))).isGreaterThanOrEqualTo(0);
        assertThat(stale.header(StoreLookup.SERVED_BY_HEADER)).isEqualTo(a.server());
        // and a client that wants the active replica only gets 503
        Http.Reply activeOnly = http.get(keyOnB, StoreLookup.ACTIVE_ONLY_HEADER, "true");
        assertThat(activeOnly.status()).isEqualTo(503);
        assertThat(activeOnly.code()).isIn("FORWARD_FAILED", "STORE_UNAVAILABLE");
        // and a's own keys are still answered fresh
        Http.Reply fresh = http.get(a.baseUrl() + "/api/v1/commands/DEPOSIT_INITIATED/sb-" + onA + "?user_id=" + onA);
        assertThat(fresh.status()).isEqualTo(200);
        assertThat(fresh.header(StoreLookup.STALE_HEADER)).isNull();
    }

    @Test
    void livenessStaysUpWhileReadinessWaitsForKafkaStreams() throws Exception {
        // given an instance whose Kafka Streams has not started (as during a start or a rebalance, it cannot answer lookups)
        Path state = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "probes");
        try (ApiInstance waiting = ApiInstance.create(broker, state, PARTITIONS).startApi()) {
            // then it is alive but not ready, and says when to ask again
            assertThat(http.get(waiting.baseUrl() + "/health/live").status()).isEqualTo(200);
            Http.Reply notReady = http.get(waiting.baseUrl() + "/health/ready");
            assertThat(notReady.status()).isEqualTo(503);
            assertThat(notReady.header("Retry-After")).isNotNull();
            assertThat(notReady.json().get("streams").asText()).isEqualTo("CREATED");
        }
        // and a running instance is both
        assertThat(http.get(a.baseUrl() + "/health/live").status()).isEqualTo(200);
        assertThat(http.get(a.baseUrl() + "/health/ready").status()).isEqualTo(200);
    }

    private static boolean hasActiveAndStandbyTasks(KafkaStreams streams) {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return false;
        }
        boolean active = false;
        boolean standby = false;
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            active |= !thread.activeTasks().isEmpty();
            standby |= !thread.standbyTasks().isEmpty();
        }
        return active && standby;
    }
}
