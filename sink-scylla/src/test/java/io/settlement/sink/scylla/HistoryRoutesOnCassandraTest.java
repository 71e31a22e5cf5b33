package io.settlement.sink.scylla;

import static io.settlement.sink.scylla.SettlementScenario.ALICE;
import static io.settlement.sink.scylla.SettlementScenario.BOB;
import static io.settlement.sink.scylla.SettlementScenario.TRADE_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.settlement.testsupport.FreePorts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settlement.avro.BalanceEvent;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Wallet;
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
import io.settlement.http.HttpApiConfig;
import io.settlement.topology.Asset;
import io.settlement.liabilities.InclusionProof;
import io.settlement.liabilities.LiabilitiesSnapshot;
import io.settlement.liabilities.ProofJson;
import io.settlement.liabilities.SnapshotSummary;
import io.settlement.liabilities.Verifier;
import io.settlement.sink.LiabilityProofs;
import io.settlement.topology.Assets;
import io.settlement.topology.testkit.SettlementDriver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP history routes end to end: real output records of the topology written by the real
 * sink into a real Cassandra, read back by {@link ScyllaHistory} as the HTTP API's
 * {@link History}, through a real HTTP client. It maps the
 * sink's pages and the driver's failures onto the interface, as the app's does.
 *
 * <p>Reads by instant run over a second, seeded random history of users {@value #FIRST_RANDOM_USER}..
 * (deposits and transfers both ways, the wall clock moving 0-1.5 s between commands, so that
 * stamps repeat and interleave across wallets), and are compared with a replay of its balance events.
 *
 * <p>The proofs of liabilities likewise: stored by {@link ScyllaLiabilities}, served by the API through the same
 * server (this class's one Cassandra: no other is started for them).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HistoryRoutesOnCassandraTest {
    /** The HS256 key the API verifies the test's operator token with. */
    private static final byte[] SECRET = "scylla-history-test-secret-32-bytes-long".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    static final String HOST = "127.0.0.1";
    static final int ALICE_BTC_DEPOSITS = 7;
    static final long FIRST_RANDOM_USER = 100;
    static final int RANDOM_USERS = 4;
    static final long SEED = 20261206L;

    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();
    CassandraServer server;
    SinkOnMockConsumer sink;
    SettlementScenario scenario;
    SettlementDriver randomHistory;
    List<BalanceEvent> randomEvents;
    KafkaStreams streams;
    HttpApi api;

    @BeforeAll
    void writeHistoryAndStartTheApi() throws Exception {
        server = CassandraServer.start("history-http-" + ProcessHandle.current().pid());
        sink = new SinkOnMockConsumer(server, "history_http");
        // Alice: a USDT deposit, transfers, a settled trade buying BTC, and 7 BTC deposits
        scenario = new SettlementScenario().everyKindOfRow().deposits(ALICE_BTC_DEPOSITS, 1, ALICE);
        sink.deliver(scenario.journal(), List.of(), scenario.results());
        assertThat(sink.committed()).isEqualTo(sink.delivered());
        randomHistory = SettlementDriver.start();
        randomEvents = randomHistory(randomHistory, new Random(SEED));
        sink.deliver(List.of(), randomEvents, List.of());
        // An idle poll a minute after the last change: the sink found every partition read to its
        // end then, so the history is complete up to that minute minus the grace.
        sink.now = lastStamp().plusSeconds(60);
        sink.idlePoll();

        Path stateDir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "history-http");
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("unused");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "history-http-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        streams = new KafkaStreams(builder.build(), props); // never started: the history routes do not use it
        api = HttpApi.start(HttpApiConfig.of(HOST, HOST, FreePorts.freePort()), streams, Topics.create(AvroSerdes.SINGLE_OBJECT),
                Assets.defaults(), new NoCommands(), new HealthChecks(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                ApiSecurity.of(AuthSettings.hmac(SECRET, "settlement-test", "settlement-api")), Optional.of(new ScyllaHistory(sink.session, sink.keyspace)),
                Optional.of(ScyllaLiabilities.lazy(() -> Optional.of(new ScyllaLiabilities(sink.session, sink.keyspace)))));
    }

    @AfterAll
    void stopEverything() {
        for (AutoCloseable closeable : new AutoCloseable[] {api, streams == null ? null : streams::close, sink, scenario,
                randomHistory, server}) {
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
    void givenARandomHistory_whenBalancesAreAskedAsOfRandomInstants_thenEachAnswerIsTheReplayOfTheEventsUpToThatInstant() {
        Instant first = randomEvents.get(0).getCreatedAt();
        Instant last = lastStamp();
        long spanMs = Duration.between(first, last).toMillis();
        // given the random history, complete up to a minute after its last change minus the grace
        // when asked as of random instants (half of them exactly an event's stamp), for each user
        qt().withExamples(150).withFixedSeed(SEED)
                .forAll(integers().between(0, RANDOM_USERS - 1), longs().between(-2_000, spanMs + 2_000),
                        integers().between(0, 2 * randomEvents.size() - 1))
                .checkAssert((user, offsetMs, pick) -> {
                    Instant asOf = pick < randomEvents.size() ? randomEvents.get(pick).getCreatedAt() : first.plusMillis(offsetMs);
                    long userId = FIRST_RANDOM_USER + user;
                    // then the answer is, per account, the balances after the account's newest event stamped at or before it
                    JsonNode answer = uncheckedGet("/api/v1/users/" + userId + "/balances?as_of=" + asOf, 200);
                    assertThat(accounts(answer.get("balances"))).as("user %d as of %s", userId, asOf)
                            .isEqualTo(replay(userId, asOf));
                });
    }

    @Test
    void givenAnInstantBeforeTheFirstChangeOrBeyondTheWatermark_whenAsked_thenNoAccountsOr503NotCaughtUp() throws Exception {
        Instant before = randomEvents.get(0).getCreatedAt().minusMillis(1);
        // given nothing stamped before the first change, then no accounts
        assertThat(get("/api/v1/users/" + FIRST_RANDOM_USER + "/balances?as_of=" + before, 200).get("balances")).isEmpty();
        // given the history complete up to the idle poll's minute minus the grace, then exactly that instant is answered
        Instant completeUntil = lastStamp().plusSeconds(60).minus(HistoryWatermarks.GRACE);
        JsonNode answered = get("/api/v1/users/" + FIRST_RANDOM_USER + "/balances?as_of=" + completeUntil, 200);
        assertThat(answered.get("complete_until").asText()).isEqualTo(completeUntil.toString());
        // and a millisecond later is 503 HISTORY_NOT_CAUGHT_UP, for both routes
        Instant later = completeUntil.plusMillis(1);
        assertThat(get("/api/v1/users/" + FIRST_RANDOM_USER + "/balances?as_of=" + later, 503).get("code").asText())
                .isEqualTo("HISTORY_NOT_CAUGHT_UP");
        assertThat(get("/api/v1/users/" + FIRST_RANDOM_USER + "/balances/history?asset=BTC&to=" + later, 503).get("code").asText())
                .isEqualTo("HISTORY_NOT_CAUGHT_UP");
    }

    @Test
    void givenARandomHistory_whenItsChangesArePagedBetweenTwoInstants_thenEachChangeComesOnceInOrderAcrossPages() throws Exception {
        Instant first = randomEvents.get(0).getCreatedAt();
        Instant last = lastStamp();
        Random random = new Random(SEED + 1);
        for (int round = 0; round < 8; round++) {
            // given a user, an asset and a range (the whole history in the first round)
            long userId = FIRST_RANDOM_USER + random.nextInt(RANDOM_USERS);
            String asset = random.nextBoolean() ? "BTC" : "USDT";
            long spanMs = Duration.between(first, last).toMillis();
            Instant from = round == 0 ? first : first.plusMillis(random.nextLong(spanMs + 1));
            Instant to = round == 0 ? last : from.plusMillis(random.nextLong(Duration.between(from, last).toMillis() + 1));
            int limit = 1 + random.nextInt(4);
            // when the client follows next_url
            List<String> paged = new ArrayList<>();
            String url = "/api/v1/users/" + userId + "/balances/history?asset=" + asset + "&from=" + from + "&to=" + to + "&limit=" + limit;
            while (url != null) {
                JsonNode page = get(url, 200);
                assertThat(page.get("changes").size()).isLessThanOrEqualTo(limit);
                page.get("changes").forEach(change -> paged.add(change.get("created_at").asText() + " " + change.get("wallet").asText()
                        + " " + change.get("seq").asLong()));
                url = page.get("next_url").isNull() ? null : page.get("next_url").asText();
            }
            // then every change stamped in [from, to] came once, oldest first (one instant: SPOT before FUNDING, seq up)
            List<String> expected = randomEvents.stream()
                    .filter(e -> e.getUserId() == userId && e.getAsset().equals(asset))
                    .filter(e -> !e.getCreatedAt().isBefore(from) && !e.getCreatedAt().isAfter(to))
                    .sorted(Comparator.comparing(BalanceEvent::getCreatedAt)
                            .thenComparing(e -> e.getWallet().name(), Comparator.reverseOrder())
                            .thenComparingLong(BalanceEvent::getSeq))
                    .map(e -> e.getCreatedAt() + " " + e.getWallet().name() + " " + e.getSeq())
                    .toList();
            assertThat(paged).as("user %d %s from %s to %s by %d", userId, asset, from, to, limit).isEqualTo(expected);
        }
    }

    /** Deposits and transfers both ways for the random users, the clock moving 0..1.5 s (often not at all) in between. */
    private static List<BalanceEvent> randomHistory(SettlementDriver driver, Random random) {
        for (int i = 0; i < 160; i++) {
            if (random.nextInt(3) == 0) {
                driver.advanceWallClock(Duration.ofMillis(random.nextInt(1_500)));
            }
            long user = FIRST_RANDOM_USER + random.nextInt(RANDOM_USERS);
            String asset = random.nextBoolean() ? "BTC" : "USDT";
            long amount = 1 + random.nextInt(1_000_000);
            if (random.nextInt(3) == 0) {
                driver.send(driver.commands().deposit("rd-" + i, user, asset, amount));
            } else {
                boolean toSpot = random.nextBoolean();
                // Some of these are refused (not enough): they change nothing and emit no event.
                driver.send(driver.commands().transfer("rt-" + i, user, toSpot ? Wallet.FUNDING : Wallet.SPOT,
                        toSpot ? Wallet.SPOT : Wallet.FUNDING, asset, amount / 2));
            }
        }
        return driver.events().stream().filter(e -> e.getUserId() >= FIRST_RANDOM_USER).toList();
    }

    private Instant lastStamp() {
        return randomEvents.stream().map(BalanceEvent::getCreatedAt).max(Comparator.naturalOrder()).orElseThrow();
    }

    /** The replay: per account, the event with the greatest (created_at, seq) at or before the instant, as "wallet asset" -> "seq available frozen pending". */
    private Map<String, String> replay(long userId, Instant asOf) {
        Map<String, BalanceEvent> newest = new TreeMap<>();
        randomEvents.stream().filter(e -> e.getUserId() == userId && !e.getCreatedAt().isAfter(asOf))
                .sorted(Comparator.comparing(BalanceEvent::getCreatedAt).thenComparingLong(BalanceEvent::getSeq))
                .forEach(e -> newest.put(e.getWallet().name() + " " + e.getAsset(), e));
        Map<String, String> accounts = new TreeMap<>();
        newest.forEach((account, e) -> accounts.put(account, e.getSeq() + " " + e.getAvailable() + " " + e.getFrozen() + " "
                + e.getPending() + " " + e.getCreatedAt()));
        return accounts;
    }

    /** The answer's accounts in the replay's shape, amounts back in minor units. */
    private static Map<String, String> accounts(JsonNode balances) {
        Map<String, String> accounts = new TreeMap<>();
        balances.forEach(b -> {
            Asset asset = Assets.defaults().byCode(b.get("asset").asText()).orElseThrow();
            accounts.put(b.get("wallet").asText() + " " + asset.code(), b.get("seq").asLong() + " " + minor(b.get("available"), asset)
                    + " " + minor(b.get("frozen"), asset) + " " + minor(b.get("pending"), asset) + " " + b.get("changed_at").asText());
        });
        return accounts;
    }

    private static long minor(JsonNode amount, Asset asset) {
        return new BigDecimal(amount.asText()).movePointRight(asset.scale()).longValueExact();
    }

    private JsonNode uncheckedGet(String path, int status) {
        try {
            return get(path, status);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
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
