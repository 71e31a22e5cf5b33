package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settlement.contract.UserPartitioner;
import io.settlement.http.HttpApiConfig;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The proof of liabilities end to end on a real broker: commands flow for users on every partition
 * while a snapshot is taken, and every user fetches its proof over HTTP with its own token, saves
 * the answer and checks it with {@code settlement liabilities verify} against the root listed by
 * {@code GET /api/v1/liabilities}. The balances at the recorded cut are read back from the
 * changelog here, independently of the snapshot's own reading, and must be what the proofs and
 * totals say. The proofs are stored in memory ({@link InMemoryLiabilityProofs}): the ScyllaDB store
 * behind the same port is tested over a real Cassandra in sink-scylla.
 */
class LiabilitiesOverHttpOnRealBrokerTest {
    private static final Duration WITHIN = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final int USERS_PER_PARTITION = 3;

    private static RealBroker kafka;
    private static SettlementApp app;
    private static final InMemoryLiabilityProofs STORE = new InMemoryLiabilityProofs();
    private static final List<Long> USERS = new ArrayList<>();

    @BeforeAll
    static void startAnInstanceWithUsersOnEveryPartition() throws Exception {
        kafka = RealBroker.startWithTopics("liabilities-http");
        // The traffic below is many POSTs from one service token: not what the rate limit is tested with.
        app = SettlementApp.start(kafka.instanceSettings("liabilities-http", Map.of(HttpApiConfig.HTTP_POSTS_PER_SECOND, "100000",
                HttpApiConfig.HTTP_POST_BURST, "100000")), STORE);
        SettlementOnRealBrokerTest.awaitRunning(app);
        Map<Integer, Integer> perPartition = new HashMap<>();
        for (long user = 801; USERS.size() < USERS_PER_PARTITION * RealBroker.PARTITIONS; user++) {
            int partition = UserPartitioner.partitionOf(user, RealBroker.PARTITIONS);
            if (perPartition.merge(partition, 1, Integer::sum) <= USERS_PER_PARTITION) {
                USERS.add(user);
            }
        }
        // Every user is owed something before the snapshot, so each has a leaf whatever the traffic's timing.
        for (long user : USERS) {
            sendOneRound(user, "init");
        }
        for (long user : USERS) {
            await().atMost(WITHIN).untilAsserted(() -> assertThat(JSON.readTree(get("/api/v1/transfers/tr-" + user + "-init?user_id=" + user,
                    kafka.serviceAuthorization()).body()).get("status").asText()).isEqualTo("ACCEPTED"));
        }
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable closeable : new AutoCloseable[] {app, kafka}) {
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
    void givenTrafficOnEveryPartitionWhenASnapshotIsTakenThenEveryUsersProofOverHttpVerifiesAgainstThePublishedRootAtTheCut() throws Exception {
        // given commands flowing for users on every partition: deposits confirmed and transfers FUNDING -> SPOT
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        CompletableFuture<Void> traffic = CompletableFuture.runAsync(() -> {
            for (int i = 0; !stop.get(); i++) {
                sendOneRound(USERS.get(i % USERS.size()), "a" + i);
                sent.incrementAndGet();
            }
        });
        await().atMost(WITHIN).until(() -> sent.get() >= USERS.size() || traffic.isDone());
        assertThat(traffic).isNotDone();

        // when a snapshot is taken while they flow
        StringWriter out = new StringWriter();
        LiabilitiesCommand.Snapshot.take(app.settings(), new byte[32], "it-http", Optional.of(STORE), new PrintWriter(out, true));
        int sentDuringSnapshot = sent.get();
        stop.set(true);
        traffic.get();
        // and one more deposit confirmed after it, so that the balances now are not those at the cut
        sendOneRound(USERS.get(0), "after");
        assertThat(sentDuringSnapshot).isGreaterThanOrEqualTo(USERS.size());

        // then the list names the snapshot with its BTC root and total, and no user data
        JsonNode listed = JSON.readTree(get("/api/v1/liabilities", kafka.serviceAuthorization()).body()).get("snapshots");
        assertThat(listed).hasSize(1);
        JsonNode summary = listed.get(0);
        assertThat(summary.get("snapshot_id").asText()).isEqualTo("it-http");
        JsonNode btc = summary.get("assets").get(0);
        assertThat(btc.get("asset").asText()).isEqualTo("BTC");
        String root = btc.get("root").asText();
        long total = Long.parseLong(btc.get("total").asText());
        assertThat(out.toString()).contains("ROOT BTC " + root + " total " + total);

        // and the total is what the users held (available + frozen) at the recorded cut, read back from the changelog here
        SortedMap<Integer, Long> cut = new java.util.TreeMap<>();
        summary.get("cut").fields().forEachRemaining(p -> cut.put(Integer.parseInt(p.getKey()), Long.parseLong(p.getValue().asText())));
        assertThat(cut).hasSize(RealBroker.PARTITIONS);
        Map<Long, Long> owedAtCut = btcOwedAt(cut);
        assertThat(owedAtCut.keySet()).containsExactlyInAnyOrderElementsOf(USERS);
        assertThat(total).isEqualTo(owedAtCut.values().stream().mapToLong(Long::longValue).sum());
        assertThat(btc.get("leaves").asInt()).isEqualTo(USERS.size());

        // and every user's proof, fetched with its own token and saved as it is, verifies against that root and total
        for (long user : USERS) {
            HttpResponse<String> answer = get("/api/v1/users/" + user + "/liabilities/it-http", kafka.userAuthorization(user));
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            Path saved = kafka.dir.resolve("proof-" + user + ".json");
            Files.writeString(saved, answer.body());
            StringWriter verified = new StringWriter();
            int exit = cli(verified, "liabilities", "verify", "--root", root, "--total", Long.toString(total), "--proof", saved.toString());
            assertThat(exit).as(verified.toString()).isEqualTo(SettlementCli.EXIT_OK);
            assertThat(verified.toString()).startsWith("VERIFIED user " + user + " owed " + owedAtCut.get(user) + " BTC in snapshot it-http");
        }
        // and a user token asking for another user's proof learns nothing
        assertThat(get("/api/v1/users/" + USERS.get(1) + "/liabilities/it-http", kafka.userAuthorization(USERS.get(0))).statusCode())
                .isEqualTo(404);
        // and the balances have moved on since the cut: the snapshot is of the cut, not of now
        await().atMost(WITHIN).untilAsserted(() -> assertThat(Ledger.userBalances(List.of(app), USERS.get(0)).values().stream()
                .mapToLong(b -> b.available() + b.frozen()).sum()).isGreaterThan(owedAtCut.get(USERS.get(0))));
    }

    /** A deposit of 0.01 BTC confirmed, then 0.001 moved to SPOT: each POST accepted (202). */
    private static void sendOneRound(long user, String id) {
        try {
            String tx = "tx-" + user + "-" + id;
            expect202(post("/wallet/deposit", "{\"user_id\":" + user + ",\"currency\":\"BTC\",\"amount\":\"0.01\",\"transaction_id\":\"" + tx + "\"}"));
            expect202(post("/wallet/deposit/confirm", "{\"user_id\":" + user + ",\"transaction_id\":\"" + tx + "\"}"));
            // The transfer is on another topic than the deposit: nothing orders the two but the wait for the confirmation.
            await().atMost(WITHIN).untilAsserted(() -> assertThat(JSON.readTree(get("/api/v1/commands/DEPOSIT_CONFIRMED/" + tx + "?user_id=" + user,
                    kafka.serviceAuthorization()).body()).get("status").asText()).isEqualTo("ACCEPTED"));
            expect202(post("/api/v1/transfers", "{\"request_id\":\"tr-" + user + "-" + id + "\",\"user_id\":" + user
                    + ",\"from_wallet\":\"FUNDING\",\"to_wallet\":\"SPOT\",\"asset\":\"BTC\",\"amount\":\"0.001\"}"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void expect202(HttpResponse<String> response) {
        if (response.statusCode() != 202) {
            throw new IllegalStateException("expected 202, got " + response.statusCode() + ": " + response.body());
        }
    }

    /**
     * Per user, BTC available + frozen over both wallets, from the balances changelog read (read_committed)
     * from its start up to the cut's offsets: the latest value per account below the cut.
     */
    private static Map<Long, Long> btcOwedAt(SortedMap<Integer, Long> cut) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        String topic = StoreBalances.changelogTopic(app.settings().applicationId());
        Map<BalanceKey, Balance> accounts = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = cut.keySet().stream().map(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Set<TopicPartition> done = new HashSet<>();
            await().atMost(WITHIN).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() < cut.get(record.partition())) {
                        BalanceKey key = BalanceKey.fromBytes(record.key());
                        if (record.value() == null) {
                            accounts.remove(key);
                        } else {
                            accounts.put(key, Balance.SERDE.deserializer().deserialize(null, record.value()));
                        }
                    }
                }
                for (TopicPartition partition : partitions) {
                    if (consumer.position(partition) >= cut.get(partition.partition())) {
                        done.add(partition);
                    }
                }
                return done.size() == partitions.size();
            });
        }
        Map<Long, Long> owed = new HashMap<>();
        accounts.forEach((key, balance) -> {
            if (key.ownerId() != BalanceKey.SYSTEM_OWNER && key.assetId() == 1 && balance.available() + balance.frozen() != 0) {
                owed.merge(key.ownerId(), balance.available() + balance.frozen(), Long::sum);
            }
        });
        return owed;
    }

    private static int cli(StringWriter out, String... args) {
        CommandLine cli = SettlementCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        return cli.execute(args);
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(app.httpUrl() + path)).header("Authorization", authorization)
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(app.httpUrl() + path)).header("Authorization", kafka.serviceAuthorization())
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
