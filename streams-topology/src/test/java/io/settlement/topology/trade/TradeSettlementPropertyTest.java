package io.settlement.topology.trade;

import static io.settlement.avro.AccountType.CLEARING;
import static io.settlement.avro.AccountType.FUNDING;
import static io.settlement.avro.AccountType.SPOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.Generate.constant;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import io.settlement.avro.CommandKind;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.avro.TradeState;
import io.settlement.avro.TradeStatus;
import io.settlement.avro.Wallet;
import io.settlement.topology.StoreNames;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.testkit.Commands;
import io.settlement.topology.testkit.SettlementDriver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Random interleavings of deposits, transfers, order reservations, releases and trades (valid
 * and invalid, fills before and after releases, self-trades, duplicates) over a few users,
 * through the real topology, checked after every step against the invariants (no bucket
 * negative, per asset everything including CLEARING and FEES sums to zero), against a small
 * sequential model of the balances and the trade outcomes, and, once drained, CLEARING empty and
 * every trade SETTLED or REJECTED. Each scenario has its own driver. A failure prints the seed;
 * {@code -DQT_SEED=<seed>} replays the same scenarios.
 */
class TradeSettlementPropertyTest {
    static final List<String> ASSETS = List.of("BTC", "USDT");
    static final int USERS = 4;
    static final int ORDERS_PER_USER = 3;
    static final long STARTING_FUNDS = 300;
    static final int SCENARIOS = 40;
    /** Bounds the search for a smaller failing scenario (each candidate starts a driver) to seconds. */
    static final int SHRINK_CYCLES = 30;

    sealed interface Action {}

    /** A deposit to FUNDING; with toSpot, moved on to SPOT at once (the usual way to fund trading). */
    record Deposit(long user, String asset, long amount, boolean toSpot) implements Action {}

    record Transfer(long user, boolean toSpot, String asset, long amount) implements Action {}

    /** Order 0 of a user is a buy order (reserves USDT), order 1 a sell order (BTC), order 2 reserves the given asset. */
    record Reserve(long user, int order, String asset, long amount) implements Action {}

    record Release(long user, int order, long filledTotal) implements Action {}

    /**
     * One side of a generated trade. An order of -1 trades from SPOT.available; another value
     * picks, when the trade is sent, one of the orders that user reserved so far (by index modulo
     * their count), or none when there is none.
     */
    record Side(long user, int order, long fee) {}

    /** A trade; otherUsersOrder makes the buyer name an order of the next user. */
    record Fill(Side buyer, Side seller, boolean otherUsersOrder, long baseQty, long quoteQty) implements Action {}

    /** Sends the n-th trade sent so far (modulo their count) again, as it was or with other content. */
    record Resend(int index, boolean conflicting) implements Action {}

    static Gen<List<Action>> scenarios() {
        Gen<Long> user = longs().between(1, USERS);
        Gen<String> asset = Generate.pick(ASSETS);
        Gen<Long> amount = longs().between(1, 3_000);
        Gen<Integer> order = integers().between(0, ORDERS_PER_USER - 1);
        Gen<Action> deposit = user.zip(asset, amount, Generate.pick(List.of(true, true, false)), Deposit::new);
        Gen<Action> transfer = user.zip(Generate.pick(List.of(true, true, true, false)), asset, amount, Transfer::new);
        Gen<Action> reserve = user.zip(order, asset, longs().between(1, 1_000), Reserve::new);
        Gen<Action> release = user.zip(order, longs().between(0, 1_000), Release::new);
        // Mostly trades that can settle (from available, or from an order of the right asset), some that cannot.
        Gen<Integer> tradeOrder = Generate.frequency(Pair.of(3, constant(-1)), Pair.of(3, integers().between(0, 9)));
        Gen<Long> qty = Generate.frequency(Pair.of(30, longs().between(10, 150)), Pair.of(1, constant(0L)));
        Gen<Long> fee = Generate.frequency(Pair.of(10, constant(0L)), Pair.of(10, longs().between(1, 20)),
                Pair.of(1, longs().between(301, 400)));
        Gen<Side> side = user.zip(tradeOrder, fee, Side::new);
        Gen<Boolean> otherUsersOrder = Generate.frequency(Pair.of(15, constant(false)), Pair.of(1, constant(true)));
        Gen<Action> fill = side.zip(side, otherUsersOrder, qty, qty, Fill::new);
        Gen<Action> resend = integers().between(0, 50).zip(booleans().all(), Resend::new);
        Gen<Action> action = Generate.frequency(
                Pair.of(8, deposit), Pair.of(3, transfer), Pair.of(4, reserve), Pair.of(2, release),
                Pair.of(8, fill), Pair.of(1, resend));
        // Sizes 10 to 60, mostly 10 to 20: a long scenario now and then reaches late interleavings; uniform sizes would double the run time.
        Gen<Integer> size = Generate.frequency(Pair.of(88, integers().between(10, 20)), Pair.of(10, integers().between(21, 60)), Pair.of(2, constant(60)));
        return lists().of(action).ofSizes(size);
    }

