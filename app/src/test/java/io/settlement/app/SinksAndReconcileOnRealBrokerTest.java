package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settlement.avro.AccountType;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.SettlementResult;
import io.settlement.contract.UserPartitioner;
import io.settlement.sink.scylla.ScyllaSink;
import io.settlement.sink.tigerbeetle.reconcile.ReconciliationPrinter;
import io.settlement.sink.tigerbeetle.reconcile.StoreBalance;
import io.settlement.sink.tigerbeetle.TigerBeetleConfig;
import io.settlement.sink.tigerbeetle.TigerBeetleSink;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The sinks and {@code reconcile} as the app wires them, on a real broker: one instance whose
 * ScyllaDB and TigerBeetle are configured but do not answer (nothing listens on their ports; the
 * TigerBeetle sink runs the real tigerbeetle-java client), so that {@code /health} must say so
 * while settlement goes on; and {@code reconcile}'s store half, which reads every account of the
 * balance stores from their changelog. Against a real TigerBeetle server:
 * {@link TigerBeetleOnRealBrokerTest}.
 */
class SinksAndReconcileOnRealBrokerTest {
    private static final Duration WITHIN = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static RealBroker kafka;
    private static SettlementApp app;
    private static TopicTail<String, SettlementResult> results;
    private static TopicTail<Long, JournalEntry> journal;
    private static int silentScyllaPort;
    private static int silentTigerBeetlePort;
    private static final List<Long> USERS = new ArrayList<>();

