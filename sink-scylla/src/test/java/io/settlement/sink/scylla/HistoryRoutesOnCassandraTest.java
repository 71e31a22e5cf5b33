package io.settlement.sink.scylla;

import static io.settlement.sink.scylla.SettlementScenario.ALICE;
import static io.settlement.sink.scylla.SettlementScenario.BOB;
import static io.settlement.sink.scylla.SettlementScenario.TRADE_ID;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.TransferRequest;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.http.CommandPublisher;
import io.settlement.http.HealthChecks;
import io.settlement.sink.History;
import io.settlement.http.ApiSecurity;
import io.settlement.http.AuthSettings;
import io.settlement.http.HttpApi;
import io.settlement.http.TokenMinter;
import io.settlement.http.HttpApiSettings;
import io.settlement.topology.Assets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.time.Instant;
import io.settlement.liabilities.InclusionProof;
import io.settlement.liabilities.LiabilitiesSnapshot;
import io.settlement.liabilities.ProofJson;
import io.settlement.liabilities.SnapshotSummary;
import io.settlement.liabilities.Verifier;
import io.settlement.sink.LiabilityProofs;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP history routes end to end: real output records of the topology written by the real
 * sink into a real Cassandra, read back by {@link HistoryQueries} behind the HTTP API's
 * {@link History}, through a real HTTP client. The adapter ({@link ScyllaHistory}) maps the
 * sink's pages and the driver's failures onto the interface, as the app's does. The proofs of
 * liabilities likewise: stored by {@link ScyllaLiabilities}, served by the API through the same
 * server (this class's one Cassandra: no other is started for them).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HistoryRoutesOnCassandraTest {
    /** The HS256 key the API verifies the test's operator token with. */
    private static final byte[] SECRET = "scylla-history-test-secret-32-bytes-long".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    static final String HOST = "127.0.0.1";
    static final int ALICE_BTC_DEPOSITS = 7;

    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();
    CassandraServer server;
    SinkOnMockConsumer sink;
    SettlementScenario scenario;
    KafkaStreams streams;
    HttpApi api;

    @BeforeAll
    void writeHistoryAndStartTheApi() throws Exception {
        server = CassandraServer.start("history-http-" + ProcessHandle.current().pid());
        sink = new SinkOnMockConsumer(server, "history_http");
        // Alice: a USDT deposit, transfers, a settled trade buying BTC, and 7 BTC deposits
        scenario = new SettlementScenario().everyKindOfRow().deposits(ALICE_BTC_DEPOSITS, 1, ALICE);
        sink.deliver(scenario.journal(), scenario.events(), scenario.results());
        assertThat(sink.committed()).isEqualTo(sink.delivered());

        Path stateDir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "history-http");
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("unused");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "history-http-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        streams = new KafkaStreams(builder.build(), props); // never started: the history routes do not use it
        api = HttpApi.start(HttpApiSettings.of(HOST, HOST, freePort()), streams, Topics.create(AvroSerdes.SINGLE_OBJECT),
                Assets.defaults(), new NoCommands(), new HealthChecks(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                ApiSecurity.of(AuthSettings.hmac(SECRET, "settlement-test", "settlement-api")), Optional.of(new ScyllaHistory(() -> Optional.of(new HistoryQueries(sink.session, sink.keyspace)))),
                Optional.of(ScyllaLiabilities.lazy(() -> Optional.of(new ScyllaLiabilities(sink.session, sink.keyspace)))));
    }

    @AfterAll
    void stopEverything() {
        for (AutoCloseable closeable : new AutoCloseable[] {api, streams == null ? null : streams::close, sink, scenario, server}) {
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
    void aUsersLedgerIsPagedNewestFirstFromBalanceLedgerWithAmountsAtTheAssetsScale() throws Exception {
        // given Alice's BTC history: the trade's credit and 7 deposits, 8 lines in all
        long expected = scenario.events().stream().filter(e -> e.getUserId() == ALICE && e.getAssetId() == 1).count();
        assertThat(expected).isEqualTo(ALICE_BTC_DEPOSITS + 1);
        // when the client follows next_url 3 lines at a time
        List<JsonNode> lines = new ArrayList<>();
        String url = "/api/v1/users/" + ALICE + "/ledger?asset=BTC&limit=3";
        int pages = 0;
        while (url != null) {
            JsonNode page = get(url, 200);
            page.get("entries").forEach(lines::add);
            url = page.get("next_url").isNull() ? null : page.get("next_url").asText();
            pages++;
        }
        // then every line came once, newest first, amounts at 8 decimals
        assertThat(lines).hasSize((int) expected);
        assertThat(pages).isBetween(3, 4); // the last page may be empty: the database decides where pages end
        for (int i = 1; i < lines.size(); i++) {
            assertThat(lines.get(i - 1).get("created_at").asText()).isGreaterThanOrEqualTo(lines.get(i).get("created_at").asText());
        }
        JsonNode credit = lines.stream().filter(l -> l.get("event_type").asText().equals("TRADE")).findFirst().orElseThrow();
        assertThat(credit.get("wallet").asText()).isEqualTo("SPOT");
        assertThat(credit.get("delta_available").asText()).isEqualTo("0.09990000"); // 0.1 BTC minus the 0.0001 fee
        assertThat(credit.get("available").asText()).isEqualTo("0.09990000");
        assertThat(credit.get("cause_command_id").asText()).isEqualTo(TRADE_ID);
    }

    @Test
    void aUsersTradesComeFromTradesByUserWithEachSidesAmounts() throws Exception {
        // given the settled trade, when each side's trades are read
        JsonNode alice = get("/api/v1/users/" + ALICE + "/trades?limit=10", 200).get("trades");
        JsonNode bob = get("/api/v1/users/" + BOB + "/trades", 200).get("trades");
        // then the buyer paid USDT and received BTC, the seller the reverse, fees in what each received
        assertThat(alice).hasSize(1);
        assertThat(alice.get(0).get("trade_id").asText()).isEqualTo(TRADE_ID);
        assertThat(alice.get(0).get("side").asText()).isEqualTo("BUYER");
        assertThat(alice.get(0).get("status").asText()).isEqualTo("SETTLED");
        assertThat(alice.get(0).get("paid").asText()).isEqualTo("500.000000");
        assertThat(alice.get(0).get("received").asText()).isEqualTo("0.10000000");
        assertThat(alice.get(0).get("fee").asText()).isEqualTo("0.00010000");
        assertThat(bob.get(0).get("side").asText()).isEqualTo("SELLER");
        assertThat(bob.get(0).get("paid").asText()).isEqualTo("0.10000000");
        assertThat(bob.get(0).get("received").asText()).isEqualTo("500.000000");
        assertThat(bob.get(0).get("fee").asText()).isEqualTo("0.500000");
        assertThat(get("/api/v1/users/999/trades", 200).get("trades")).isEmpty();
    }

    @Test
    void aCursorTheDatabaseDidNotIssueIsA400AndBadLimitsToo() throws Exception {
        // given a real cursor of Alice's BTC ledger
        String cursor = get("/api/v1/users/" + ALICE + "/ledger?asset=BTC&limit=2", 200).get("next_cursor").asText();
        // when it is used for another query, or forged, then 400 INVALID_CURSOR
        assertThat(get("/api/v1/users/" + ALICE + "/trades?cursor=" + cursor, 400).get("code").asText()).isEqualTo("INVALID_CURSOR");
        assertThat(get("/api/v1/users/" + ALICE + "/ledger?asset=BTC&cursor=Zm9yZ2Vk", 400).get("code").asText())
                .isEqualTo("INVALID_CURSOR");
        assertThat(get("/api/v1/users/" + ALICE + "/ledger?asset=BTC&cursor=a", 400).get("code").asText()).isEqualTo("INVALID_CURSOR");
        assertThat(get("/api/v1/users/" + ALICE + "/ledger?asset=BTC&limit=501", 400).get("code").asText()).isEqualTo("INVALID_LIMIT");
        // and the real cursor still works for its own query
        assertThat(get("/api/v1/users/" + ALICE + "/ledger?asset=BTC&limit=2&cursor=" + cursor, 200).get("entries")).hasSize(2);
    }

    @Test
    void aCursorOfAnotherUserIsRefusedRatherThanPagingTheirPartition() throws Exception {
        // given a cursor of Alice's BTC ledger
        String cursor = get("/api/v1/users/" + ALICE + "/ledger?asset=BTC&limit=2", 200).get("next_cursor").asText();
        // when it is sent with Bob's ledger or Alice's USDT ledger, then 400
        assertThat(get("/api/v1/users/" + BOB + "/ledger?asset=BTC&cursor=" + cursor, 400).get("code").asText()).isEqualTo("INVALID_CURSOR");
        assertThat(get("/api/v1/users/" + ALICE + "/ledger?asset=USDT&cursor=" + cursor, 400).get("code").asText())
                .isEqualTo("INVALID_CURSOR");
    }

    @Test
    void aSnapshotOfManyUsersStoredInScyllaIsListedAndEachUsersProofServedOverHttpVerifiesAgainstItsRoot() throws Exception {
        // given a snapshot of 300 users (more than the writes in flight at once), users divisible by 3 also owed USDT
        Map<Long, Long> btc = new TreeMap<>();
        Map<Long, Long> usdt = new TreeMap<>();
        for (long user = 1; user <= 300; user++) {
            btc.put(user, user * 1_000L);
            if (user % 3 == 0) {
                usdt.put(user, user);
            }
        }
        LiabilitiesSnapshot snapshot = LiabilitiesSnapshot.build("cassandra-1", Instant.parse("2026-02-01T00:00:00Z"),
                Map.of(0, 5L), new byte[32], Map.of("BTC", btc, "USDT", usdt));
        LiabilityProofs store = new ScyllaLiabilities(sink.session, sink.keyspace);

        // when its proofs are stored, then its summary, as the snapshot command does
        List<LiabilityProofs.UserProofs> users = new ArrayList<>();
        for (long user : btc.keySet()) {
            List<LiabilityProofs.Proof> proofs = new ArrayList<>();
            proofs.add(new LiabilityProofs.Proof("BTC", ProofJson.write(snapshot.proof("BTC", user))));
            if (usdt.containsKey(user)) {
                proofs.add(new LiabilityProofs.Proof("USDT", ProofJson.write(snapshot.proof("USDT", user))));
            }
            users.add(new LiabilityProofs.UserProofs(user, proofs));
        }
        store.putProofs("cassandra-1", users);
        SnapshotSummary summary = snapshot.summary();
        store.putSnapshot(new LiabilityProofs.Snapshot("cassandra-1", summary.time(), summary.toJson()));

        // then the list over HTTP holds its summary as published
        JsonNode listed = get("/api/v1/liabilities", 200).get("snapshots");
        assertThat(listed).hasSize(1);
        assertThat(SnapshotSummary.fromJson(listed.get(0).toString())).isEqualTo(summary);
        // and every user's answer holds one proof per asset it is owed, each verifying against that asset's root and total
        Map<String, SnapshotSummary.AssetRoot> roots = new TreeMap<>();
        summary.assets().forEach(root -> roots.put(root.asset(), root));
        for (long user : btc.keySet()) {
            JsonNode answer = get("/api/v1/users/" + user + "/liabilities/cassandra-1", 200);
            List<InclusionProof> proofs = ProofJson.readAll(answer.toString());
            assertThat(proofs).extracting(InclusionProof::asset).containsExactlyElementsOf(usdt.containsKey(user) ? List.of("BTC", "USDT") : List.of("BTC"));
            for (InclusionProof proof : proofs) {
                SnapshotSummary.AssetRoot root = roots.get(proof.asset());
                assertThat(Verifier.verify(proof, root.root().hash(), OptionalLong.of(root.total())).verified()).isTrue();
                assertThat(proof.leaf().userId()).isEqualTo(user);
            }
        }
        // and a user without a leaf, or a snapshot not stored, is a 404 with its own code
        assertThat(get("/api/v1/users/301/liabilities/cassandra-1", 404).get("code").asText()).isEqualTo("NOT_IN_SNAPSHOT");
        assertThat(get("/api/v1/users/1/liabilities/cassandra-2", 404).get("code").asText()).isEqualTo("UNKNOWN_SNAPSHOT");
    }

    private JsonNode get(String path, int status) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + api.port() + path))
                .header("Authorization", "Bearer " + new TokenMinter(SECRET, "settlement-test", "settlement-api").operator("ops", Duration.ofHours(1)))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(status);
        return json.readTree(response.body());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    static final class NoCommands implements CommandPublisher {
        @Override
        public void publishTransfer(TransferRequest request) {
            throw new UnsupportedOperationException("no commands in this test");
        }

        @Override
        public void publishBalanceOperation(BalanceOperation operation) {
            throw new UnsupportedOperationException("no commands in this test");
        }

        @Override
        public void close() {}
    }
}
