package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settlement.avro.AccountType;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.avro.TradeState;
import io.settlement.avro.Wallet;
import io.settlement.contract.Topic;
import io.settlement.contract.UserPartitioner;
import io.settlement.topology.StoreNames;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import io.settlement.topology.testkit.Commands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Traders on a {@link RealBroker} for the tests that settle trades across app instances: funded
 * with 1 BTC and 10 000 USDT in SPOT each, trades between random pairs of them small enough that
 * every one settles, and what the instances' coordinators recorded of them.
 */
final class Traders {
    static final Duration WITHIN = Duration.ofSeconds(120);

    private final RealBroker kafka;
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<Long> users = new ArrayList<>();
    private final Commands commands = new Commands(Instant::now);

    /** {@code count} traders from user {@code firstUser} on, not funded yet. */
    Traders(RealBroker kafka, KafkaProducer<byte[], byte[]> producer, long firstUser, int count) {
        this.kafka = kafka;
        this.producer = producer;
        for (long user = firstUser; users.size() < count; user++) {
            users.add(user);
        }
    }

    /** Deposits 1 BTC and 10 000 USDT for each and moves both to SPOT; returns once every command is accepted. */
    void fund(TopicTail<String, SettlementResult> results) throws Exception {
        List<String> funding = new ArrayList<>();
        for (long user : users) {
            send(kafka.topics.balanceOperations(), user, commands.deposit("rd-btc-" + user, user, "BTC", 1_00000000L));
            send(kafka.topics.balanceOperations(), user, commands.deposit("rd-usdt-" + user, user, "USDT", 10_000_000000L));
            funding.addAll(List.of("DEPOSIT:" + user + ":rd-btc-" + user, "DEPOSIT:" + user + ":rd-usdt-" + user));
        }
        // (transfers only once the deposits are in: the two topics are not ordered against each other)
        awaitAccepted(results, funding);
        List<String> spot = new ArrayList<>();
        for (long user : users) {
            send(kafka.topics.transferRequests(), user, commands.transfer("rt-btc-" + user, user, Wallet.FUNDING, Wallet.SPOT, "BTC", 1_00000000L));
            send(kafka.topics.transferRequests(), user, commands.transfer("rt-usdt-" + user, user, Wallet.FUNDING, Wallet.SPOT, "USDT", 10_000_000000L));
            spot.addAll(List.of("INTERNAL_TRANSFER:" + user + ":rt-btc-" + user, "INTERNAL_TRANSFER:" + user + ":rt-usdt-" + user));
        }
        awaitAccepted(results, spot);
    }

    /**
     * Sends trade {@code tradeId} between two traders drawn from {@code random}, at most 0.001 BTC
     * at most 10 USDT each, keyed by its symbol as a matching engine keys them; returns its result key.
     */
    String trade(String tradeId, Random random) throws Exception {
        long buyer = users.get(random.nextInt(users.size()));
        long seller = users.get(random.nextInt(users.size()));
        Trade trade = new Trade(tradeId, "BTCUSDT", "BTC", "USDT", 1L + random.nextInt(100_000), 1L + random.nextInt(10_000000),
                new TradeParty(buyer, null, 0L), new TradeParty(seller, null, 1L), Instant.now());
        producer.send(new ProducerRecord<>(kafka.topics.trades().name(), trade.getSymbol().getBytes(StandardCharsets.UTF_8),
                kafka.topics.trades().valueSerde().serializer().serialize(kafka.topics.trades().name(), trade))).get();
        return "TRADE:" + tradeId;
    }

    private <V> void send(Topic<Long, V> topic, long userId, V value) throws Exception {
        producer.send(new ProducerRecord<>(topic.name(), UserPartitioner.partitionOf(userId, RealBroker.PARTITIONS),
                topic.keySerde().serializer().serialize(topic.name(), userId), topic.valueSerde().serializer().serialize(topic.name(), value))).get();
    }

    /** Waits until each key has a first result and it is ACCEPTED. */
    static void awaitAccepted(TopicTail<String, SettlementResult> results, List<String> keys) {
        await().atMost(WITHIN).untilAsserted(() -> {
            Map<String, SettlementResult> byKey = new HashMap<>();
            results.records().forEach(record -> byKey.putIfAbsent(record.key(), record.value()));
            assertThat(byKey).containsKeys(keys.toArray(String[]::new));
            keys.forEach(key -> assertThat(byKey.get(key).getStatus()).as("%s", byKey.get(key)).isEqualTo(ResultStatus.ACCEPTED));
        });
    }

    /** Whether each trade with an id starting {@code prefix} on this instance's coordinator partitions was chained (TradeState.chained). */
    static Set<Boolean> protocolsOf(SettlementApp instance, String prefix) {
        Set<Boolean> chained = new HashSet<>();
        ReadOnlyKeyValueStore<String, TradeState> trades = instance.streams().store(
                StoreQueryParameters.fromNameAndType(StoreNames.TRADES, QueryableStoreTypes.<String, TradeState>keyValueStore()));
        try (KeyValueIterator<String, TradeState> all = trades.all()) {
            all.forEachRemaining(entry -> {
                if (entry.key.startsWith(prefix)) {
                    chained.add(entry.value.getChained());
                }
            });
        }
        return chained;
    }

    /** Asserts CLEARING holds nothing of either asset over these instances' stores. */
    static void assertClearingEmpty(List<SettlementApp> instances) {
        Map<BalanceKey, Balance> balances = Ledger.balances(instances);
        for (int asset : List.of(1, 2)) {
            Balance clearing = balances.get(new BalanceKey(BalanceKey.SYSTEM_OWNER, AccountType.CLEARING, asset));
            assertThat(clearing == null ? 0 : clearing.available()).as("CLEARING of asset %d", asset).isZero();
        }
    }
}