    @BeforeAll
    static void startAnInstanceWhoseSinkDatabasesDoNotAnswer() throws Exception {
        silentScyllaPort = portNothingListensOn();
        silentTigerBeetlePort = portNothingListensOn();
        kafka = RealBroker.startWithTopics("sinks");
        app = SettlementApp.start(kafka.instanceSettings("sinks", Map.of(
                AppSettings.SCYLLA_CONTACT_POINTS, "127.0.0.1:" + silentScyllaPort,
                AppSettings.TIGERBEETLE_ADDRESSES, "127.0.0.1:" + silentTigerBeetlePort,
                TigerBeetleConfig.REQUEST_TIMEOUT_MS, "300",
                // A short fill grace, so an order whose announced fill never comes is overdue within the test.
                io.settlement.topology.SettlementConfig.ORDER_FILL_GRACE, "2s",
                io.settlement.topology.SettlementConfig.PURGE_INTERVAL, "1s")));
        results = kafka.tail(kafka.topics.results());
        journal = kafka.tail(kafka.topics.journal());
        SettlementOnRealBrokerTest.awaitRunning(app);

        // given users on every partition, each with 1.5 BTC deposited and confirmed, 0.5 moved to SPOT
        Set<Integer> partitions = new HashSet<>();
        for (long user = 501; partitions.size() < RealBroker.PARTITIONS; user++) {
            partitions.add(UserPartitioner.partitionOf(user, RealBroker.PARTITIONS));
            USERS.add(user);
        }
        for (long user : USERS) {
            assertThat(post("/wallet/deposit", "{\"user_id\":" + user + ",\"currency\":\"BTC\",\"amount\":\"1.5\","
                    + "\"transaction_id\":\"tx-" + user + "\"}").statusCode()).isEqualTo(202);
            assertThat(post("/wallet/deposit/confirm", "{\"user_id\":" + user + ",\"transaction_id\":\"tx-" + user + "\"}")
                    .statusCode()).isEqualTo(202);
            // The transfer is on another topic than the deposit: nothing orders the two but the wait for the confirmation.
            await().atMost(WITHIN).untilAsserted(() -> assertThat(JSON.readTree(get("/api/v1/commands/DEPOSIT_CONFIRMED/tx-" + user
                    + "?user_id=" + user).body()).get("status").asText()).isEqualTo("ACCEPTED"));
            assertThat(post("/api/v1/transfers", "{\"request_id\":\"tr-" + user + "\",\"user_id\":" + user
                    + ",\"from_wallet\":\"FUNDING\",\"to_wallet\":\"SPOT\",\"asset\":\"BTC\",\"amount\":\"0.5\"}")
                    .statusCode()).isEqualTo(202);
        }
        for (long user : USERS) {
            await().atMost(WITHIN).untilAsserted(() -> assertThat(JSON.readTree(get("/api/v1/transfers/tr-" + user + "?user_id=" + user).body())
                    .get("status").asText()).isEqualTo("ACCEPTED"));
        }
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable closeable : new AutoCloseable[] {results, journal, app, kafka}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    @AfterEach
    void ledgerInvariantsHold() {
        await().atMost(WITHIN).untilAsserted(() -> Ledger.assertInvariants(List.of(app), results, journal));
    }

    @Test
    void sinksWhoseDatabasesDoNotAnswerAreReportedInHealthWhileSettlementGoesOn() {
        // given the instance above: its deposits and transfers settled (checked in the setup)
        // when /health is asked
        // then it answers 200 DEGRADED: the streams run, the ScyllaDB sink keeps trying to start,
        // and the TigerBeetle sink runs but cannot get its journal entries answered
        await().atMost(WITHIN).untilAsserted(() -> {
            HttpResponse<String> response = get("/health");
            JsonNode health = JSON.readTree(response.body());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(health.get("status").asText()).isEqualTo("DEGRADED");
            assertThat(health.get("streams").asText()).isEqualTo("RUNNING");
            JsonNode scylla = health.get("components").get(ScyllaSink.NAME);
            assertThat(scylla.get("healthy").asBoolean()).isFalse();
            assertThat(scylla.get("detail").asText()).startsWith("STARTING: cannot start against ScyllaDB [127.0.0.1:"
                    + silentScyllaPort + "]").endsWith("retrying");
            JsonNode tigerBeetle = health.get("components").get(TigerBeetleSink.NAME);
            assertThat(tigerBeetle.get("healthy").asBoolean()).isFalse();
            assertThat(tigerBeetle.get("detail").asText()).startsWith("DEGRADED").contains("TigerBeetle: create_accounts")
                    .contains("no answer within 300 ms");
        });
        // and the balances are there all the same
        for (long user : USERS) {
            assertThat(Ledger.userBalances(List.of(app), user).values()).extracting(Balance::available)
                    .containsExactlyInAnyOrder(100_000_000L, 50_000_000L);
        }
    }

    @Test
    void historyRoutesAnswerUnavailableWhileTheScyllaSinkCannotConnect() throws Exception {
        // given the ScyllaDB sink configured but not connected
        // when a user's ledger and trades are asked for
        HttpResponse<String> ledger = get("/api/v1/users/" + USERS.get(0) + "/ledger?asset=BTC&limit=10");
        HttpResponse<String> trades = get("/api/v1/users/" + USERS.get(0) + "/trades");

        // then 503 HISTORY_UNAVAILABLE with Retry-After, saying where to look
        for (HttpResponse<String> response : List.of(ledger, trades)) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
            JsonNode error = JSON.readTree(response.body());
            assertThat(error.get("code").asText()).isEqualTo("HISTORY_UNAVAILABLE");
            assertThat(error.get("message").asText()).contains("the ScyllaDB sink is not connected yet");
        }
    }

