package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.tigerbeetle.AccountBatch;
import com.tigerbeetle.TransferBatch;
import io.settlement.avro.AccountType;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.Bucket;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.avro.Wallet;
import io.settlement.contract.Topic;
import io.settlement.contract.UserPartitioner;
import io.settlement.sink.tigerbeetle.LedgerAccount;
import io.settlement.sink.tigerbeetle.LedgerAccountKey;
import io.settlement.sink.tigerbeetle.LedgerId;
import io.settlement.sink.tigerbeetle.LedgerMapping;
import io.settlement.sink.tigerbeetle.reconcile.ReconciliationPrinter;
import io.settlement.sink.tigerbeetle.TigerBeetleLedgerClient;
import io.settlement.sink.tigerbeetle.TigerBeetleConfig;
import io.settlement.sink.tigerbeetle.TigerBeetleSink;
import io.settlement.sink.tigerbeetle.server.RealTigerBeetle;
import io.settlement.testsupport.TigerBeetleProcess;
import io.settlement.topology.testkit.Commands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * End to end with the real TigerBeetle server: commands through the real topology on the
 * in-process broker, the journal mirrored by the app's TigerBeetle sink, and {@code settlement
 * reconcile} comparing the stores with TigerBeetle. A mixed workload reconciles to zero
 * differences; one account changed in TigerBeetle directly is exactly one difference (exit 1);
 * the live reconcile tells lag from differences while commands flow; TigerBeetle killed mid-stream,
 * and down when the app starts, loses nothing. Every scenario ends
 * with the ledger's invariants and reconcile at zero differences.
 */
