package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settlement.avro.AccountType;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.avro.Wallet;
import io.settlement.cassandra.CassandraProcess;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import io.settlement.http.TokenMinter;
import io.settlement.sink.scylla.ScyllaConfig;
import io.settlement.sink.tigerbeetle.reconcile.ReconciliationPrinter;
import io.settlement.sink.tigerbeetle.server.RealTigerBeetle;
import io.settlement.testsupport.ReferenceLedger;
import io.settlement.testsupport.TigerBeetleProcess;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import io.settlement.topology.testkit.Commands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Settlement on a real replicated cluster when a broker crashes: three KRaft nodes, each in a JVM
 * of its own ({@link KafkaCluster}), every topic — the contract's, Kafka Streams' internal ones, the
 * cluster's offsets and transaction state — with replication factor 3 and min.insync.replicas 2,
 * two instances of the app ({@link SettlementApp#start}) sharing the work. Deposits and trades
 * flow in at a steady rate while one node is killed with SIGKILL and later started again (it
 * recovers its logs, as after a real crash): the one leading the most partitions, or the one that
 * is at once the active controller and the coordinator of every transaction. Nothing acknowledged
 * may be lost or doubled: exactly one result per command, every trade settled, balances equal to a
 * model of the commands, TigerBeetle equal to the balances ({@code reconcile}) and ScyllaDB's
 * history ending at them (balances as of now), both fed by the instances' sinks. The test prints how long results and balance lookups stopped.
 */
@ExtendWith(RealTigerBeetle.class)
class ThreeBrokerClusterTest {
    /** Generous: a loaded machine makes fencing a broker, electing leaders and rebalancing slow. */
    private static final Duration WITHIN = Duration.ofSeconds(120);
    private static final int PARTITIONS = RealBroker.PARTITIONS;
    private static final int USERS_PER_PARTITION = 4;
    /** Asset ids of their own: the JVM's one TigerBeetle is shared with other tests, and a ledger is an asset. */
    private static final int BTC = 11;
    private static final int USDT = 12;
    private static final String ASSETS = "BTC:" + BTC + ":8,USDT:" + USDT + ":6";
    private static final long FUNDED_BTC = 10_00000000L;        // 10 BTC into SPOT
    private static final long FUNDED_USDT = 100_000_000000L;    // 100 000 USDT into SPOT
    /** One deposit and one trade per tick: enough load to have work in flight at every instant, little enough for 2 shared cores. */
    private static final Duration TICK = Duration.ofMillis(60);

    private static Path dir;
    private static KafkaCluster cluster;
    private static TigerBeetleProcess ledger;
    private static CassandraProcess cassandra;
    private static final Topics TOPICS = Topics.create(AvroSerdes.SINGLE_OBJECT);
    private static SettlementApp a;
    private static SettlementApp b;
    private static KafkaProducer<byte[], byte[]> producer;
    private static TopicTail<String, SettlementResult> results;
    private static TopicTail<Long, JournalEntry> journal;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Commands commands = new Commands(Instant::now);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void startClusterAndTwoInstances(TigerBeetleProcess tigerBeetle) throws Exception {
        ledger = tigerBeetle;
        cassandra = CassandraProcess.start(new CassandraProcess.Options(
                Path.of(System.getProperty("cassandra.work.dir", "target/cassandra"), "three-brokers"), 0, CassandraProcess.Profile.TEST,
                "256m", List.of(), Path.of(System.getProperty("cassandra.classpath.file", "cassandra.classpath (see app/pom.xml)")),
                Duration.ofSeconds(90)));
        dir = Files.createTempDirectory("three-brokers");
        cluster = KafkaCluster.start(dir.resolve("kafka"), 3, Map.of());
        try (Admin admin = cluster.admin()) {
            new TopicLayout(admin, TOPICS).createMissing(PARTITIONS, (short) 3);
        }
        a = SettlementApp.start(settings("a"));
        b = SettlementApp.start(settings("b"));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.allBootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(props);
        results = new TopicTail<>(cluster.allBootstrapServers(), TOPICS.results());
        journal = new TopicTail<>(cluster.allBootstrapServers(), TOPICS.journal());
        await().atMost(WITHIN).until(() -> a.health().isRunning() && b.health().isRunning()
                && !a.streams().metadataForLocalThreads().iterator().next().activeTasks().isEmpty()
                && !b.streams().metadataForLocalThreads().iterator().next().activeTasks().isEmpty());
    }

    /**
     * As {@code run} is configured for production: replication factor 3 for every topic the app
     * creates, and the journal mirrored into TigerBeetle and ScyllaDB by each instance's sinks.
     */
    private static AppSettings settings(String instance) {
        return RealBroker.instanceSettings(cluster.allBootstrapServers(), dir, instance, Map.of(AppSettings.TOPIC_REPLICATION_FACTOR, "3",
                SettlementConfig.ASSETS, ASSETS, AppSettings.TIGERBEETLE_ADDRESSES, ledger.address(),
                ScyllaConfig.CONTACT_POINTS, "127.0.0.1:" + cassandra.contactPoint().getPort(),
                ScyllaConfig.LOCAL_DATACENTER, CassandraProcess.LOCAL_DATACENTER, ScyllaConfig.KEYSPACE, "three_brokers"));
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable closeable : new AutoCloseable[] {results, journal, producer, a, b, cluster, cassandra}) {
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
    void givenDepositsAndTradesFlowingWhenTheBrokerLeadingMostPartitionsDiesAndReturnsThenNothingIsLostOrDoubled() throws Exception {
        // given a cluster that run's durability check accepts, with the app's internal topics created by then
        assertDurabilityCheckPasses();
        // when the broker leading the most partitions dies and returns, under load (see survivesUnderLoad)
        // then nothing is lost or doubled
        survivesUnderLoad("most-leaders", 5001, () -> {
            int victim = leaderOfMostPartitions();
            return new Victim(victim, () -> { });
        });
    }

    @Test
    void givenDepositsAndTradesFlowingWhenTheNodeThatIsActiveControllerAndTransactionCoordinatorDiesThenNothingIsLostOrDoubled() throws Exception {
        // given a cluster that run's durability check accepts
        assertDurabilityCheckPasses();
        // and the active controller also leading the transaction state partition, so it coordinates every transaction of the app
        // (one partition: the cluster's transaction.state.log.num.partitions is 1)
        TopicPartition transactionState = new TopicPartition("__transaction_state", 0);
        // when that node dies and returns, under load
        // then the quorum elects another controller, another broker coordinates the transactions, and nothing is lost or doubled
        survivesUnderLoad("controller-and-coordinator", 7001, () -> {
            int controller = activeController();
            leadFrom(transactionState, controller);
            System.out.printf("ThreeBrokerClusterTest: node %d is the active controller and leads %s%n", controller, transactionState);
            return new Victim(controller, () -> {
                await().atMost(WITHIN).ignoreExceptions().until(() -> activeController() != controller);
                await().atMost(WITHIN).ignoreExceptions().until(() -> leaderOf(transactionState) != controller && leaderOf(transactionState) != -1);
                System.out.printf("ThreeBrokerClusterTest: node %d is the active controller now, node %d leads %s%n",
                        activeController(), leaderOf(transactionState), transactionState);
            });
        });
    }

    /** The node to kill, and what must have happened in the cluster while it is down. */
    private record Victim(int node, CheckedRunnable whileDown) {}

    @FunctionalInterface
    private interface CheckedRunnable {
        void run() throws Exception;
    }

    @FunctionalInterface
    private interface VictimChoice {
        Victim choose() throws Exception;
    }

    private static void assertDurabilityCheckPasses() throws Exception {
        try (Admin admin = cluster.admin()) {
            ClusterDurability.Report report = ClusterDurability.check(admin, TOPICS.all(), settings("a"));
            assertThat(report.findings()).as("durability findings").isEmpty();
            assertThat(report.streamsReplicationFactor()).isEqualTo(3);
        }
    }

    /**
     * The scenario of both cases: users of their own (from {@code firstUser}) funded, a steady flow
     * of deposits and trades, the chosen node killed once results flow, commands settled while it
     * is down, the node started again and back in every ISR, commands settled after; then exactly
     * one accepted result per command and balances equal to the model.
     */
    private void survivesUnderLoad(String tag, long firstUser, VictimChoice choice) throws Exception {
        // given users on every partition with 10 BTC and 100 000 USDT in SPOT
        List<Long> users = new ArrayList<>();
        Map<Integer, Integer> perPartition = new HashMap<>();
        for (long user = firstUser; users.size() < USERS_PER_PARTITION * PARTITIONS; user++) {
            if (perPartition.merge(UserPartitioner.partitionOf(user, PARTITIONS), 1, Integer::sum) <= USERS_PER_PARTITION) {
                users.add(user);
            }
        }
        Model model = new Model();
        List<String> seedKeys = new ArrayList<>();
        for (long user : users) {
            send(TOPICS.balanceOperations(), user, commands.deposit("s-btc-" + user, user, "BTC", FUNDED_BTC)).get();
            send(TOPICS.balanceOperations(), user, commands.deposit("s-usdt-" + user, user, "USDT", FUNDED_USDT)).get();
            seedKeys.addAll(List.of("DEPOSIT:" + user + ":s-btc-" + user, "DEPOSIT:" + user + ":s-usdt-" + user));
        }
        // (transfers only once the deposits are in: the two topics are not ordered against each other)
        awaitAccepted(seedKeys);
        for (long user : users) {
            send(TOPICS.transferRequests(), user, commands.transfer("s-tb-" + user, user, Wallet.FUNDING, Wallet.SPOT, "BTC", FUNDED_BTC)).get();
            send(TOPICS.transferRequests(), user, commands.transfer("s-tu-" + user, user, Wallet.FUNDING, Wallet.SPOT, "USDT", FUNDED_USDT)).get();
            seedKeys.addAll(List.of("INTERNAL_TRANSFER:" + user + ":s-tb-" + user, "INTERNAL_TRANSFER:" + user + ":s-tu-" + user));
            model.spot(user, BTC, FUNDED_BTC);
            model.spot(user, USDT, FUNDED_USDT);
        }
        awaitAccepted(seedKeys);

        // and a steady flow of deposits and trades (each well inside every balance, so each must be accepted),
        // with the arrival of every result and every answered balance lookup on either instance timed
        // (the FEES accounts before: the other case's trades may have paid fees already)
        Map<BalanceKey, Balance> before = Ledger.balances(List.of(a, b));
        Map<Integer, Long> feesBefore = new HashMap<>();
        for (int asset : List.of(BTC, USDT)) {
            Balance fees = before.get(new BalanceKey(BalanceKey.SYSTEM_OWNER, AccountType.FEES, asset));
            feesBefore.put(asset, fees == null ? 0 : fees.available());
        }
        Victim chosen = choice.choose();
        int victim = chosen.node();
        Load load = new Load(tag, users, model);
        load.start();
        try {
            await().atMost(WITHIN).until(() -> load.resultsArrived() >= 100);

            // when the node stops without handing its leaderships over
            int sentBeforeKill = load.sent();
            Instant killedAt = Instant.now();
            long killedAtNanos = System.nanoTime();
            cluster.kill(victim);
            assertThat(cluster.dataDir(victim).resolve(KafkaCluster.CLEAN_SHUTDOWN_FILE))
                    .as("a killed node leaves no clean-shutdown marker: its next start recovers its logs").doesNotExist();
            System.out.printf("ThreeBrokerClusterTest[%s]: killed node %d at %s, %d commands sent before%n",
                    tag, victim, killedAt, sentBeforeKill);
            chosen.whileDown().run();
            // then the next 200 commands, all sent after the kill, are settled while it is down
            await().atMost(WITHIN).until(() -> load.answeredBetween(sentBeforeKill, sentBeforeKill + 200) == 200);
            // and when it comes back it catches up as a follower of every partition
            cluster.restart(victim);
            Instant restartedAt = Instant.now();
            await().atMost(WITHIN).until(() -> underReplicatedPartitions() == 0);
            int sentAfterRestart = load.sent();
            // and 100 commands sent once it is back are settled too
            await().atMost(WITHIN).until(() -> load.answeredBetween(sentAfterRestart, sentAfterRestart + 100) == 100);
            System.out.printf("ThreeBrokerClusterTest[" + tag + "]: node %d down for %d ms, back in every ISR %d ms after its restart%n",
                    victim, Duration.between(killedAt, restartedAt).toMillis(), Duration.between(restartedAt, Instant.now()).toMillis());
            System.out.printf("ThreeBrokerClusterTest[%s]: latencies %s%n", tag, load.latencies(killedAtNanos));
        } finally {
            load.stop();
        }
        // (every send acknowledged or failed, so the model has taken every command the cluster has)
        producer.flush();

        // then every command sent gets exactly one result, and every one is accepted (every trade settled)
        List<String> loadKeys = load.keys();
        assertThat(load.failedSends()).as("sends the cluster did not acknowledge").isZero();
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, List<SettlementResult>> byKey = results.records().stream().collect(Collectors.groupingBy(ConsumerRecord::key,
                    Collectors.mapping(ConsumerRecord::value, Collectors.toList())));
            for (String key : loadKeys) {
                assertThat(byKey.get(key)).as("results of %s", key).hasSize(1);
            }
        });
        Map<String, List<SettlementResult>> byKey = results.records().stream().collect(Collectors.groupingBy(ConsumerRecord::key,
                Collectors.mapping(ConsumerRecord::value, Collectors.toList())));
        for (String key : seedKeys) {
            assertThat(byKey.get(key)).as("results of %s", key).hasSize(1);
        }
        for (String key : loadKeys) {
            assertThat(byKey.get(key).get(0).getStatus()).as("%s", byKey.get(key)).isEqualTo(ResultStatus.ACCEPTED);
        }
        List<String> tradeIds = loadKeys.stream().filter(k -> k.startsWith("TRADE:")).map(k -> k.substring("TRADE:".length())).toList();
        long trades = tradeIds.size();
        // How many depends on how long the node stays down; at least the 300 commands that must settle during and after the
        // outage are sent, half of them trades.
        assertThat(trades).as("trades in the load").isGreaterThanOrEqualTo(100);
        // and every trade has ended in the coordinator's store: SETTLED, no leg still waiting for its answer
        // (asked of instance b, which forwards to the owner when the trade is a's)
        for (String tradeId : tradeIds) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(b.httpUrl() + "/api/v1/trades/" + tradeId))
                    .header("Authorization", serviceAuthorization()).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as("%s: %s", tradeId, answer.body()).isEqualTo(200);
            JsonNode trade = JSON.readTree(answer.body());
            assertThat(trade.get("status").asText()).as("%s", trade).isEqualTo("SETTLED");
            trade.get("legs").properties().forEach(leg -> assertThat(leg.getValue().asText()).as("%s", trade).isNotEqualTo("SENT"));
        }
        // and the ledger's invariants hold over both instances' stores and the output topics
        await().atMost(WITHIN).untilAsserted(() -> Ledger.assertInvariants(List.of(a, b), results, journal));
        // and every balance equals the model of the commands: nothing lost, nothing applied twice
        Map<BalanceKey, Balance> balances = Ledger.balances(List.of(a, b));
        for (long user : users) {
            for (int asset : List.of(BTC, USDT)) {
                Balance funding = balances.getOrDefault(new BalanceKey(user, AccountType.FUNDING, asset), new Balance(0, 0, 0, 0));
                assertThat(funding.available()).as("FUNDING.available of %d asset %d", user, asset).isEqualTo(model.funding(user, asset));
                Balance spot = balances.get(new BalanceKey(user, AccountType.SPOT, asset));
                assertThat(spot.available()).as("SPOT.available of %d asset %d", user, asset).isEqualTo(model.spot(user, asset));
                assertThat(spot.frozen()).isZero();
                assertThat(spot.pending()).isZero();
            }
        }
        for (int asset : List.of(BTC, USDT)) {
            assertThat(balances.get(new BalanceKey(BalanceKey.SYSTEM_OWNER, AccountType.CLEARING, asset)).available())
                    .as("CLEARING of asset %d", asset).isZero();
            assertThat(balances.get(new BalanceKey(BalanceKey.SYSTEM_OWNER, AccountType.FEES, asset)).available())
                    .as("FEES of asset %d", asset).isEqualTo(feesBefore.get(asset) + model.fees(asset));
        }
        // and the TigerBeetle sink's ledger equals the stores: every journal entry mirrored once, across the outage
        await().atMost(WITHIN).untilAsserted(() -> {
            Reconciled reconciled = Reconciled.run(List.of("bootstrap.servers=" + cluster.allBootstrapServers(), "assets=" + ASSETS,
                    "tigerbeetle.addresses=" + ledger.address(), "tigerbeetle.request.timeout.ms=5000"));
            assertThat(reconciled.exitCode()).as(reconciled.out()).isEqualTo(ReconciliationPrinter.EXIT_AGREE);
            assertThat(reconciled.out()).contains(" 0 difference(s)");
        });
        // and the ScyllaDB sink's history ends where the stores are: each user's balances as of now, read from
        // ScyllaDB, equal the balances the stores answer (once the history is complete up to now)
        Instant settled = Instant.now();
        for (long user : users) {
            await().atMost(WITHIN).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(accounts(get(b, "/api/v1/users/" + user + "/balances?as_of=" + settled)))
                            .as("user %d's balances in ScyllaDB as of %s", user, settled)
                            .isEqualTo(accounts(get(b, "/api/v1/users/" + user + "/balances"))));
        }
        System.out.printf("ThreeBrokerClusterTest[" + tag + "]: %d commands (%d trades) under load; longest gap without a result %d ms,"
                        + " without an answered balance lookup on instance a %d ms, on b %d ms%n",
                loadKeys.size(), trades, load.longestResultGap().toMillis(), load.longestLookupGap(0).toMillis(),
                load.longestLookupGap(1).toMillis());
    }

    /** The node leading the most partitions of all topics, the cluster's own included. */
    private static int leaderOfMostPartitions() throws Exception {
        Map<Integer, Integer> led = new HashMap<>();
        for (TopicPartitionInfo partition : allPartitions()) {
            if (partition.leader() != null) {
                led.merge(partition.leader().id(), 1, Integer::sum);
            }
        }
        System.out.printf("ThreeBrokerClusterTest: partitions led per node %s%n", led);
        return led.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    private static int activeController() throws Exception {
        try (Admin admin = cluster.admin()) {
            return admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
        }
    }

    private static int leaderOf(TopicPartition partition) throws Exception {
        try (Admin admin = cluster.admin()) {
            TopicPartitionInfo info = admin.describeTopics(List.of(partition.topic())).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(partition.topic()).partitions().get(partition.partition());
            return info.leader() == null ? -1 : info.leader().id();
        }
    }

    /** Makes {@code node} the leader of {@code partition}: first in its replica list (same replicas), then a preferred election. */
    private static void leadFrom(TopicPartition partition, int node) throws Exception {
        if (leaderOf(partition) == node) {
            return;
        }
        try (Admin admin = cluster.admin()) {
            List<Integer> replicas = new ArrayList<>(admin.describeTopics(List.of(partition.topic())).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(partition.topic()).partitions().get(partition.partition()).replicas().stream().map(n -> n.id()).toList());
            replicas.remove(Integer.valueOf(node));
            replicas.add(0, node);
            admin.alterPartitionReassignments(Map.of(partition, Optional.of(new NewPartitionReassignment(replicas)))).all().get(30, TimeUnit.SECONDS);
            await().atMost(WITHIN).until(() -> admin.listPartitionReassignments().reassignments().get(30, TimeUnit.SECONDS).isEmpty());
            await().atMost(WITHIN).ignoreExceptions().untilAsserted(() -> {
                admin.electLeaders(ElectionType.PREFERRED, Set.of(partition)).all().get(30, TimeUnit.SECONDS);
                assertThat(leaderOf(partition)).isEqualTo(node);
            });
        }
    }

    private static long underReplicatedPartitions() throws Exception {
        return allPartitions().stream().filter(p -> p.isr().size() < p.replicas().size()).count();
    }

    private static List<TopicPartitionInfo> allPartitions() throws Exception {
        try (Admin admin = cluster.admin()) {
            var names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS);
            List<TopicPartitionInfo> partitions = new ArrayList<>();
            for (TopicDescription description : admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
                partitions.addAll(description.partitions());
            }
            return partitions;
        }
    }

    private void awaitAccepted(List<String> keys) {
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Map<String, SettlementResult> first = new HashMap<>();
            results.records().forEach(r -> first.putIfAbsent(r.key(), r.value()));
            for (String key : keys) {
                assertThat(first.get(key)).as("result of %s", key).isNotNull();
                assertThat(first.get(key).getStatus()).as("%s", first.get(key)).isEqualTo(ResultStatus.ACCEPTED);
            }
        });
    }

    private static <V> Future<RecordMetadata> send(Topic<Long, V> topic, long userId, V value) {
        return producer.send(new ProducerRecord<>(topic.name(), UserPartitioner.partitionOf(userId, PARTITIONS),
                topic.keySerde().serializer().serialize(topic.name(), userId), topic.valueSerde().serializer().serialize(topic.name(), value)));
    }

    private static void sendTrade(Trade trade, Callback callback) {
        Topic<Bytes, Trade> topic = TOPICS.trades();
        producer.send(new ProducerRecord<>(topic.name(), trade.getSymbol().getBytes(StandardCharsets.UTF_8),
                topic.valueSerde().serializer().serialize(topic.name(), trade)), callback);
    }

    /** A lookup's answer, which must be 200. */
    private JsonNode get(SettlementApp instance, String path) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(instance.httpUrl() + path))
                .header("Authorization", serviceAuthorization()).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("%s: %s", path, answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    /** Each account of a balances answer by wallet and asset: its buckets and seq. */
    private static Map<String, String> accounts(JsonNode answer) {
        Map<String, String> accounts = new HashMap<>();
        answer.get("balances").forEach(balance -> accounts.put(balance.get("wallet").asText() + " " + balance.get("asset").asText(),
                balance.get("available").asText() + " / " + balance.get("frozen").asText() + " / " + balance.get("pending").asText()
                        + " seq " + balance.get("seq").asText()));
        return accounts;
    }

    private String serviceAuthorization() throws Exception {
        byte[] secret = DevKey.read(DevKey.ensure(dir));
        return "Bearer " + new TokenMinter(secret, AppSettings.DEV_ISSUER, "settlement-api").service("test-service", Duration.ofHours(1));
    }

    /**
     * The flow under test: every tick a deposit into some user's FUNDING and a trade between two
     * users' SPOT; the model takes each once the cluster acknowledged it. Alongside, the arrival
     * of results is timed, and a balance lookup is asked of each instance in turn.
     */
    private final class Load {
        private final String tag;
        private final List<Long> users;
        private final Model model;
        private final Random random = new Random(20261207);
        private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(4);
        /** Result key of each command, in the order sent. */
        private final List<String> sentKeys = new ArrayList<>();
        private final AtomicInteger failed = new AtomicInteger();
        private final ConcurrentLinkedQueue<Long> resultArrivals = new ConcurrentLinkedQueue<>();
        private final Map<Integer, ConcurrentLinkedQueue<Long>> lookupAnswers = new ConcurrentHashMap<>();
        /** When each command was sent, and when its result was first seen (System.nanoTime). */
        private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
        private final Map<String, Long> answeredAt = new ConcurrentHashMap<>();
        private volatile int seen;
        private int tick;

        Load(String tag, List<Long> users, Model model) {
            this.tag = tag;
            this.users = users;
            this.model = model;
        }

        void start() {
            scheduler.scheduleAtFixedRate(this::sendTick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
            scheduler.scheduleWithFixedDelay(this::watchResults, 0, 100, TimeUnit.MILLISECONDS);
            scheduler.scheduleWithFixedDelay(() -> lookup(0, a), 0, 100, TimeUnit.MILLISECONDS);
            scheduler.scheduleWithFixedDelay(() -> lookup(1, b), 0, 100, TimeUnit.MILLISECONDS);
        }

        void stop() throws InterruptedException {
            scheduler.shutdown();
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        }

        private void sendTick() {
            int i;
            long depositor;
            long buyer;
            long seller;
            long amount;
            long base;
            long quote;
            synchronized (this) {
                i = tick++;
                depositor = users.get(random.nextInt(users.size()));
                buyer = users.get(random.nextInt(users.size()));
                seller = users.get(random.nextInt(users.size()));
                amount = 1 + random.nextInt(1_000_000);
                base = 1_000 + random.nextInt(100_000);              // up to 0.001 BTC
                quote = 1_000 + random.nextInt(10_000000);           // up to 10 USDT
                long now = System.nanoTime();
                for (String key : List.of("DEPOSIT:" + depositor + ":" + tag + "-d-" + i, "TRADE:" + tag + "-t-" + i)) {
                    sentKeys.add(key);
                    sentAt.put(key, now);
                }
            }
            String asset = i % 2 == 0 ? "BTC" : "USDT";
            // the model takes a command once the cluster acknowledged it; a failed send is counted (and fails the test)
            Topic<Long, BalanceOperation> operations = TOPICS.balanceOperations();
            producer.send(new ProducerRecord<>(operations.name(), UserPartitioner.partitionOf(depositor, PARTITIONS),
                    operations.keySerde().serializer().serialize(operations.name(), depositor),
                    operations.valueSerde().serializer().serialize(operations.name(), commands.deposit(tag + "-d-" + i, depositor, asset, amount))),
                    (metadata, error) -> {
                        if (error != null) {
                            failed.incrementAndGet();
                        } else {
                            model.deposit(depositor, i % 2 == 0 ? BTC : USDT, amount);
                        }
                    });
            long buyerFee = i % 3 == 0 ? 0 : base / 1000;
            long sellerFee = i % 3 == 0 ? 0 : quote / 1000;
            Trade trade = new Trade(tag + "-t-" + i, "BTCUSDT", "BTC", "USDT", base, quote, new TradeParty(buyer, null, buyerFee),
                    new TradeParty(seller, null, sellerFee), Instant.now());
            sendTrade(trade, (metadata, error) -> {
                if (error != null) {
                    failed.incrementAndGet();
                } else {
                    model.trade(trade);
                }
            });
        }

        private void watchResults() {
            try {
                List<ConsumerRecord<String, SettlementResult>> all = results.records();
                if (all.size() > seen) {
                    long now = System.nanoTime();
                    resultArrivals.add(now);
                    for (int r = seen; r < all.size(); r++) {
                        answeredAt.putIfAbsent(all.get(r).key(), now);
                    }
                    seen = all.size();
                }
            } catch (RuntimeException e) {
                // the tail retries on its next poll
            }
        }

        private void lookup(int instance, SettlementApp app) {
            long user = users.get((int) Math.floorMod(System.nanoTime(), (long) users.size()));
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(app.httpUrl() + "/api/v1/users/" + user + "/balances"))
                        .header("Authorization", serviceAuthorization()).timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    lookupAnswers.computeIfAbsent(instance, k -> new ConcurrentLinkedQueue<>()).add(System.nanoTime());
                }
            } catch (Exception e) {
                // an unanswered lookup: the gap measure shows it
            }
        }

        synchronized int sent() {
            return sentKeys.size();
        }

        synchronized List<String> keys() {
            return List.copyOf(sentKeys);
        }

        int failedSends() {
            return failed.get();
        }

        int resultsArrived() {
            return (int) answeredAt.keySet().stream().filter(k -> k.startsWith("TRADE:" + tag + "-t-") || k.contains(":" + tag + "-d-")).count();
        }

        /** How many of the commands sent {@code from} (inclusive) {@code to} (exclusive) have a result; fewer while not all are sent yet. */
        int answeredBetween(int from, int to) {
            List<String> keys = keys();
            return (int) keys.subList(Math.min(from, keys.size()), Math.min(to, keys.size())).stream().filter(answeredAt::containsKey).count();
        }

        /**
         * Each command's latency from its send to its result: median and slowest, and the same for
         * the commands sent in each 10 s from {@code killedAtNanos} (negative: before the kill).
         */
        String latencies(long killedAtNanos) {
            Map<Long, List<Long>> bySendWindow = new TreeMap<>();
            List<Long> all = new ArrayList<>();
            sentAt.forEach((key, sent) -> {
                Long answered = answeredAt.get(key);
                if (answered != null) {
                    long millis = (answered - sent) / 1_000_000;
                    all.add(millis);
                    bySendWindow.computeIfAbsent(10 * Math.floorDiv((sent - killedAtNanos) / 1_000_000, 10_000L), w -> new ArrayList<>()).add(millis);
                }
            });
            StringBuilder text = new StringBuilder(medianAndMax(all));
            bySendWindow.forEach((window, millis) -> text.append(String.format("; sent %+d s: %s", window, medianAndMax(millis))));
            return text.toString();
        }

        private static String medianAndMax(List<Long> millis) {
            if (millis.isEmpty()) {
                return "none answered";
            }
            List<Long> sorted = millis.stream().sorted().toList();
            return String.format("%d answered, p50 %d ms, max %d ms", sorted.size(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
        }

        Duration longestResultGap() {
            return longestGap(resultArrivals);
        }

        Duration longestLookupGap(int instance) {
            return longestGap(lookupAnswers.getOrDefault(instance, new ConcurrentLinkedQueue<>()));
        }

        private Duration longestGap(ConcurrentLinkedQueue<Long> instants) {
            long longest = 0;
            Long previous = null;
            for (long at : instants) {
                if (previous != null) {
                    longest = Math.max(longest, at - previous);
                }
                previous = at;
            }
            return Duration.ofNanos(longest);
        }
    }

    /** What the commands imply for each user's FUNDING and SPOT, and for the FEES accounts, booked in a reference ledger. */
    private static final class Model {
        private final ReferenceLedger ledger = ReferenceLedger.unchecked();

        void spot(long user, int asset, long amount) {
            ledger.addAvailable(user, "SPOT", String.valueOf(asset), amount);
        }

        void deposit(long user, int asset, long amount) {
            ledger.addAvailable(user, "FUNDING", String.valueOf(asset), amount);
        }

        void trade(Trade trade) {
            long buyer = trade.getBuyer().getUserId();
            long seller = trade.getSeller().getUserId();
            spot(buyer, USDT, -trade.getQuoteQty());
            spot(seller, BTC, -trade.getBaseQty());
            spot(buyer, BTC, trade.getBaseQty() - trade.getBuyer().getFee());
            spot(seller, USDT, trade.getQuoteQty() - trade.getSeller().getFee());
            ledger.addSystem("FEES", String.valueOf(BTC), trade.getBuyer().getFee());
            ledger.addSystem("FEES", String.valueOf(USDT), trade.getSeller().getFee());
        }

        long funding(long user, int asset) {
            return ledger.available(user, "FUNDING", String.valueOf(asset));
        }

        long spot(long user, int asset) {
            return ledger.available(user, "SPOT", String.valueOf(asset));
        }

        long fees(int asset) {
            return ledger.system("FEES", String.valueOf(asset));
        }
    }
}
