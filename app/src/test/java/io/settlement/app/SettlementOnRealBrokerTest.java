package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settlement.avro.AccountType;
import io.settlement.avro.BalanceEvent;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.contract.BalanceEvents;
import io.settlement.contract.Topic;
import io.settlement.contract.UserPartitioner;
import io.settlement.topology.DeadLetterHeaders;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import io.settlement.topology.testkit.Commands;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.zip.CRC32;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The app as {@code dev} and {@code run} start it ({@link SettlementApp#start}), on a real
 * single-node broker: commands in, results and the journal (with the balances each entry left) out; the partition guard
 * on records a producer placed itself (the partitioning rule); unreadable records; the {@code produce} tool;
 * and a restart on the same state directory. Every scenario ends with the invariants
 * (docs/topology.md) over the instance's stores and the output topics.
 */
class SettlementOnRealBrokerTest {
    private static final Duration SETTLED_WITHIN = Duration.ofSeconds(60);
    private static final long BTC = 100_000_000L;
    private static final int PARTITIONS = RealBroker.PARTITIONS;

    private static RealBroker kafka;
    private static SettlementApp app;
    private static KafkaProducer<byte[], byte[]> producer;
    private static TopicTail<String, SettlementResult> results;
    private static TopicTail<Long, JournalEntry> journal;
    private static TopicTail<byte[], byte[]> deadLetters;

    private final Commands commands = new Commands(Instant::now);

    @BeforeAll
    static void startBrokerAndApp() {
        kafka = RealBroker.startWithTopics("settlement-app");
        app = SettlementApp.start(kafka.instanceSettings("instance-a", Map.of()));
        producer = kafka.producer();
        results = kafka.tail(kafka.topics.results());
        journal = kafka.tail(kafka.topics.journal());
        deadLetters = kafka.tail(kafka.topics.deadLetters());
        awaitRunning(app);
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable closeable : new AutoCloseable[] {results, journal, deadLetters, producer, app, kafka}) {
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
        awaitRunning(app);
        // The stores run ahead of what read_committed consumers see by up to one commit interval.
        await().atMost(SETTLED_WITHIN).untilAsserted(() -> Ledger.assertInvariants(List.of(app), results, journal));
    }

    @Test
    void depositsAndTransfersSettleIntoResultsJournalAndBalanceEvents() {
        // given users on every partition
        List<Long> users = usersOnEveryPartition(101, 2);

        // when each deposits 1 BTC, moves a quarter to SPOT, and tries to move 2 BTC more
        for (long user : users) {
            send(kafka.topics.balanceOperations(), user, commands.deposit("dep-" + user, user, "BTC", BTC));
            send(kafka.topics.transferRequests(), user, commands.transfer("tr-" + user, user, Wallet.FUNDING, Wallet.SPOT, "BTC", BTC / 4));
            send(kafka.topics.transferRequests(), user, commands.transfer("big-" + user, user, Wallet.FUNDING, Wallet.SPOT, "BTC", 2 * BTC));
        }

        // then every command has its one result
        Map<String, SettlementResult> settled = awaitResults(users.stream()
                .flatMap(u -> List.of("DEPOSIT:" + u + ":dep-" + u, "INTERNAL_TRANSFER:" + u + ":tr-" + u, "INTERNAL_TRANSFER:" + u + ":big-" + u).stream())
                .toList());
        for (long user : users) {
            assertThat(settled.get("DEPOSIT:" + user + ":dep-" + user).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
            assertThat(settled.get("INTERNAL_TRANSFER:" + user + ":tr-" + user).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
            assertThat(settled.get("INTERNAL_TRANSFER:" + user + ":big-" + user).getReason()).isEqualTo(Reason.INSUFFICIENT_AVAILABLE);
        }
        // and the journal holds one balanced entry per accepted command, keyed by its user
        Map<String, ConsumerRecord<Long, JournalEntry>> entries = new HashMap<>();
        await().atMost(SETTLED_WITHIN).untilAsserted(() -> {
            journal.records().forEach(r -> entries.put(r.value().getEntryId(), r));
            assertThat(entries).containsKeys("DEPOSIT:101:dep-101", "INTERNAL_TRANSFER:101:tr-101");
        });
        assertThat(entries.get("DEPOSIT:101:dep-101").key()).isEqualTo(101L);
        assertThat(entries.get("DEPOSIT:101:dep-101").value().getPostings()).singleElement()
                .satisfies(posting -> assertThat(posting.getAmount()).isEqualTo(BTC));
        assertThat(entries.keySet()).doesNotContain("INTERNAL_TRANSFER:101:big-101");
        // and the balance events end at the stores' balances
        await().atMost(SETTLED_WITHIN).untilAsserted(() -> {
            BalanceEvent spot = latestEvent(101, Wallet.SPOT, "BTC");
            assertThat(spot).isNotNull();
            assertThat(spot.getAvailable()).isEqualTo(BTC / 4);
        });
        assertThat(latestEvent(101, Wallet.FUNDING, "BTC").getAvailable()).isEqualTo(3 * BTC / 4);
    }

    @Test
    void healthSaysBothSinksAreOffAndHistoryIsUnavailableWhenNoDatabaseIsConfigured() throws Exception {
        // given the instance with dev's sink settings: no scylla.contact.points, no tigerbeetle.addresses
        // when
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(app.httpUrl() + "/health"))
                        .timeout(Duration.ofSeconds(10)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());

        // then both sinks are OFF, healthy, and the service is UP
        com.fasterxml.jackson.databind.JsonNode health = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(health.get("status").asText()).isEqualTo("UP");
        assertThat(health.get("components").get("scylla-sink").get("healthy").asBoolean()).isTrue();
        assertThat(health.get("components").get("scylla-sink").get("detail").asText())
                .isEqualTo("OFF: not configured (scylla.contact.points is empty)");
        assertThat(health.get("components").get("tigerbeetle-sink").get("detail").asText())
                .isEqualTo("OFF: not configured (tigerbeetle.addresses is empty)");
        // and the history routes, which read the ScyllaDB sink's tables, say there is no history store
        java.net.http.HttpResponse<String> ledger = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(app.httpUrl() + "/api/v1/users/42/ledger?asset=BTC")).header("Authorization", kafka.serviceAuthorization())
                        .timeout(Duration.ofSeconds(10)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(ledger.statusCode()).isEqualTo(503);
        assertThat(ledger.body()).contains("HISTORY_UNAVAILABLE").contains("the ScyllaDB sink is off");
    }

    @Test
    void recordOnTheWrongPartitionIsRejectedDeadLetteredAndChangesNoBalance() {
        // given a user with a balance
        long user = 201;
        int home = UserPartitioner.partitionOf(user, PARTITIONS);
        send(kafka.topics.balanceOperations(), user, commands.deposit("dep-201", user, "BTC", BTC));
        awaitResults(List.of("DEPOSIT:201:dep-201"));
        Map<BalanceKey, Balance> before = Ledger.userBalances(List.of(app), user);

        // when a producer places a deposit and a transfer of that user on another partition
        int wrong = (home + 1) % PARTITIONS;
        sendTo(kafka.topics.balanceOperations(), user, commands.deposit("stray-201", user, "BTC", 5 * BTC), wrong);
        sendTo(kafka.topics.transferRequests(), user,
                commands.transfer("stray-tr-201", user, Wallet.FUNDING, Wallet.SPOT, "BTC", BTC), wrong);

        // then both are rejected WRONG_PARTITION
        Map<String, SettlementResult> settled = awaitResults(List.of("DEPOSIT:201:stray-201", "INTERNAL_TRANSFER:201:stray-tr-201"));
        assertThat(settled.values()).allSatisfy(result -> {
            assertThat(result.getStatus()).isEqualTo(ResultStatus.REJECTED);
            assertThat(result.getReason()).isEqualTo(Reason.WRONG_PARTITION);
        });
        // and both are dead-lettered, saying where they belong
        await().atMost(SETTLED_WITHIN).untilAsserted(() -> assertThat(deadLetters.records().stream()
                .filter(r -> "WRONG_PARTITION".equals(header(r, DeadLetterHeaders.REASON)))
                .filter(r -> java.util.Arrays.equals(r.key(), UserPartitioner.keyBytes(user))))
                .hasSize(2)
                .allSatisfy(r -> {
                    assertThat(header(r, DeadLetterHeaders.EXPECTED_PARTITION)).isEqualTo(Integer.toString(home));
                    assertThat(header(r, DeadLetterHeaders.PARTITION)).isEqualTo(Integer.toString(wrong));
                }));
        // and the user's balances did not move
        assertThat(Ledger.userBalances(List.of(app), user)).isEqualTo(before);
    }

    @Test
    void recordsPlacedByAnIndependentMurmur2PartitionerAreSettled() {
        // given users placed the way librdkafka's partitioner=murmur2_random places a keyed record
        List<Long> users = LongStream.rangeClosed(301, 340).boxed().toList();
        for (long user : users) {
            int partition = LibrdkafkaPartitioners.murmur2Random(UserPartitioner.keyBytes(user), PARTITIONS);
            sendTo(kafka.topics.balanceOperations(), user, commands.deposit("m2-" + user, user, "USDT", 1_000_000), partition);
        }

        // then every deposit is accepted
        Map<String, SettlementResult> settled = awaitResults(users.stream().map(u -> "DEPOSIT:" + u + ":m2-" + u).toList());
        assertThat(settled.values()).extracting(SettlementResult::getStatus).containsOnly(ResultStatus.ACCEPTED);
        assertThat(Ledger.userBalances(List.of(app), 301).get(new BalanceKey(301, AccountType.FUNDING, 2)).available())
                .isEqualTo(1_000_000);
    }

    @Test
    void recordsPlacedByLibrdkafkasDefaultCrc32PartitionerAreRejectedWhereTheyDisagree() {
        // given users whose CRC32 partition (librdkafka's default consistent_random) differs from murmur2's
        List<Long> misplaced = new ArrayList<>();
        List<Long> agreeing = new ArrayList<>();
        for (long user = 401; user <= 420; user++) {
            byte[] key = UserPartitioner.keyBytes(user);
            (LibrdkafkaPartitioners.consistentRandom(key, PARTITIONS) == UserPartitioner.partitionOf(key, PARTITIONS)
                    ? agreeing : misplaced).add(user);
        }
        assertThat(misplaced).isNotEmpty();

        // when a librdkafka client with default settings sends their deposits
        for (long user = 401; user <= 420; user++) {
            int partition = LibrdkafkaPartitioners.consistentRandom(UserPartitioner.keyBytes(user), PARTITIONS);
            sendTo(kafka.topics.balanceOperations(), user, commands.deposit("crc-" + user, user, "ETH", 1_000), partition);
        }

        // then exactly the misplaced ones are rejected, and only the others hold ETH
        Map<String, SettlementResult> settled = awaitResults(LongStream.rangeClosed(401, 420).mapToObj(u -> "DEPOSIT:" + u + ":crc-" + u).toList());
        misplaced.forEach(u -> assertThat(settled.get("DEPOSIT:" + u + ":crc-" + u).getReason()).isEqualTo(Reason.WRONG_PARTITION));
        agreeing.forEach(u -> assertThat(settled.get("DEPOSIT:" + u + ":crc-" + u).getStatus()).isEqualTo(ResultStatus.ACCEPTED));
        misplaced.forEach(u -> assertThat(Ledger.userBalances(List.of(app), u)).isEmpty());
    }

    @Test
    void unreadableRecordIsDeadLetteredAndTheCommandsBehindItSettle() throws Exception {
        // given a record that is not Avro on the user's own partition
        long user = 501;
        byte[] key = UserPartitioner.keyBytes(user);
        producer.send(new ProducerRecord<>(kafka.topics.balanceOperations().name(), UserPartitioner.partitionOf(key, PARTITIONS),
                key, "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8))).get();

        // when a valid command follows it
        send(kafka.topics.balanceOperations(), user, commands.deposit("after-garbage-501", user, "BTC", BTC));

        // then the garbage is in the dead-letter topic with the error, and the command settled
        assertThat(awaitResults(List.of("DEPOSIT:501:after-garbage-501")).get("DEPOSIT:501:after-garbage-501").getStatus())
                .isEqualTo(ResultStatus.ACCEPTED);
        await().atMost(SETTLED_WITHIN).untilAsserted(() -> assertThat(deadLetters.records())
                .anySatisfy(r -> {
                    assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("{\"not\":\"avro\"}");
                    assertThat(header(r, DeadLetterHeaders.EXCEPTION)).contains("SerializationException");
                }));
    }

    @Test
    void produceToolPublishesGoodLinesAndReportsBadOnesWithTheirLineNumbers() throws Exception {
        // given JSON lines, some of them broken
        Path file = kafka.dir.resolve("commands.jsonl");
        Files.writeString(file, String.join("\n",
                "# user 601 deposits and moves funds to SPOT",
                "{\"type\":\"Deposit\",\"command_id\":\"p-dep-601\",\"user_id\":601,\"asset\":\"BTC\",\"amount\":100000000}",
                "{\"type\":\"Deposit\",\"command_id\":\"p-bad-1\",\"user_id\":601,\"asset\":\"BTC\",\"amount\":0.5}",
                "{\"type\":\"InternalTransfer\",\"request_id\":\"p-tr-601\",\"user_id\":601,\"from_wallet\":\"FUNDING\","
                        + "\"to_wallet\":\"SPOT\",\"asset\":\"BTC\",\"amount\":40000000}",
                "this is not json",
                "{\"type\":\"DepositInitiated\",\"command_id\":\"p-di-602\",\"user_id\":602,\"deposit_id\":\"chain-9\","
                        + "\"asset\":\"USDT\",\"amount\":5000000}",
                "{\"type\":\"Withdraw\",\"command_id\":\"p-bad-2\",\"user_id\":602}",
                "{\"type\":\"DepositConfirmed\",\"command_id\":\"p-dc-602\",\"user_id\":602,\"deposit_id\":\"chain-9\"}",
                ""));

        // when the produce command publishes it
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SettlementCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute("produce", "--set", "bootstrap.servers=" + kafka.bootstrapServers(), file.toString());

        // then the bad lines are reported by number, and the run fails without stopping at them
        assertThat(exitCode).isEqualTo(SettlementCli.EXIT_FAILED);
        assertThat(err.toString()).contains("line 3: \"amount\" must be an integer")
                .contains("line 5: not JSON")
                .contains("line 7: unknown type \"Withdraw\"");
        assertThat(out.toString()).contains("produce: 4 sent, 3 failed");
        // and the good lines settle as the commands they describe
        Map<String, SettlementResult> settled = awaitResults(
                List.of("DEPOSIT:601:p-dep-601", "INTERNAL_TRANSFER:601:p-tr-601", "DEPOSIT_INITIATED:602:p-di-602", "DEPOSIT_CONFIRMED:602:p-dc-602"));
        assertThat(settled.values()).extracting(SettlementResult::getStatus).containsOnly(ResultStatus.ACCEPTED);
        assertThat(Ledger.userBalances(List.of(app), 601).get(new BalanceKey(601, AccountType.SPOT, 1)).available())
                .isEqualTo(40_000_000);
        assertThat(Ledger.userBalances(List.of(app), 602).get(new BalanceKey(602, AccountType.FUNDING, 2)))
                .isEqualTo(new Balance(5_000_000, 0, 0, 2));
    }

    @Test
    void instanceClosedWithoutCleanupAndStartedAgainKeepsBalancesAndGivesNoCommandASecondResult() {
        // given settled commands of users on every partition
        List<Long> users = usersOnEveryPartition(701, 2);
        List<BalanceOperation> deposits = new ArrayList<>();
        List<TransferRequest> transfers = new ArrayList<>();
        for (long user : users) {
            deposits.add(commands.deposit("r-dep-" + user, user, "BTC", 3 * BTC));
            transfers.add(commands.transfer("r-tr-" + user, user, Wallet.FUNDING, Wallet.SPOT, "BTC", BTC));
        }
        deposits.forEach(d -> send(kafka.topics.balanceOperations(), d.getUserId(), d));
        transfers.forEach(t -> send(kafka.topics.transferRequests(), t.getUserId(), t));
        List<String> firstKeys = users.stream().flatMap(u -> List.of("DEPOSIT:" + u + ":r-dep-" + u, "INTERNAL_TRANSFER:" + u + ":r-tr-" + u).stream()).toList();
        Map<String, SettlementResult> firstResults = awaitResults(firstKeys);
        Map<BalanceKey, Balance> before = Ledger.balances(List.of(app));

        // when the instance is closed (local state kept), the producers retry everything while it is down,
        // and it starts again on the same state directory
        AppSettings settings = app.settings();
        app.close();
        deposits.forEach(d -> send(kafka.topics.balanceOperations(), d.getUserId(), d));
        transfers.forEach(t -> send(kafka.topics.transferRequests(), t.getUserId(), t));
        send(kafka.topics.transferRequests(), 701L, commands.transfer("r-after-701", 701, Wallet.FUNDING, Wallet.SPOT, "BTC", BTC));
        app = SettlementApp.start(settings);
        awaitRunning(app);

        // then the retries got the identical first results and changed nothing; the new command applied once
        awaitResults(List.of("INTERNAL_TRANSFER:701:r-after-701"));
        await().atMost(SETTLED_WITHIN).untilAsserted(() -> {
            Map<String, List<SettlementResult>> all = resultsByKey();
            for (String key : firstKeys) {
                assertThat(all.get(key)).as("results of %s", key).hasSize(2).containsOnly(firstResults.get(key));
            }
        });
        Map<BalanceKey, Balance> after = Ledger.balances(List.of(app));
        BalanceKey funding701 = new BalanceKey(701, AccountType.FUNDING, 1);
        BalanceKey spot701 = new BalanceKey(701, AccountType.SPOT, 1);
        assertThat(after.get(funding701).available()).isEqualTo(before.get(funding701).available() - BTC);
        assertThat(after.get(spot701).available()).isEqualTo(before.get(spot701).available() + BTC);
        Map<BalanceKey, Balance> untouched = new HashMap<>(after);
        untouched.keySet().removeIf(key -> key.ownerId() == 701 || key.ownerId() == BalanceKey.SYSTEM_OWNER);
        Map<BalanceKey, Balance> untouchedBefore = new HashMap<>(before);
        untouchedBefore.keySet().removeIf(key -> key.ownerId() == 701 || key.ownerId() == BalanceKey.SYSTEM_OWNER);
        assertThat(untouched).isEqualTo(untouchedBefore);
        // and every status is still the first result
        firstKeys.forEach(key -> assertThat(status(key)).isEqualTo(firstResults.get(key)));
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** Users from {@code first} on, {@code perPartition} of them on each partition. */
    private static List<Long> usersOnEveryPartition(long first, int perPartition) {
        Map<Integer, Integer> counts = new HashMap<>();
        List<Long> users = new ArrayList<>();
        for (long user = first; users.size() < perPartition * PARTITIONS; user++) {
            if (counts.merge(UserPartitioner.partitionOf(user, PARTITIONS), 1, Integer::sum) <= perPartition) {
                users.add(user);
            }
        }
        return users;
    }

    private static <V> void send(Topic<Long, V> topic, long userId, V value) {
        sendTo(topic, userId, value, UserPartitioner.partitionOf(userId, PARTITIONS));
    }

    private static <V> void sendTo(Topic<Long, V> topic, long userId, V value, int partition) {
        try {
            producer.send(new ProducerRecord<>(topic.name(), partition, topic.keySerde().serializer().serialize(topic.name(), userId),
                    topic.valueSerde().serializer().serialize(topic.name(), value))).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic.name(), e);
        }
    }

    private static Map<String, List<SettlementResult>> resultsByKey() {
        return results.records().stream().collect(Collectors.groupingBy(ConsumerRecord::key,
                Collectors.mapping(ConsumerRecord::value, Collectors.toList())));
    }

    /** Waits until every key has a result; returns the first result of each. */
    private static Map<String, SettlementResult> awaitResults(List<String> keys) {
        Map<String, SettlementResult> first = new HashMap<>();
        await().atMost(SETTLED_WITHIN).untilAsserted(() -> {
            Map<String, List<SettlementResult>> all = resultsByKey();
            assertThat(all).containsKeys(keys.toArray(String[]::new));
            keys.forEach(key -> first.put(key, all.get(key).get(0)));
        });
        return first;
    }

    private static BalanceEvent latestEvent(long user, Wallet wallet, String asset) {
        return journal.values().stream().flatMap(entry -> BalanceEvents.of(entry).stream())
                .filter(e -> e.getUserId() == user && e.getWallet() == wallet && e.getAsset().equals(asset))
                .reduce((a, b) -> a.getSeq() >= b.getSeq() ? a : b).orElse(null);
    }

    /** A command's status as lookups read it: its first result, kept in the commands store of its user's partition. */
    private static SettlementResult status(String key) {
        String[] parts = key.split(":", 3);
        io.settlement.topology.balance.RememberedCommand remembered = app.streams().store(org.apache.kafka.streams.StoreQueryParameters.fromNameAndType(
                io.settlement.topology.StoreNames.COMMANDS,
                org.apache.kafka.streams.state.QueryableStoreTypes.<String, io.settlement.topology.balance.RememberedCommand>keyValueStore())).get(key);
        return remembered == null ? null : io.settlement.topology.status.CommandStatuses.ofCommand(remembered,
                io.settlement.avro.CommandKind.valueOf(parts[0]), Long.parseLong(parts[1]), parts[2]);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    static void awaitRunning(SettlementApp instance) {
        await().atMost(Duration.ofSeconds(120)).until(() -> instance.health().isRunning());
    }

    /** librdkafka's keyed partitioners, written from its C source (rdmurmur2.c, rdcrc32, rdkafka_msg.c). */
    static final class LibrdkafkaPartitioners {
        private LibrdkafkaPartitioners() {}

        /** {@code partitioner=murmur2_random}: the Java-compatible one. */
        static int murmur2Random(byte[] key, int partitions) {
            return (murmur2(key) & 0x7fffffff) % partitions;
        }

        /** {@code partitioner=consistent_random}, librdkafka's default: CRC32 of the key. */
        static int consistentRandom(byte[] key, int partitions) {
            CRC32 crc = new CRC32();
            crc.update(key);
            return (int) (crc.getValue() % partitions);
        }

        /** rd_murmur2: MurmurHash2 with seed 0x9747b28c, little-endian 4-byte blocks, as Kafka's Java client. */
        private static int murmur2(byte[] data) {
            final int m = 0x5bd1e995;
            final int r = 24;
            int length = data.length;
            int h = 0x9747b28c ^ length;
            int i = 0;
            for (; length - i >= 4; i += 4) {
                int k = (data[i] & 0xff) | (data[i + 1] & 0xff) << 8 | (data[i + 2] & 0xff) << 16 | (data[i + 3] & 0xff) << 24;
                k *= m;
                k ^= k >>> r;
                k *= m;
                h *= m;
                h ^= k;
            }
            switch (length - i) {
                case 3:
                    h ^= (data[i + 2] & 0xff) << 16;
                    // fall through
                case 2:
                    h ^= (data[i + 1] & 0xff) << 8;
                    // fall through
                case 1:
                    h ^= data[i] & 0xff;
                    h *= m;
                    break;
                default:
                    break;
            }
            h ^= h >>> 13;
            h *= m;
            h ^= h >>> 15;
            return h;
        }
    }
}