    @Test
    void tradesNeverBreakConservationAndAlwaysFinish() {
        Map<String, Integer> tradeOutcomes = new TreeMap<>();
        qt().withExamples(SCENARIOS).withShrinkCycles(SHRINK_CYCLES)
                .forAll(scenarios())
                .checkAssert(scenario -> {
                    try (SettlementDriver driver = SettlementDriver.start()) {
                        Run run = new Run(driver, tradeOutcomes);
                        run.fundEveryone();
                        for (Action action : scenario) {
                            run.apply(action);
                            run.checkAfterStep(action);
                        }
                        driver.assertInvariants();
                    }
                });
        System.out.println("trade outcomes: " + tradeOutcomes);
    }

    /** One scenario's run: the real topology and the model side by side. */
    private static final class Run {
        private final SettlementDriver driver;
        private final Commands commands;
        private final LedgerModel model = new LedgerModel();
        private final List<Trade> tradesSent = new ArrayList<>();
        private final Map<String, SettlementResult> firstTradeResults = new HashMap<>();
        /** Per user, the orders reserved so far, for trades to name. */
        private final Map<Long, List<String>> reserved = new HashMap<>();
        /** Counts, over every scenario, how trades ended: shows the generator reaches both settling and each rejection. */
        private final Map<String, Integer> tradeOutcomes;
        private int step;

        Run(SettlementDriver driver, Map<String, Integer> tradeOutcomes) {
            this.driver = driver;
            this.commands = driver.commands();
            this.tradeOutcomes = tradeOutcomes;
        }

        /** Every user starts with some of each asset in SPOT, so that many trades can settle. */
        void fundEveryone() {
            for (long user = 1; user <= USERS; user++) {
                for (String asset : ASSETS) {
                    apply(new Deposit(user, asset, STARTING_FUNDS, true));
                }
            }
        }

        void apply(Action action) {
            String id = "c-" + (++step);
            if (action instanceof Deposit d) {
                expect(driver.send(commands.deposit(id, d.user(), d.asset(), d.amount())), model.deposit(d.user(), d.asset(), d.amount()), action);
                if (d.toSpot()) {
                    expect(driver.send(commands.transfer(id, d.user(), Wallet.FUNDING, Wallet.SPOT, d.asset(), d.amount())),
                            model.transfer(d.user(), true, d.asset(), d.amount()), action);
                }
            } else if (action instanceof Transfer t) {
                Wallet from = t.toSpot() ? Wallet.FUNDING : Wallet.SPOT;
                Wallet to = t.toSpot() ? Wallet.SPOT : Wallet.FUNDING;
                expect(driver.send(commands.transfer(id, t.user(), from, to, t.asset(), t.amount())), model.transfer(t.user(), t.toSpot(), t.asset(), t.amount()), action);
            } else if (action instanceof Reserve r) {
                String orderId = orderId(r.user(), r.order());
                String asset = r.order() == 0 ? "USDT" : r.order() == 1 ? "BTC" : r.asset();
                ResultStatus status = model.reserve(r.user(), orderId, asset, r.amount());
                expect(driver.send(commands.orderReserved(id, r.user(), orderId, asset, r.amount())), status, action);
                if (status == ResultStatus.ACCEPTED) {
                    reserved.computeIfAbsent(r.user(), u -> new ArrayList<>()).add(orderId);
                }
            } else if (action instanceof Release r) {
                String orderId = orderId(r.user(), r.order());
                expect(driver.send(commands.orderReleased(id, r.user(), orderId, r.filledTotal())), model.release(r.user(), orderId, r.filledTotal()), action);
            } else if (action instanceof Fill f) {
                Trade trade = trade("t-" + step, f);
                tradesSent.add(trade);
                SettlementResult result = sendTrade(trade);
                firstTradeResults.put(trade.getTradeId(), result);
                LedgerModel.Expected expected = model.trade(trade);
                assertThat(result.getStatus()).as("status of %s after %s", trade, action).isEqualTo(expected.status());
                assertThat(result.getReason()).as("reason of %s", trade).isEqualTo(expected.reason());
                tradeOutcomes.merge(result.getReason() == null ? "SETTLED" : result.getReason().name(), 1, Integer::sum);
            } else if (action instanceof Resend r) {
                if (tradesSent.isEmpty()) {
                    return;
                }
                Trade original = tradesSent.get(r.index() % tradesSent.size());
                Trade again = r.conflicting() ? Trade.newBuilder(original).setQuoteQty(original.getQuoteQty() + 1).build() : original;
                SettlementResult result = sendTrade(again);
                if (r.conflicting()) {
                    assertThat(result.getReason()).as("conflicting resend of %s", original.getTradeId()).isEqualTo(Reason.ID_CONFLICT);
                } else {
                    assertThat(result).as("resend of %s", original.getTradeId()).isEqualTo(firstTradeResults.get(original.getTradeId()));
                }
                assertThat(driver.status("TRADE:" + original.getTradeId())).isEqualTo(firstTradeResults.get(original.getTradeId()));
            }
        }

