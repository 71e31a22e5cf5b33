package io.settlement.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.testsupport.FreePorts;
import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.liabilities.InclusionProof;
import io.settlement.liabilities.LiabilitiesSnapshot;
import io.settlement.liabilities.ProofJson;
import io.settlement.liabilities.SnapshotSummary;
import io.settlement.liabilities.Verifier;
import io.settlement.sink.History;
import io.settlement.sink.LiabilityProofs;
import io.settlement.topology.Assets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The proof-of-liabilities routes through a real HTTP client against an in-memory
 * {@link LiabilityProofs} (the ScyllaDB one is tested over a real Cassandra in sink-scylla, and
 * end to end with a snapshot taken on a real broker in the app). Every answer is also checked
 * against openapi.yaml by {@link Http}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiabilitiesRoutesTest {
    static final String SNAPSHOT = "2026-01-31T00:00:00Z";
    static final byte[] SECRET = new byte[32];

    final Http http = new Http();
    final InMemoryProofs store = new InMemoryProofs();
    LiabilitiesSnapshot snapshot;
    KafkaStreams streams;
    HttpApi withStore;
    HttpApi withoutStore;

    @BeforeAll
    void storeASnapshotAndStartTwoApis() {
        streams = ApiInstance.neverStarted("liabilities-routes-test");
        withStore = start(Optional.of(store));
        withoutStore = start(Optional.empty());
        // user 42 is owed BTC and USDT, 43 only BTC, 44 nothing (no leaf anywhere)
        snapshot = LiabilitiesSnapshot.build(SNAPSHOT, Instant.parse(SNAPSHOT), Map.of(0, 12L, 1, 7L), SECRET, Map.of(
                "BTC", Map.of(42L, 150_000_000L, 43L, 25_000_000L, 45L, 1L),
                "USDT", Map.of(42L, 7_000_000L, 46L, 3L)));
        store.put(snapshot);
        // an older snapshot, listed after the newer one
        store.put(LiabilitiesSnapshot.build("older", Instant.parse("2026-01-01T00:00:00Z"), Map.of(0, 1L), SECRET,
                Map.of("BTC", Map.of(42L, 1L))));
    }

    @AfterAll
    void stop() {
        withStore.close();
        withoutStore.close();
        streams.close(Duration.ofSeconds(5));
    }

    @Test
    void givenAStoredSnapshotWhenAUserFetchesItsProofsThenEachAssetsProofVerifiesAgainstThePublishedRoot() {
        // given user 42, owed BTC and USDT in the snapshot
        // when the user fetches its proofs with its own token
        Http.Reply reply = Http.as(TestTokens.user(42)).get(base(withStore) + "/api/v1/users/42/liabilities/" + SNAPSHOT);

        // then one proof per asset, each verifying against that asset's published root and total
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.json().get("snapshot_id").asText()).isEqualTo(SNAPSHOT);
        assertThat(reply.json().get("user_id").asText()).isEqualTo("42");
        List<InclusionProof> proofs = ProofJson.readAll(reply.raw().body());
        assertThat(proofs).extracting(InclusionProof::asset).containsExactlyInAnyOrder("BTC", "USDT");
        SnapshotSummary summary = snapshot.summary();
        for (InclusionProof proof : proofs) {
            SnapshotSummary.AssetRoot root = summary.assets().stream().filter(a -> a.asset().equals(proof.asset())).findFirst().orElseThrow();
            assertThat(Verifier.verify(proof, root.root().hash(), java.util.OptionalLong.of(root.total())).verified()).isTrue();
            assertThat(proof.leaf().userId()).isEqualTo(42);
        }
    }

    @Test
    void givenAnAssetWhenAServiceFetchesAUsersProofThenTheAnswerIsExactlyTheProofFileTheVerifierReads() {
        // given user 43's BTC leaf
        // when a service token asks for it with ?asset=btc
        Http.Reply reply = http.get(base(withStore) + "/api/v1/users/43/liabilities/" + SNAPSHOT + "?asset=btc");

        // then the body is the proof file, byte for byte as the liabilities module writes it
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.raw().body()).isEqualTo(ProofJson.write(snapshot.proof("BTC", 43)));
    }

    @Test
    void givenAUserTokenWhenItAsksForAnotherUsersProofThenItIs404NotFoundAsForAnyUnknownUser() {
        // when user 43 asks for user 42's proofs
        Http.Reply reply = Http.as(TestTokens.user(43)).get(base(withStore) + "/api/v1/users/42/liabilities/" + SNAPSHOT);

        // then 404 NOT_FOUND: nothing about user 42 is revealed
        assertError(reply, 404, "NOT_FOUND");
    }

    @Test
    void givenAnUnknownSnapshotOrAUserWithoutALeafWhenAskedThenEachIsA404WithItsOwnCode() {
        String api = base(withStore);
        // when the snapshot is not stored (or could not be a snapshot id), then UNKNOWN_SNAPSHOT
        assertError(http.get(api + "/api/v1/users/42/liabilities/no-such-snapshot"), 404, "UNKNOWN_SNAPSHOT");
        assertError(http.get(api + "/api/v1/users/42/liabilities/" + "x".repeat(65)), 404, "UNKNOWN_SNAPSHOT");
        assertError(http.get(api + "/api/v1/users/42/liabilities/a%20b"), 404, "UNKNOWN_SNAPSHOT");
        // when the user has no leaf in it, or none in the asset asked for, then NOT_IN_SNAPSHOT
        assertError(http.get(api + "/api/v1/users/44/liabilities/" + SNAPSHOT), 404, "NOT_IN_SNAPSHOT");
        assertError(http.get(api + "/api/v1/users/43/liabilities/" + SNAPSHOT + "?asset=USDT"), 404, "NOT_IN_SNAPSHOT");
        // and bad input is a 400 before the store is asked
        assertError(http.get(api + "/api/v1/users/42/liabilities/" + SNAPSHOT + "?asset=DOGE"), 400, "UNKNOWN_ASSET");
        assertError(http.get(api + "/api/v1/users/0/liabilities/" + SNAPSHOT), 400, "INVALID_USER_ID");
    }

    @Test
    void givenAStoredProofThatDoesNotLeadToThePublishedRootWhenAskedThenItIsNotServed() {
        // given user 45's stored BTC proof replaced by one of another snapshot built with the same ids (an interrupted earlier run)
        LiabilitiesSnapshot stale = LiabilitiesSnapshot.build(SNAPSHOT, Instant.parse(SNAPSHOT), Map.of(0, 1L), SECRET,
                Map.of("BTC", Map.of(45L, 999L, 47L, 5L)));
        store.proofs.put(SNAPSHOT + "/45", List.of(new LiabilityProofs.Proof("BTC", ProofJson.write(stale.proof("BTC", 45)))));

        // when user 45 asks for it
        Http.Reply reply = http.get(base(withStore) + "/api/v1/users/45/liabilities/" + SNAPSHOT);

        // then it is not handed out: the user has no proof that verifies in this snapshot
        assertError(reply, 404, "NOT_IN_SNAPSHOT");
    }

    @Test
    void givenTwoStoredSnapshotsWhenTheListIsReadWithAUserTokenThenBothSummariesComeNewestFirstWithoutUserData() {
        // when any user lists the snapshots
        Http.Reply reply = Http.as(TestTokens.user(99)).get(base(withStore) + "/api/v1/liabilities");

        // then both come, newest first, each exactly the published summary
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        JsonNode snapshots = reply.json().get("snapshots");
        assertThat(snapshots).hasSize(2);
        assertThat(snapshots.get(0).get("snapshot_id").asText()).isEqualTo(SNAPSHOT);
        assertThat(snapshots.get(1).get("snapshot_id").asText()).isEqualTo("older");
        assertThat(SnapshotSummary.fromJson(snapshots.get(0).toString())).isEqualTo(snapshot.summary());
        assertThat(snapshots.get(0).get("assets").get(0).get("total").asText()).isEqualTo("175000001");
        assertThat(reply.raw().body()).doesNotContain("\"user_id\"").doesNotContain("salt");
    }

    @Test
    void givenNoStoreOrAStoreThatDoesNotAnswerWhenAskedThenTheRoutesAre503HistoryUnavailable() {
        // given an API without a store: 503 with Retry-After
        for (String path : List.of("/api/v1/liabilities", "/api/v1/users/42/liabilities/" + SNAPSHOT)) {
            Http.Reply reply = http.get(base(withoutStore) + path);
            assertError(reply, 503, "HISTORY_UNAVAILABLE");
            assertThat(reply.header("Retry-After")).isNotBlank();
        }
        // given a store that does not answer: the same
        store.down.set(true);
        try {
            assertError(http.get(base(withStore) + "/api/v1/liabilities"), 503, "HISTORY_UNAVAILABLE");
        } finally {
            store.down.set(false);
        }
        assertThat(http.get(base(withStore) + "/api/v1/liabilities").status()).isEqualTo(200);
    }

    private static void assertError(Http.Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.code()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.json().get("message").asText()).isNotBlank();
    }

    private HttpApi start(Optional<LiabilityProofs> proofs) {
        HttpApiConfig settings = HttpApiConfig.of(ApiInstance.HOST, ApiInstance.HOST, FreePorts.freePort());
        return HttpApi.start(settings, streams, Topics.create(AvroSerdes.SINGLE_OBJECT), Assets.defaults(),
                new HistoryRoutesTest.NoPublisher(), new HealthChecks(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                TestTokens.SECURITY, Optional.empty(), proofs);
    }

    private static String base(HttpApi api) {
        return "http://" + ApiInstance.HOST + ":" + api.port();
    }

    /** Maps in memory, keyed as the ScyllaDB tables are: snapshot id, and snapshot id / user id. */
    static final class InMemoryProofs implements LiabilityProofs {
        final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();
        final Map<String, List<Proof>> proofs = new ConcurrentHashMap<>();
        final AtomicBoolean down = new AtomicBoolean();

        void put(LiabilitiesSnapshot built) {
            String id = built.summary().snapshotId();
            Map<Long, List<Proof>> byUser = new java.util.TreeMap<>();
            built.trees().forEach((asset, tree) -> tree.users().forEach(user -> byUser.computeIfAbsent(user, u -> new ArrayList<>())
                    .add(new Proof(asset, ProofJson.write(built.proof(asset, user))))));
            putProofs(id, byUser.entrySet().stream().map(e -> new UserProofs(e.getKey(), e.getValue())).toList());
            putSnapshot(new Snapshot(id, built.summary().time(), built.summary().toJson()));
        }

        private void check() {
            if (down.get()) {
                throw new History.UnavailableException("no replica answered (test)", null);
            }
        }

        @Override
        public void putProofs(String snapshotId, List<UserProofs> users) {
            check();
            users.forEach(user -> proofs.put(snapshotId + "/" + user.userId(), user.proofs()));
        }

        @Override
        public void putSnapshot(Snapshot snapshot) {
            check();
            snapshots.put(snapshot.snapshotId(), snapshot);
        }

        @Override
        public List<Snapshot> snapshots() {
            check();
            return snapshots.values().stream().sorted(Comparator.comparing(Snapshot::time).reversed()).toList();
        }

        @Override
        public Optional<Snapshot> snapshot(String snapshotId) {
            check();
            return Optional.ofNullable(snapshots.get(snapshotId));
        }

        @Override
        public List<Proof> proofs(String snapshotId, long userId) {
            check();
            return proofs.getOrDefault(snapshotId + "/" + userId, List.of());
        }
    }
}
