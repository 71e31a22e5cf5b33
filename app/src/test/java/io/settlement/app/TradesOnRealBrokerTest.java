package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settlement.testsupport.ReferenceLedger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settlement.avro.AccountType;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.avro.Wallet;
import io.settlement.contract.Topic;
import io.settlement.contract.UserPartitioner;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trades on a real broker: the app ({@link SettlementApp#start}) with 4 partitions, users on
 * every partition, trades whose legs cross partitions (with and without orders and fees, some
 * that must be rejected), and then the invariants (docs/topology.md) over every task's stores and the output
 * topics: every trade final, per asset all accounts (CLEARING and FEES included) sum to zero,
 * CLEARING drained to zero, no negative user bucket, exactly one result per trade; and the final
 * balances equal a simple model of what the trades imply.
 */
class TradesOnRealBrokerTest {
    private static final Duration SETTLED_WITHIN = Duration.ofSeconds(90);
    private static final int PARTITIONS = RealBroker.PARTITIONS;
    private static final int USERS_PER_PARTITION = 6;
    private static final int BTC = 1;
    private static final int USDT = 2;
    private static final long FUNDED_BTC = 5_00000000L;          // 5 BTC into SPOT
    private static final long FUNDED_USDT = 50_000_000000L;      // 50 000 USDT into SPOT
    private static final long BUY_ORDER_USDT = 10_000_000000L;   // each user's buy order reserves 10 000 USDT
    private static final long SELL_ORDER_BTC = 1_00000000L;      // and its sell order 1 BTC

    private static RealBroker kafka;
    private static SettlementApp app;
    private static KafkaProducer<byte[], byte[]> producer;
    private static TopicTail<String, SettlementResult> results;
    private static TopicTail<Long, JournalEntry> journal;

    private final Commands commands = new Commands(Instant::now);
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void startBrokerAndApp() {
        kafka = RealBroker.startWithTopics("settlement-trades");
        app = SettlementApp.start(kafka.instanceSettings("instance-a", Map.of()));
        producer = kafka.producer();
        results = kafka.tail(kafka.topics.results());
        journal = kafka.tail(kafka.topics.journal());
        SettlementOnRealBrokerTest.awaitRunning(app);
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
    }

    @Test
    void tradesAcrossPartitionsAreEachSettledOrRejectedOnceAndLeaveNothingInClearing() throws Exception {
        // given the coordinator's answer topic has the user partition count
        try (Admin admin = kafka.broker.admin()) {
            assertThat(admin.describeTopics(List.of(kafka.topics.legResults().name())).allTopicNames().get()
                    .get(kafka.topics.legResults().name()).partitions()).hasSize(app.userPartitions());
        }
        assertThat(app.userPartitions()).isEqualTo(PARTITIONS);
        // and users on every partition with 5 BTC and 50 000 USDT in SPOT, a buy order of 10 000 USDT and a sell order of 1 BTC
        List<Long> users = new ArrayList<>();
        Map<Integer, Integer> perPartition = new HashMap<>();
        for (long user = 2001; users.size() < USERS_PER_PARTITION * PARTITIONS; user++) {
            if (perPartition.merge(UserPartitioner.partitionOf(user, PARTITIONS), 1, Integer::sum) <= USERS_PER_PARTITION) {
                users.add(user);
            }
        }
        Model model = new Model();
        List<String> seedKeys = new ArrayList<>();
        for (long user : users) {
            send(kafka.topics.balanceOperations(), user, commands.deposit("d-btc-" + user, user, "BTC", FUNDED_BTC));
            send(kafka.topics.balanceOperations(), user, commands.deposit("d-usdt-" + user, user, "USDT", FUNDED_USDT));
            send(kafka.topics.transferRequests(), user, commands.transfer("t-btc-" + user, user, Wallet.FUNDING, Wallet.SPOT, "BTC", FUNDED_BTC));
            send(kafka.topics.transferRequests(), user, commands.transfer("t-usdt-" + user, user, Wallet.FUNDING, Wallet.SPOT, "USDT", FUNDED_USDT));
            seedKeys.addAll(List.of("DEPOSIT:" + user + ":d-btc-" + user, "DEPOSIT:" + user + ":d-usdt-" + user,
                    "INTERNAL_TRANSFER:" + user + ":t-btc-" + user, "INTERNAL_TRANSFER:" + user + ":t-usdt-" + user));
        }
        // (reservations only once the transfers have filled SPOT: the two topics are not ordered against each other)
        awaitResults(seedKeys).values().forEach(r -> assertThat(r.getStatus()).as("%s", r).isEqualTo(ResultStatus.ACCEPTED));
        for (long user : users) {
            send(kafka.topics.balanceOperations(), user, commands.orderReserved("o-buy-" + user, user, "buy-" + user, "USDT", BUY_ORDER_USDT));
            send(kafka.topics.balanceOperations(), user, commands.orderReserved("o-sell-" + user, user, "sell-" + user, "BTC", SELL_ORDER_BTC));
            seedKeys.addAll(List.of("ORDER_RESERVED:" + user + ":o-buy-" + user, "ORDER_RESERVED:" + user + ":o-sell-" + user));
            model.fund(user);
        }
        awaitResults(seedKeys).values().forEach(r -> assertThat(r.getStatus()).as("%s", r).isEqualTo(ResultStatus.ACCEPTED));

        // when trades arrive: valid ones with and without orders and fees (their totals stay well
        // inside every balance and reservation, so each must settle), a self-trade, and ones that must be rejected
        Random random = new Random(20261120);
        Map<String, Trade> trades = new LinkedHashMap<>();
        Map<String, Reason> mustReject = new HashMap<>();
        int crossing = 0;
        for (int i = 0; i < 80; i++) {
            long buyer = users.get(random.nextInt(users.size()));
            long seller = users.get(random.nextInt(users.size()));
            long base = 1 + random.nextInt(1_000_000);           // up to 0.01 BTC
            long quote = 1 + random.nextInt(100_000000);          // up to 100 USDT
            boolean orders = i % 2 == 1;
            long buyerFee = i % 3 == 0 ? 0 : base / 1000;
            long sellerFee = i % 3 == 0 ? 0 : quote / 1000;
            String id = "rt-" + i;
            trades.put(id, trade(id, buyer, orders ? "buy-" + buyer : null, buyerFee, seller, orders ? "sell-" + seller : null,
                    sellerFee, base, quote));
            if (UserPartitioner.partitionOf(buyer, PARTITIONS) != UserPartitioner.partitionOf(seller, PARTITIONS)) {
                crossing++;
            }
        }
        long self = users.get(0);
        trades.put("rt-self", trade("rt-self", self, null, 100, self, null, 1_000, 500_000, 2_000_000));
        long alice = users.get(1);
        long bob = users.get(PARTITIONS * USERS_PER_PARTITION - 1);
        assertThat(UserPartitioner.partitionOf(alice, PARTITIONS)).isNotEqualTo(UserPartitioner.partitionOf(bob, PARTITIONS));
        // the seller is short (1000 BTC from SPOT.available): the buyer's debit, if taken, is refunded
        rejected(trades, mustReject, trade("rt-seller-short", alice, null, 0, bob, null, 0, 1000_00000000L, 1_000000), Reason.INSUFFICIENT_AVAILABLE);
        // the buyer is short, paying through its order more than the order reserved
        rejected(trades, mustReject, trade("rt-buyer-short", alice, "buy-" + alice, 0, bob, "sell-" + bob, 0, 1_000, 20_000_000000L),
                Reason.FILL_EXCEEDS_RESERVATION);
        // both sides short
        rejected(trades, mustReject, trade("rt-both-short", alice, null, 0, bob, null, 0, 1000_00000000L, 1_000_000_000000L),
                Reason.INSUFFICIENT_AVAILABLE);
        // a fee larger than what the side receives
        rejected(trades, mustReject, trade("rt-fee-too-large", alice, null, 1_001, bob, null, 0, 1_000, 1_000000), Reason.FEE_TOO_LARGE);
        rejected(trades, mustReject, trade("rt-seller-fee-too-large", alice, null, 0, bob, null, 1_000001, 1_000, 1_000000), Reason.FEE_TOO_LARGE);
        // an order that is not the side's
        rejected(trades, mustReject, trade("rt-foreign-order", alice, "buy-" + bob, 0, bob, null, 0, 1_000, 1_000000), Reason.UNKNOWN_ORDER);
        for (Trade trade : trades.values()) {
            byte[] key = trade.getSymbol().getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(kafka.topics.trades().name(), key,
                    kafka.topics.trades().valueSerde().serializer().serialize(kafka.topics.trades().name(), trade))).get();
        }

        // then every trade gets its result: the valid ones SETTLED, the others REJECTED with their reason
        List<String> tradeKeys = trades.keySet().stream().map(id -> "TRADE:" + id).toList();
        Map<String, SettlementResult> outcome = awaitResults(tradeKeys);
        for (Trade trade : trades.values()) {
            SettlementResult result = outcome.get("TRADE:" + trade.getTradeId());
            Reason expected = mustReject.get(trade.getTradeId());
            if (expected == null) {
                assertThat(result.getStatus()).as("%s", result).isEqualTo(ResultStatus.ACCEPTED);
                model.settle(trade);
            } else {
                assertThat(result.getStatus()).as("%s", result).isEqualTo(ResultStatus.REJECTED);
                assertThat(result.getReason()).as("%s", result).isEqualTo(expected);
            }
        }
        assertThat(crossing).as("trades whose legs cross partitions").isGreaterThan(40);
        // and the HTTP API answers each from the coordinator's store with its legs' final progress (the
        // coordinator hears of a chained trade's end one commit after its result)
        for (Trade trade : trades.values()) {
            Reason expected = mustReject.get(trade.getTradeId());
            JsonNode answer = await().atMost(SETTLED_WITHIN).until(() -> getJson(app.httpUrl() + "/api/v1/trades/" + trade.getTradeId()),
                    found -> !"PENDING".equals(found.get("status").asText()));
            assertThat(answer.get("status").asText()).as("%s", answer).isEqualTo(expected == null ? "SETTLED" : "REJECTED");
            JsonNode legs = answer.get("legs");
            legs.properties().forEach(leg -> assertThat(leg.getValue().asText()).as("%s", answer).isNotEqualTo("SENT"));
            // a refunded debit went back to SPOT.available, also when it came out of an order's reservation
            if ("ACCEPTED".equals(legs.get("buyer_refund").asText())) {
                model.refund(trade.getBuyer(), USDT, trade.getQuoteQty());
            }
            if ("ACCEPTED".equals(legs.get("seller_refund").asText())) {
                model.refund(trade.getSeller(), BTC, trade.getBaseQty());
            }
        }
        // the chain starts with the buyer: a buyer short against a sell order still lets the order see
        // its fill (taken and refunded into it), a seller short costs the buyer's debit a refund
        JsonNode buyerShort = getJson(app.httpUrl() + "/api/v1/trades/rt-buyer-short").get("legs");
        assertThat(List.of(buyerShort.get("buyer_debit").asText(), buyerShort.get("seller_debit").asText(), buyerShort.get("seller_refund").asText()))
                .as("the buyer short: the seller's fill refunded into its order").containsExactly("REJECTED", "ACCEPTED", "ACCEPTED");
        assertThat(getJson(app.httpUrl() + "/api/v1/trades/rt-seller-short").get("legs").get("buyer_refund").asText())
                .as("the seller short: the buyer's debit is refunded").isEqualTo("ACCEPTED");
        // and exactly one result per trade on settlement.results, once everything is committed
        await().atMost(SETTLED_WITHIN).untilAsserted(() -> {
            Map<String, Long> perTrade = results.records().stream().filter(r -> r.key().startsWith("TRADE:"))
                    .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
            assertThat(perTrade.keySet()).containsExactlyInAnyOrderElementsOf(tradeKeys);
            perTrade.forEach((key, count) -> assertThat(count).as("results of %s", key).isEqualTo(1));
        });
        // and the invariants hold: no negative user bucket, every asset sums to zero, the journal's balances match the stores
        await().atMost(SETTLED_WITHIN).untilAsserted(() -> Ledger.assertInvariants(List.of(app), results, journal));
        Map<BalanceKey, Balance> balances = Ledger.balances(List.of(app));
        for (int asset : List.of(BTC, USDT)) {
            // CLEARING is drained; FEES holds exactly the settled trades' fees
            assertThat(balances.get(new BalanceKey(BalanceKey.SYSTEM_OWNER, AccountType.CLEARING, asset)).available())
                    .as("CLEARING of asset %d", asset).isZero();
            Balance fees = balances.getOrDefault(new BalanceKey(BalanceKey.SYSTEM_OWNER, AccountType.FEES, asset), new Balance(0, 0, 0, 0));
            assertThat(fees.available())
                    .as("FEES of asset %d", asset).isEqualTo(model.fees(asset));
        }
        // and every user's SPOT holds what the settled trades imply (the rejected ones left no trace)
        for (long user : users) {
            for (int asset : List.of(BTC, USDT)) {
                Balance spot = balances.get(new BalanceKey(user, AccountType.SPOT, asset));
                assertThat(spot.available()).as("SPOT.available of %d asset %d", user, asset).isEqualTo(model.available(user, asset));
                assertThat(spot.frozen()).as("SPOT.frozen of %d asset %d", user, asset).isEqualTo(model.frozen(user, asset));
                assertThat(spot.pending()).isZero();
            }
        }
    }

    private static void rejected(Map<String, Trade> trades, Map<String, Reason> mustReject, Trade trade, Reason reason) {
        trades.put(trade.getTradeId(), trade);
        mustReject.put(trade.getTradeId(), reason);
    }

    private static Trade trade(String id, long buyer, String buyOrder, long buyerFee, long seller, String sellOrder, long sellerFee,
                               long baseQty, long quoteQty) {
        return new Trade(id, "BTCUSDT", "BTC", "USDT", baseQty, quoteQty, new TradeParty(buyer, buyOrder, buyerFee),
                new TradeParty(seller, sellOrder, sellerFee), Instant.ofEpochMilli(System.currentTimeMillis()));
    }

    /** What the settled trades imply for each user's SPOT buckets and the FEES accounts, booked in a reference ledger. */
    private static final class Model {
        private final ReferenceLedger ledger = ReferenceLedger.unchecked();

        void fund(long user) {
            ledger.addAvailable(user, "SPOT", String.valueOf(BTC), FUNDED_BTC);
            ledger.freeze(user, "SPOT", String.valueOf(BTC), SELL_ORDER_BTC);
            ledger.addAvailable(user, "SPOT", String.valueOf(USDT), FUNDED_USDT);
            ledger.freeze(user, "SPOT", String.valueOf(USDT), BUY_ORDER_USDT);
        }

        void settle(Trade trade) {
            long buyer = trade.getBuyer().getUserId();
            long seller = trade.getSeller().getUserId();
            pay(buyer, USDT, trade.getQuoteQty(), trade.getBuyer().getOrderId() != null);
            pay(seller, BTC, trade.getBaseQty(), trade.getSeller().getOrderId() != null);
            ledger.addAvailable(buyer, "SPOT", String.valueOf(BTC), trade.getBaseQty() - trade.getBuyer().getFee());
            ledger.addAvailable(seller, "SPOT", String.valueOf(USDT), trade.getQuoteQty() - trade.getSeller().getFee());
            ledger.addSystem("FEES", String.valueOf(BTC), trade.getBuyer().getFee());
            ledger.addSystem("FEES", String.valueOf(USDT), trade.getSeller().getFee());
        }

        /** A refunded debit: CLEARING back to where it came from (the order's reservation, or SPOT.available). */
        void refund(TradeParty party, int asset, long amount) {
            boolean fromOrder = party.getOrderId() != null;
            pay(party.getUserId(), asset, amount, fromOrder);
            if (fromOrder) {
                ledger.addFrozen(party.getUserId(), "SPOT", String.valueOf(asset), amount);
            } else {
                ledger.addAvailable(party.getUserId(), "SPOT", String.valueOf(asset), amount);
            }
        }

        private void pay(long user, int asset, long amount, boolean fromOrder) {
            if (fromOrder) {
                ledger.addFrozen(user, "SPOT", String.valueOf(asset), -amount);
            } else {
                ledger.addAvailable(user, "SPOT", String.valueOf(asset), -amount);
            }
        }

        long available(long user, int asset) {
            return ledger.available(user, "SPOT", String.valueOf(asset));
        }

        long frozen(long user, int asset) {
            return ledger.frozen(user, "SPOT", String.valueOf(asset));
        }

        long fees(int asset) {
            return ledger.system("FEES", String.valueOf(asset));
        }
    }

    private JsonNode getJson(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", kafka.serviceAuthorization()).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s: %s", url, response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static <V> void send(Topic<Long, V> topic, long userId, V value) {
        try {
            producer.send(new ProducerRecord<>(topic.name(), UserPartitioner.partitionOf(userId, PARTITIONS),
                    topic.keySerde().serializer().serialize(topic.name(), userId),
                    topic.valueSerde().serializer().serialize(topic.name(), value))).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic.name(), e);
        }
    }

    /** Waits until every key has a result; returns the first result of each. */
    private static Map<String, SettlementResult> awaitResults(List<String> keys) {
        Map<String, SettlementResult> first = new HashMap<>();
        await().atMost(SETTLED_WITHIN).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Map<String, List<SettlementResult>> all = results.records().stream().collect(Collectors.groupingBy(ConsumerRecord::key,
                    Collectors.mapping(ConsumerRecord::value, Collectors.toList())));
            assertThat(all).containsKeys(keys.toArray(String[]::new));
            keys.forEach(key -> first.put(key, all.get(key).get(0)));
        });
        return first;
    }
}