@ExtendWith(RealTigerBeetle.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TigerBeetleOnRealBrokerTest {
    private static final Duration WITHIN = Duration.ofSeconds(120);
    private static final long BTC = 100_000_000L;
    private static final long USDT = 1_000_000L;
    private static final int PARTITIONS = RealBroker.PARTITIONS;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static TigerBeetleProcess server;
    private static RealBroker kafka;
    private static SettlementApp app;
    private static KafkaProducer<byte[], byte[]> producer;
    private static TopicTail<String, SettlementResult> results;
    private static TopicTail<Long, JournalEntry> journal;
    private static final List<Long> USERS = new ArrayList<>();

    private final Commands commands = new Commands(Instant::now);

    @BeforeAll
    static void startBrokerAppAndTigerBeetle(TigerBeetleProcess tigerBeetle) {
        server = tigerBeetle;
        kafka = RealBroker.startWithTopics("tigerbeetle-e2e");
        app = startApp();
        producer = kafka.producer();
        results = kafka.tail(kafka.topics.results());
        journal = kafka.tail(kafka.topics.journal());
        Set<Integer> partitions = new HashSet<>();
        Map<Integer, Integer> perPartition = new HashMap<>();
        for (long user = RealTigerBeetle.owners(10_000); USERS.size() < 2 * PARTITIONS; user++) {
            if (perPartition.merge(UserPartitioner.partitionOf(user, PARTITIONS), 1, Integer::sum) <= 2) {
                USERS.add(user);
                partitions.add(UserPartitioner.partitionOf(user, PARTITIONS));
            }
        }
        assertThat(partitions).hasSize(PARTITIONS);
    }

    private static SettlementApp startApp() {
        SettlementApp started = SettlementApp.start(kafka.instanceSettings("instance-a", Map.of(
                AppSettings.TIGERBEETLE_ADDRESSES, server.address(),
                TigerBeetleConfig.REQUEST_TIMEOUT_MS, "1000",
                TigerBeetleConfig.RECONCILE_INTERVAL_MS, "2000")));
        SettlementOnRealBrokerTest.awaitRunning(started);
        return started;
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable closeable : new AutoCloseable[] {results, journal, producer, app, kafka}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
        if (server != null && !server.running()) {
            server.start();
        }
    }

    @AfterEach
    void invariantsHoldAndReconcileFindsNoDifference() {
        await().atMost(WITHIN).untilAsserted(() -> Ledger.assertInvariants(List.of(app), results, journal));
        // reconcile compares a still ledger: the sink may still be catching up, so ask until it agrees
        await().atMost(WITHIN).untilAsserted(() -> {
            Reconciled reconciled = reconcile();
            assertThat(reconciled.exitCode()).as(reconciled.out()).isEqualTo(ReconciliationPrinter.EXIT_AGREE);
            assertThat(reconciled.out()).contains(" 0 difference(s)");
        });
    }

    @Test
    @Order(1)
    void aMixedWorkloadMirroredIntoTigerBeetleReconcilesWithTheStores() throws InterruptedException {
        // given users on every partition with BTC and USDT, direct and pending deposits (confirmed and cancelled)
        List<String> keys = new ArrayList<>();
        for (long user : USERS) {
            send(kafka.topics.balanceOperations(), user, commands.deposit("e2e-btc-" + user, user, "BTC", 3 * BTC));
            send(kafka.topics.balanceOperations(), user, commands.deposit("e2e-usdt-" + user, user, "USDT", 50_000 * USDT));
            send(kafka.topics.balanceOperations(), user, commands.depositInitiated("e2e-pd1-" + user, user, "pd1-" + user, "BTC", BTC));
            send(kafka.topics.balanceOperations(), user, commands.depositConfirmed("e2e-pd1c-" + user, user, "pd1-" + user));
            send(kafka.topics.balanceOperations(), user, commands.depositInitiated("e2e-pd2-" + user, user, "pd2-" + user, "BTC", BTC / 2));
            send(kafka.topics.balanceOperations(), user, commands.depositCancelled("e2e-pd2x-" + user, user, "pd2-" + user));
            // withdrawals held, one confirmed and one cancelled
            send(kafka.topics.balanceOperations(), user, commands.withdrawRequested("e2e-w1-" + user, user, "w1-" + user, "BTC", BTC / 4));
            send(kafka.topics.balanceOperations(), user, commands.withdrawConfirmed("e2e-w1c-" + user, user, "w1-" + user));
            send(kafka.topics.balanceOperations(), user, commands.withdrawRequested("e2e-w2-" + user, user, "w2-" + user, "BTC", BTC / 8));
            send(kafka.topics.balanceOperations(), user, commands.withdrawCancelled("e2e-w2x-" + user, user, "w2-" + user));
            // transfers to SPOT, and one too large (rejected)
            send(kafka.topics.transferRequests(), user, commands.transfer("e2e-t-btc-" + user, user, Wallet.FUNDING, Wallet.SPOT, "BTC", 2 * BTC));
            send(kafka.topics.transferRequests(), user, commands.transfer("e2e-t-usdt-" + user, user, Wallet.FUNDING, Wallet.SPOT, "USDT", 40_000 * USDT));
            send(kafka.topics.transferRequests(), user, commands.transfer("e2e-t-big-" + user, user, Wallet.FUNDING, Wallet.SPOT, "BTC", 100 * BTC));
            // and a replay of the first deposit
            send(kafka.topics.balanceOperations(), user, commands.deposit("e2e-btc-" + user, user, "BTC", 3 * BTC));
            keys.addAll(List.of("DEPOSIT:" + user + ":e2e-btc-" + user, "INTERNAL_TRANSFER:" + user + ":e2e-t-btc-" + user, "INTERNAL_TRANSFER:" + user + ":e2e-t-usdt-" + user,
                    "INTERNAL_TRANSFER:" + user + ":e2e-t-big-" + user, "WITHDRAW_CANCELLED:" + user + ":e2e-w2x-" + user, "DEPOSIT_CANCELLED:" + user + ":e2e-pd2x-" + user));
        }
        Map<String, SettlementResult> seeded = awaitResults(keys);
        for (long user : USERS) {
            assertThat(seeded.get("INTERNAL_TRANSFER:" + user + ":e2e-t-btc-" + user).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
            assertThat(seeded.get("INTERNAL_TRANSFER:" + user + ":e2e-t-usdt-" + user).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
            assertThat(seeded.get("INTERNAL_TRANSFER:" + user + ":e2e-t-big-" + user).getStatus()).isEqualTo(ResultStatus.REJECTED);
        }
        // when orders are reserved (one released), and trades with fees cross partitions, one of them rejected
        List<String> orderKeys = new ArrayList<>();
        for (long user : USERS) {
            send(kafka.topics.balanceOperations(), user, commands.orderReserved("e2e-ob-" + user, user, "buy-" + user, "USDT", 10_000 * USDT));
            send(kafka.topics.balanceOperations(), user, commands.orderReserved("e2e-os-" + user, user, "sell-" + user, "BTC", BTC / 2));
            send(kafka.topics.balanceOperations(), user, commands.orderReserved("e2e-ox-" + user, user, "spare-" + user, "BTC", BTC / 10));
            send(kafka.topics.balanceOperations(), user, commands.orderReleased("e2e-oxr-" + user, user, "spare-" + user, 0));
            orderKeys.addAll(List.of("ORDER_RESERVED:" + user + ":e2e-ob-" + user, "ORDER_RESERVED:" + user + ":e2e-os-" + user, "ORDER_RELEASED:" + user + ":e2e-oxr-" + user));
        }
        awaitResults(orderKeys).values().forEach(r -> assertThat(r.getStatus()).as("%s", r).isEqualTo(ResultStatus.ACCEPTED));
        List<String> tradeKeys = new ArrayList<>();
        for (int i = 0; i < USERS.size(); i++) {
            long buyer = USERS.get(i);
            long seller = USERS.get((i + 1) % USERS.size());
            boolean orders = i % 2 == 0;
            sendTrade(trade("e2e-x" + i, buyer, orders ? "buy-" + buyer : null, 1_000, seller, orders ? "sell-" + seller : null,
                    5 * USDT, BTC / 10, 3_000 * USDT));
            tradeKeys.add("TRADE:e2e-x" + i);
        }
        sendTrade(trade("e2e-short", USERS.get(0), null, 0, USERS.get(1), null, 0, 1_000 * BTC, USDT));
        tradeKeys.add("TRADE:e2e-short");

        // then every trade has its result, the short one rejected
        Map<String, SettlementResult> traded = awaitResults(tradeKeys);
        assertThat(traded.get("TRADE:e2e-short").getStatus()).isEqualTo(ResultStatus.REJECTED);
        assertThat(traded.get("TRADE:e2e-x0").getStatus()).isEqualTo(ResultStatus.ACCEPTED);

        // and while more commands flow, the live reconcile tells lag from differences: it finds none
        try (Traffic traffic = new Traffic("mixed", USERS)) {
            await().atMost(WITHIN).until(() -> traffic.sent() > 20);
            Reconciled live = reconcile("--live");
            assertThat(live.exitCode()).as(live.out()).isEqualTo(ReconciliationPrinter.EXIT_AGREE);
            assertThat(live.out()).contains("in flight, 0 difference(s)");
        }
        // and (after each test) the sink has mirrored it all: reconcile finds no difference
    }

    @Test
    @Order(2)
    void oneAccountChangedInTigerBeetleIsExactlyOneDifferenceAndExitCodeOne() throws Exception {
        // given the ledgers agree
        await().atMost(WITHIN).until(() -> reconcile().exitCode() == ReconciliationPrinter.EXIT_AGREE);
        long user = USERS.get(0);
        LedgerAccount spot = LedgerMapping.account(new LedgerAccountKey(user, AccountType.SPOT, 1, Bucket.AVAILABLE));
        // an account no store row names (so only the user's side shows), unflagged so it may go negative
        LedgerAccountKey outsiderKey = new LedgerAccountKey(Long.MAX_VALUE - 7, AccountType.FUNDING, 1, Bucket.AVAILABLE);
        LedgerAccount outsider = new LedgerAccount(outsiderKey, LedgerMapping.accountId(outsiderKey), 1,
                LedgerMapping.accountCode(AccountType.FUNDING, Bucket.AVAILABLE), 0);
        try (TigerBeetleLedgerClient ledger = RealTigerBeetle.client(server)) {
            ledger.createAccounts(LedgerMapping.accountBatch(List.of(outsider)));

            // when one unit is moved in TigerBeetle directly into the user's SPOT.available
            assertThat(ledger.createTransfers(transfer(outsider.id(), spot.id(), 1))).isEmpty();

            // then reconcile names exactly that account, off by one, and exits 1
            Reconciled reconciled = reconcile();
            assertThat(reconciled.exitCode()).as(reconciled.out()).isEqualTo(ReconciliationPrinter.EXIT_DIFFERENT);
            assertThat(reconciled.out().lines().filter(line -> line.startsWith("DIFFERENCE"))).singleElement()
                    .satisfies(line -> assertThat(line).contains("user " + user + " SPOT.AVAILABLE asset 1").contains("differs by 1"));
            assertThat(reconciled.out()).contains(" 1 difference(s)");

            // and so does the live reconcile while the other users' commands flow, and the periodic check's metric
            try (Traffic traffic = new Traffic("changed", USERS.subList(1, USERS.size()))) {
                await().atMost(WITHIN).until(() -> traffic.sent() > 20);
                Reconciled live = reconcile("--live");
                assertThat(live.exitCode()).as(live.out()).isEqualTo(ReconciliationPrinter.EXIT_DIFFERENT);
                assertThat(live.out().lines().filter(line -> line.startsWith("DIFFERENCE"))).singleElement()
                        .satisfies(line -> assertThat(line).contains("user " + user + " SPOT.AVAILABLE asset 1").contains("differs by 1"));
                await().atMost(WITHIN).untilAsserted(() -> assertThat(metrics()).contains("settlement_reconcile_differences 1.0"));
            }

            // and moving it back makes the ledgers agree again (checked after the test)
            assertThat(ledger.createTransfers(transfer(spot.id(), outsider.id(), 1))).isEmpty();
        }
    }

    @Test
    @Order(3)
    void tigerBeetleKilledMidStreamAndStartedAgainLosesNothingAndAppliesNothingTwice() {
        // given commands flowing
        List<String> keys = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            if (round == 3) {
                // when TigerBeetle is killed (SIGKILL) halfway
                server.kill();
            }
            for (long user : USERS) {
                send(kafka.topics.balanceOperations(), user, commands.deposit("e2e-kill-" + round + "-" + user, user, "USDT", USDT));
                send(kafka.topics.transferRequests(), user, commands.transfer("e2e-kill-t-" + round + "-" + user, user,
                        Wallet.FUNDING, Wallet.SPOT, "USDT", USDT / 2));
                keys.add("INTERNAL_TRANSFER:" + user + ":e2e-kill-t-" + round + "-" + user);
            }
        }
        // then settlement goes on, and the sink's health says TigerBeetle does not answer
        awaitResults(keys).values().forEach(r -> assertThat(r.getStatus()).as("%s", r).isEqualTo(ResultStatus.ACCEPTED));
        await().atMost(WITHIN).untilAsserted(() -> assertThat(sinkHealth()).startsWith("DEGRADED").contains("TigerBeetle: "));

        // when TigerBeetle is started again on its data file
        server.start();

        // then the sink is UP again (and reconcile, after the test, finds the ledgers equal: nothing lost, nothing twice)
        await().atMost(WITHIN).untilAsserted(() -> assertThat(sinkHealth()).startsWith("UP"));
    }

    @Test
    @Order(4)
    void tigerBeetleDownWhenTheAppStartsSettlementGoesOnAndTheSinkCatchesUp() {
        // given the app stopped and TigerBeetle down
        app.close();
        server.kill();

        // when the app starts again and commands arrive
        app = startApp();
        List<String> keys = new ArrayList<>();
        for (long user : USERS) {
            send(kafka.topics.balanceOperations(), user, commands.deposit("e2e-down-" + user, user, "BTC", BTC));
            keys.add("DEPOSIT:" + user + ":e2e-down-" + user);
        }

        // then they settle while the sink's health says TigerBeetle does not answer
        awaitResults(keys).values().forEach(r -> assertThat(r.getStatus()).as("%s", r).isEqualTo(ResultStatus.ACCEPTED));
        await().atMost(WITHIN).untilAsserted(() -> assertThat(sinkHealth()).startsWith("DEGRADED").contains("TigerBeetle: "));

        // when TigerBeetle comes back, then the sink catches up (reconcile after the test)
        server.start();
        await().atMost(WITHIN).untilAsserted(() -> assertThat(sinkHealth()).startsWith("UP"));
    }

    /** Deposits of 1 USDT for the given users, one after another, until closed. */
    private final class Traffic implements AutoCloseable {
        private final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        private final Thread thread;

        Traffic(String name, List<Long> users) {
            thread = new Thread(() -> {
                for (long n = 0; !stop.get(); n++) {
                    long user = users.get((int) (n % users.size()));
                    send(kafka.topics.balanceOperations(), user, commands.deposit("e2e-traffic-" + name + "-" + n, user, "USDT", USDT));
                    sent.incrementAndGet();
                }
            }, "traffic-" + name);
            thread.start();
        }

        long sent() {
            return sent.get();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(WITHIN.toMillis());
        }
    }

    private static String metrics() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(app.httpUrl() + "/metrics")).timeout(Duration.ofSeconds(10))
                        .header("Authorization", kafka.serviceAuthorization()).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static TransferBatch transfer(LedgerId debit, LedgerId credit, long amount) {
        TransferBatch batch = new TransferBatch(1);
        batch.add();
        batch.setId(LedgerMapping.transferId("manual-" + System.nanoTime(), 0).bytes());
        batch.setDebitAccountId(debit.bytes());
        batch.setCreditAccountId(credit.bytes());
        batch.setAmount(amount);
        batch.setLedger(1);
        batch.setCode(99);
        return batch;
    }

    private static Reconciled reconcile(String... options) {
        return Reconciled.run(List.of("bootstrap.servers=" + kafka.bootstrapServers(), "tigerbeetle.addresses=" + server.address(),
                "tigerbeetle.request.timeout.ms=5000"), options);
    }

    private static String sinkHealth() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(app.httpUrl() + "/health"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonNode health = JSON.readTree(response.body());
        return health.get("components").get(TigerBeetleSink.NAME).get("detail").asText();
    }

    private static Trade trade(String id, long buyer, String buyOrder, long buyerFee, long seller, String sellOrder, long sellerFee,
                               long baseQty, long quoteQty) {
        return new Trade(id, "BTCUSDT", "BTC", "USDT", baseQty, quoteQty, new TradeParty(buyer, buyOrder, buyerFee),
                new TradeParty(seller, sellOrder, sellerFee), Instant.now());
    }

    private static void sendTrade(Trade trade) {
        Topic<org.apache.kafka.common.utils.Bytes, Trade> topic = kafka.topics.trades();
        try {
            producer.send(new ProducerRecord<>(topic.name(), trade.getSymbol().getBytes(StandardCharsets.UTF_8),
                    topic.valueSerde().serializer().serialize(topic.name(), trade))).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static <V> void send(Topic<Long, V> topic, long userId, V value) {
        try {
            producer.send(new ProducerRecord<>(topic.name(), UserPartitioner.partitionOf(userId, PARTITIONS),
                    topic.keySerde().serializer().serialize(topic.name(), userId),
                    topic.valueSerde().serializer().serialize(topic.name(), value))).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, SettlementResult> awaitResults(List<String> keys) {
        Map<String, SettlementResult> first = new HashMap<>();
        await().atMost(WITHIN).untilAsserted(() -> {
            Map<String, SettlementResult> all = new HashMap<>();
            for (ConsumerRecord<String, SettlementResult> record : results.records()) {
                all.putIfAbsent(record.key(), record.value());
            }
            assertThat(all).containsKeys(keys.toArray(String[]::new));
            keys.forEach(key -> first.put(key, all.get(key)));
        });
        return first;
    }
}