        private SettlementResult sendTrade(Trade trade) {
            int before = driver.results().size();
            driver.send(Bytes.wrap(trade.getSymbol().getBytes(StandardCharsets.UTF_8)), trade);
            List<SettlementResult> results = driver.results();
            assertThat(results).as("one result for %s", trade).hasSize(before + 1);
            SettlementResult result = results.get(before);
            assertThat(result.getKind()).isEqualTo(CommandKind.TRADE);
            return result;
        }

        private static void expect(SettlementResult actual, ResultStatus expected, Action action) {
            assertThat(actual.getStatus()).as("%s: %s", action, actual).isEqualTo(expected);
        }

        void checkAfterStep(Action action) {
            driver.assertInvariants();
            for (String asset : ASSETS) {
                assertThat(driver.system(CLEARING, asset)).as("CLEARING %s after %s", asset, action).isZero();
                for (long user = 1; user <= USERS; user++) {
                    Balance spot = driver.balance(user, SPOT, asset);
                    assertThat(spot.available()).as("user %d SPOT %s available after %s", user, asset, action).isEqualTo(model.spotAvailable(user, asset));
                    assertThat(spot.frozen()).as("user %d SPOT %s frozen after %s", user, asset, action).isEqualTo(model.spotFrozen(user, asset));
                    assertThat(driver.balance(user, FUNDING, asset).available()).as("user %d FUNDING %s", user, asset).isEqualTo(model.fundingAvailable(user, asset));
                }
            }
            try (KeyValueIterator<String, TradeState> trades = driver.testDriver().<String, TradeState>getKeyValueStore(StoreNames.TRADES).all()) {
                trades.forEachRemaining(entry -> assertThat(entry.value.getStatus()).as("trade %s", entry.key).isNotEqualTo(TradeStatus.PENDING));
            }
        }

        private Trade trade(String tradeId, Fill f) {
            return Trade.newBuilder()
                    .setTradeId(tradeId).setSymbol("BTCUSDT").setBaseAsset("BTC").setQuoteAsset("USDT")
                    .setBaseQty(f.baseQty()).setQuoteQty(f.quoteQty())
                    .setBuyer(party(f.buyer(), f.otherUsersOrder()))
                    .setSeller(party(f.seller(), false))
                    .setExecutedAt(driver.now())
                    .build();
        }

        private TradeParty party(Side side, boolean otherUsersOrder) {
            long owner = otherUsersOrder ? side.user() % USERS + 1 : side.user();
            List<String> owned = reserved.getOrDefault(owner, List.of());
            String orderId = side.order() < 0 ? null
                    : owned.isEmpty() ? (otherUsersOrder ? "o-" + owner + "-none" : null) : owned.get(side.order() % owned.size());
            return TradeParty.newBuilder().setUserId(side.user()).setOrderId(orderId).setFee(side.fee()).build();
        }

        private static String orderId(long user, int order) {
            return "o-" + user + "-" + order;
        }
    }
}