    @Test
    void reconcileReadsEveryAccountOfTheStoresFromTheirChangelog() {
        // given the settled deposits and transfers; when the store half of reconcile reads the changelog
        // then it has every user account of the stores, and one share per task of each system account
        await().atMost(WITHIN).untilAsserted(() -> {
            List<StoreBalance> rows = StoreBalances.read(app.settings());
            Map<BalanceKey, Balance> fromChangelog = new HashMap<>();
            for (StoreBalance row : rows) {
                BalanceKey key = new BalanceKey(row.ownerId(), row.type(), row.assetId());
                fromChangelog.merge(key, new Balance(row.available(), row.frozen(), row.pending(), 0),
                        (a, b) -> new Balance(a.available() + b.available(), a.frozen() + b.frozen(), a.pending() + b.pending(), 0));
            }
            Map<BalanceKey, Balance> fromStores = new HashMap<>();
            Ledger.balances(List.of(app)).forEach((key, balance) ->
                    fromStores.put(key, new Balance(balance.available(), balance.frozen(), balance.pending(), 0)));
            assertThat(fromChangelog).isEqualTo(fromStores);
            assertThat(rows.stream().filter(row -> row.type() == AccountType.EXTERNAL).count())
                    .as("EXTERNAL shares, one per balance task").isEqualTo(RealBroker.PARTITIONS);
            assertThat(fromChangelog.get(new BalanceKey(BalanceKey.SYSTEM_OWNER, AccountType.EXTERNAL, 1)).available())
                    .isEqualTo(-150_000_000L * USERS.size());
        });
    }

    @Test
    void reconcileStoreOnlyPrintsTheStoresBalancesWithoutTigerBeetle() {
        // when
        StringWriter out = new StringWriter();
        int exitCode = cli(out, new StringWriter(), "reconcile", "--store-only",
                "--set", "bootstrap.servers=" + kafka.bootstrapServers());

        // then one line per store row, users' accounts by owner
        assertThat(exitCode).isEqualTo(SettlementCli.EXIT_OK);
        assertThat(out.toString())
                .contains("STORE StoreBalance[ownerId=" + USERS.get(0) + ", type=SPOT, assetId=1, available=50000000, frozen=0, pending=0, seq=")
                .contains("store rows from settlement-streams-balances-changelog");
    }

    @Test
    void reconcileAgainstATigerBeetleThatDoesNotAnswerExitsWithUnavailable() {
        // when reconcile runs with the real client against a port nothing listens on
        StringWriter out = new StringWriter();
        int exitCode = cli(out, new StringWriter(), "reconcile", "--set", "bootstrap.servers=" + kafka.bootstrapServers(),
                "--set", "tigerbeetle.addresses=127.0.0.1:" + silentTigerBeetlePort, "--set", "tigerbeetle.request.timeout.ms=300");

        // then it says so and exits 3, not 0 (agree) nor 1 (differences)
        assertThat(exitCode).isEqualTo(ReconciliationPrinter.EXIT_UNAVAILABLE);
        assertThat(out.toString()).contains("TigerBeetle did not answer");
    }

    @Test
    void reconcileWithoutTigerBeetleConfiguredIsAUsageErrorNamingTheKey() {
        StringWriter err = new StringWriter();
        int exitCode = cli(new StringWriter(), err, "reconcile", "--set", "bootstrap.servers=" + kafka.bootstrapServers());

        assertThat(exitCode).isEqualTo(SettlementCli.EXIT_USAGE);
        assertThat(err.toString()).contains("tigerbeetle.addresses").contains("SETTLEMENT_TIGERBEETLE_ADDRESSES");
    }

    @Test
    void theConfluentWireFormatWithoutItsRegistryStopsTheStartAndProduceWithOneClearMessage() throws IOException {
        // given the Confluent format configured with a registry that does not answer
        Map<String, String> confluent = Map.of(io.settlement.serde.confluent.ConfluentSerdeConfig.SERDE_FORMAT, "confluent",
                io.settlement.serde.confluent.ConfluentSerdeConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:" + silentScyllaPort,
                "schema.registry.attempts.max", "1");

        // when an instance starts, then it stops before Kafka Streams runs, naming the registry
        assertThatThrownBy(() -> SettlementApp.start(kafka.instanceSettings("confluent", confluent)))
                .isInstanceOf(SettlementApp.StartException.class)
                .hasMessageContaining("schema registry");

        // and produce (the same settings) fails the same way, exit code 1
        Path lines = Files.createTempFile("commands", ".jsonl");
        Files.writeString(lines, "{\"type\":\"Deposit\",\"command_id\":\"never\",\"user_id\":7,\"asset\":\"USDT\",\"amount\":1}\n");
        StringWriter err = new StringWriter();
        List<String> args = new ArrayList<>(List.of("produce", "--set", "bootstrap.servers=" + kafka.bootstrapServers()));
        confluent.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
        args.add(lines.toString());
        assertThat(cli(new StringWriter(), err, args.toArray(String[]::new))).isEqualTo(SettlementCli.EXIT_FAILED);
        assertThat(err.toString()).contains("schema registry");
    }

