package io.settlement.topology.trade;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Deposit;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeState;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.SingleObjectSerde;
import io.settlement.contract.Topics;
import io.settlement.topology.ExpiryIndex;
import io.settlement.topology.HopCommits;
import io.settlement.topology.PartitionGuard;
import io.settlement.topology.PersistentStores;
import io.settlement.topology.ResultObserver;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.StoreNames;
import io.settlement.topology.balance.BalanceInput;
import io.settlement.topology.balance.BalanceOutput;
import io.settlement.topology.balance.BalanceProcessor;
import io.settlement.topology.balance.BalanceStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Early commits after trade hops ({@link HopCommits}): when a hop asks for one, and that every
 * hop of a chained trade (the coordinator's first leg, the buyer's debit, the seller's step, the
 * buyer's credit with the result) asks, each processor driven directly through a
 * {@link MockProcessorContext} that records the request.
 */
class HopCommitsTest {
    private static final long NOW_MS = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
    private static final Duration INTERVAL = Duration.ofMillis(50);
    /** A partition count on which the sample trade's buyer (1) and seller (2) live apart. */
    private static final int PARTITIONS = 5;

    @TempDir
    Path stateDir;

    private final List<StateStore> stores = new ArrayList<>();

    @AfterEach
    void closeStores() {
        stores.forEach(StateStore::close);
    }

    @Test
    void aHopAsksForACommitAndItsThreadAsksNoMoreWithinTheInterval() {
        HopCommits hops = new HopCommits(INTERVAL);
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();

        assertThat(hopAt(hops, context, NOW_MS)).as("first hop").isTrue();
        assertThat(hopAt(hops, context, NOW_MS + 49)).as("49 ms later").isFalse();
        assertThat(hopAt(hops, context, NOW_MS + 50)).as("50 ms later").isTrue();
    }

    @Test
    void aTradeOlderThanASecondAsksForNoCommitBecauseItsThreadIsBehind() {
        HopCommits hops = new HopCommits(INTERVAL);
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(NOW_MS);

        hops.afterHop(context, NOW_MS - 1_001);
        assertThat(context.committed()).as("a trade 1,001 ms old").isFalse();
        hops.afterHop(context, NOW_MS - 1_000);
        assertThat(context.committed()).as("a trade 1,000 ms old").isTrue();
    }

    @Test
    void aZeroIntervalNeverAsks() {
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();

        assertThat(hopAt(HopCommits.NONE, context, NOW_MS)).isFalse();
        assertThat(hopAt(new HopCommits(Duration.ZERO), context, NOW_MS + 1_000)).isFalse();
    }

    @Test
    void eachStreamThreadKeepsItsOwnInterval() {
        HopCommits hops = new HopCommits(INTERVAL);
        assertThat(hopAt(hops, new MockProcessorContext<>(), NOW_MS)).as("this thread").isTrue();

        boolean otherThreadAsked = CompletableFuture.supplyAsync(() -> hopAt(hops, new MockProcessorContext<>(), NOW_MS)).join();

        assertThat(otherThreadAsked).as("another thread, the same millisecond").isTrue();
        assertThat(hopAt(hops, new MockProcessorContext<>(), NOW_MS + 1)).as("this thread again, within the interval").isFalse();
    }

    @Test
    void everyHopOfAChainedTradeAsksForACommit() {
        SettlementConfig config = SettlementConfig.defaults(PARTITIONS).withTradeHopCommitInterval(INTERVAL);
        PartitionGuard guard = new PartitionGuard(PARTITIONS);
        assertThat(guard.partitionOf(SampleTrades.BUYER)).as("the sample's buyer and seller on two partitions")
                .isNotEqualTo(guard.partitionOf(SampleTrades.SELLER));
        Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);
        HopCommits hops = new HopCommits(config.tradeHopCommitInterval());

        MockProcessorContext<String, CoordinatorOutput> coordinatorContext = contextWith(coordinatorStores());
        TradeCoordinator coordinator = new TradeCoordinator(topics, config, hops);
        coordinator.init(coordinatorContext);
        MockProcessorContext<Void, BalanceOutput<?, ?>> balanceContext = contextWith(BalanceStores.builders());
        BalanceProcessor balances = new BalanceProcessor(topics, config, ResultObserver.NONE, hops);
        balances.init(balanceContext);
        fund(balances, balanceContext, SampleTrades.BUYER, "USDT", SampleTrades.QUOTE_QTY);
        fund(balances, balanceContext, SampleTrades.SELLER, "BTC", SampleTrades.BASE_QTY);

        Trade trade = SampleTrades.btcForUsdt("hop-1", Instant.ofEpochMilli(NOW_MS));
        coordinatorContext.setCurrentSystemTimeMs(NOW_MS);
        coordinatorContext.setRecordMetadata(Topics.TRADES, 0, 0);
        coordinator.process(new Record<>("hop-1", new CoordinatorInput.TradeArrived(trade), NOW_MS));
        TradeLeg first = coordinatorContext.forwarded().stream().map(forward -> forward.record().value())
                .filter(CoordinatorOutput.LegToSend.class::isInstance).map(out -> ((CoordinatorOutput.LegToSend) out).leg())
                .findFirst().orElseThrow();
        assertThat(coordinatorContext.committed()).as("the coordinator, after sending the first leg").isTrue();

        TradeLeg second = nextLeg(legAt(balances, balanceContext, guard, first, NOW_MS + 100));
        assertThat(balanceContext.committed()).as("the buyer's task, after its debit").isTrue();
        TradeLeg last = nextLeg(legAt(balances, balanceContext, guard, second, NOW_MS + 200));
        assertThat(balanceContext.committed()).as("the seller's task, after its debit and credit").isTrue();
        List<BalanceOutput<?, ?>> end = legAt(balances, balanceContext, guard, last, NOW_MS + 300);
        assertThat(end).filteredOn(BalanceOutput.Result.class::isInstance).singleElement()
                .satisfies(result -> assertThat(((BalanceOutput.Result) result).value().getStatus()).isEqualTo(ResultStatus.ACCEPTED));
        assertThat(balanceContext.committed()).as("the buyer's task, after the credit and the trade's result").isTrue();
    }

    private static boolean hopAt(HopCommits hops, MockProcessorContext<Object, Object> context, long nowMs) {
        context.resetCommit();
        context.setCurrentSystemTimeMs(nowMs);
        hops.afterHop(context, nowMs);
        return context.committed();
    }

    private <K, V> MockProcessorContext<K, V> contextWith(List<StoreBuilder<?>> builders) {
        Properties properties = SettlementConfig.streamsProperties("hop-commits-test", "unused:9092", stateDir.toString());
        MockProcessorContext<K, V> context = new MockProcessorContext<>(properties, new TaskId(0, 0), stateDir.toFile());
        for (StoreBuilder<?> builder : builders) {
            StateStore store = builder.withLoggingDisabled().build();
            store.init(context.getStateStoreContext(), store);
            context.addStateStore(store);
            stores.add(store);
        }
        return context;
    }

    /** The coordinator's stores as {@link TradeTopology} builds them. */
    private static List<StoreBuilder<?>> coordinatorStores() {
        return List.of(
                Stores.keyValueStoreBuilder(PersistentStores.keyValue(StoreNames.TRADES), Serdes.String(), new SingleObjectSerde<>(TradeState.class)),
                Stores.keyValueStoreBuilder(PersistentStores.keyValue(StoreNames.TRADE_IDS), Serdes.String(), RetiredTrade.SERDE),
                ExpiryIndex.builder(StoreNames.TRADE_EXPIRY));
    }

    /** A deposit of {@code amount} and its transfer to SPOT, at the user's partition, before the trade. */
    private static void fund(BalanceProcessor balances, MockProcessorContext<Void, BalanceOutput<?, ?>> context, long user, String asset, long amount) {
        int partition = new PartitionGuard(PARTITIONS).partitionOf(user);
        Instant at = Instant.ofEpochMilli(NOW_MS);
        context.setCurrentSystemTimeMs(NOW_MS);
        context.setRecordMetadata(Topics.BALANCE_OPERATIONS, partition, 0);
        balances.process(new Record<>(user, BalanceInput.of(new BalanceOperation("fund-" + user, user, at, new Deposit(asset, amount))), NOW_MS));
        context.setRecordMetadata(Topics.TRANSFER_REQUESTS, partition, 0);
        balances.process(new Record<>(user, new BalanceInput.Transfer(new TransferRequest("spot-" + user, user, Wallet.FUNDING, Wallet.SPOT, asset,
                amount, at)), NOW_MS));
        context.resetForwards();
        context.resetCommit();
    }

    /** Processes {@code leg} at its user's partition, {@code nowMs} on the task's clock; returns what the task wrote. */
    private static List<BalanceOutput<?, ?>> legAt(BalanceProcessor balances, MockProcessorContext<Void, BalanceOutput<?, ?>> context,
            PartitionGuard guard, TradeLeg leg, long nowMs) {
        context.resetForwards();
        context.resetCommit();
        context.setCurrentSystemTimeMs(nowMs);
        context.setRecordMetadata(Topics.TRADE_LEGS, guard.partitionOf(leg.getUserId()), 0);
        balances.process(new Record<>(leg.getUserId(), new BalanceInput.Leg(leg), NOW_MS));
        return context.forwarded().stream().<BalanceOutput<?, ?>>map(forward -> forward.record().value()).toList();
    }

    private static TradeLeg nextLeg(List<BalanceOutput<?, ?>> outputs) {
        return outputs.stream().filter(BalanceOutput.NextLeg.class::isInstance).map(out -> ((BalanceOutput.NextLeg) out).value())
                .findFirst().orElseThrow(() -> new AssertionError("no next leg in " + outputs));
    }
}