    @Test
    void liabilitiesSnapshotPublishesOneRootPerAssetAtTheChangelogsCutAndEveryUsersProofVerifiesAgainstIt() throws Exception {
        // given the settled deposits (1.5 BTC per user: 1.0 in FUNDING, 0.5 in SPOT), a fresh secret file and a proofs directory
        Path secret = kafka.dir.resolve("liabilities-secret");
        Path proofs = kafka.dir.resolve("proofs");

        // when a snapshot is taken
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = cli(out, err, "liabilities", "snapshot", "--set", "bootstrap.servers=" + kafka.bootstrapServers(),
                "--set", "topic.replication.factor=1",
                "--secret-file", secret.toString(), "--snapshot-id", "it-1", "--proofs-dir", proofs.toString());

        // then it prints the BTC root with every user's 1.5 BTC in its total
        assertThat(exitCode).as(err.toString()).isEqualTo(SettlementCli.EXIT_OK);
        java.util.regex.Matcher root = java.util.regex.Pattern.compile("ROOT BTC ([0-9a-f]{64}) total (\\d+) leaves (\\d+)")
                .matcher(out.toString());
        assertThat(root.find()).as(out.toString()).isTrue();
        assertThat(Long.parseLong(root.group(2))).isEqualTo(150_000_000L * USERS.size());
        assertThat(Integer.parseInt(root.group(3))).isEqualTo(USERS.size());
        assertThat(Files.readAllBytes(secret)).hasSize(32);
        // and each user's proof verifies against it, through the offline verifier
        for (long user : USERS) {
            StringWriter verified = new StringWriter();
            assertThat(cli(verified, new StringWriter(), "liabilities", "verify", "--root", root.group(1),
                    "--proof", proofs.resolve("BTC").resolve(user + ".json").toString(), "--total", root.group(2)))
                    .as(verified.toString()).isEqualTo(SettlementCli.EXIT_OK);
            assertThat(verified.toString()).startsWith("VERIFIED user " + user + " owed 150000000 BTC in snapshot it-1");
        }
        // and the summary is on the compacted topic, keyed by the snapshot id, with the same root and one offset per changelog partition
        try (org.apache.kafka.clients.admin.Admin admin = kafka.broker.admin()) {
            org.apache.kafka.common.config.ConfigResource topic = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, LiabilitiesCommand.TOPIC);
            assertThat(admin.describeConfigs(List.of(topic)).all().get().get(topic).get("cleanup.policy").value()).isEqualTo("compact");
        }
        java.util.Properties props = new java.util.Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("auto.offset.reset", "earliest");
        props.put("group.id", "liabilities-test");
        try (org.apache.kafka.clients.consumer.KafkaConsumer<String, String> consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                props, new org.apache.kafka.common.serialization.StringDeserializer(), new org.apache.kafka.common.serialization.StringDeserializer())) {
            consumer.subscribe(List.of(LiabilitiesCommand.TOPIC));
            List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> published = new ArrayList<>();
            await().atMost(WITHIN).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(published::add);
                return !published.isEmpty();
            });
            assertThat(published).hasSize(1);
            assertThat(published.get(0).key()).isEqualTo("it-1");
            io.settlement.liabilities.SnapshotSummary summary = io.settlement.liabilities.SnapshotSummary.fromJson(published.get(0).value());
            assertThat(summary.assets()).singleElement().satisfies(asset -> {
                assertThat(asset.asset()).isEqualTo("BTC");
                assertThat(asset.root().hashHex()).isEqualTo(root.group(1));
            });
            assertThat(summary.cut()).hasSize(RealBroker.PARTITIONS).allSatisfy((partition, offset) -> assertThat(offset).isPositive());
        }
    }

    @Test
    void anOrderWhoseAnnouncedFillNeverComesIsListedOverdueAndAnOperatorClosesIt() throws Exception {
        // given an order of 0.1 BTC released with a fill of 0.04 BTC announced that never comes
        long user = USERS.get(0);
        String bootstrap = "bootstrap.servers=" + kafka.bootstrapServers();
        Path commands = kafka.dir.resolve("overdue-order.jsonl");
        Files.writeString(commands, "{\"type\":\"OrderReserved\",\"command_id\":\"res-late\",\"user_id\":" + user
                + ",\"order_id\":\"o-late\",\"asset\":\"BTC\",\"amount\":10000000}\n"
                + "{\"type\":\"OrderReleased\",\"command_id\":\"rel-late\",\"user_id\":" + user
                + ",\"order_id\":\"o-late\",\"filled_total\":4000000}\n");
        assertThat(cli(new StringWriter(), new StringWriter(), "produce", "--set", bootstrap, commands.toString())).isEqualTo(SettlementCli.EXIT_OK);

        // when its fill grace passes, the operator lists the overdue orders
        StringWriter listed = new StringWriter();
        await().atMost(WITHIN).untilAsserted(() -> {
            listed.getBuffer().setLength(0);
            assertThat(cli(listed, new StringWriter(), "orders", "overdue", "--set", bootstrap)).as(listed.toString()).isEqualTo(1);
        });

        // then it is listed with what it still holds, still frozen, and closing it by hand returns that to available
        assertThat(listed.toString()).contains(user + "\to-late\tBTC\t4000000\t").contains("1 overdue order(s)");
        Path close = kafka.dir.resolve("close-order.jsonl");
        Files.writeString(close, "{\"type\":\"OrderClosed\",\"command_id\":\"close-late\",\"user_id\":" + user + ",\"order_id\":\"o-late\"}\n");
        assertThat(cli(new StringWriter(), new StringWriter(), "produce", "--set", bootstrap, close.toString())).isEqualTo(SettlementCli.EXIT_OK);
        // (published by produce, not through this instance: 404 until its result is committed)
        await().atMost(WITHIN).untilAsserted(() -> {
            HttpResponse<String> closed = get("/api/v1/commands/ORDER_CLOSED/close-late?user_id=" + user);
            assertThat(closed.statusCode()).as(closed.body()).isEqualTo(200);
            assertThat(JSON.readTree(closed.body()).get("status").asText()).isEqualTo("ACCEPTED");
        });
        StringWriter after = new StringWriter();
        assertThat(cli(after, new StringWriter(), "orders", "overdue", "--set", bootstrap)).as(after.toString()).isEqualTo(SettlementCli.EXIT_OK);
        assertThat(after.toString()).contains("0 overdue order(s)");
        JsonNode balances = JSON.readTree(get("/api/v1/users/" + user + "/balances").body()).get("balances");
        JsonNode spot = null;
        for (JsonNode row : balances) {
            if (row.get("wallet").asText().equals("SPOT") && row.get("asset").asText().equals("BTC")) {
                spot = row;
            }
        }
        assertThat(spot).as(balances.toString()).isNotNull();
        assertThat(spot.get("available").asText()).isEqualTo("0.50000000");
        assertThat(spot.get("frozen").asText()).isEqualTo("0.00000000");
    }

    private static int cli(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = SettlementCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static int portNothingListensOn() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(app.httpUrl() + path)).header("Authorization", kafka.serviceAuthorization()).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(app.httpUrl() + path)).header("Authorization", kafka.serviceAuthorization()).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
