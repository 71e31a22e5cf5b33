package io.settlement.topology.trade;

import static io.settlement.avro.AccountType.CLEARING;
import static io.settlement.avro.AccountType.FUNDING;
import static io.settlement.avro.AccountType.SPOT;
import static org.assertj.core.api.Assertions.assertThat;

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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * Random interleavings of deposits, transfers, order reservations, releases and trades (valid
 * and invalid, fills before and after releases, self-trades, duplicates) over a few users,
 * through the real topology, checked after every step against DESIGN.md section 9 (no bucket
 * negative, per asset everything including CLEARING and FEES sums to zero), against a small
 * sequential model of the balances and the trade outcomes, and, once drained, CLEARING empty and
 * every trade SETTLED or REJECTED.
 */
class TradeSettlementPropertyTest {
    static final List<String> ASSETS = List.of("BTC", "USDT");
    static final int USERS = 4;
    static final int ORDERS_PER_USER = 3;
    static final long STARTING_FUNDS = 300;

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

    @Provide
    Arbitrary<List<Action>> scenarios() {
        Arbitrary<Long> user = Arbitraries.longs().between(1, USERS);
        Arbitrary<String> asset = Arbitraries.of(ASSETS);
        Arbitrary<Long> amount = Arbitraries.longs().between(1, 3_000);
        Arbitrary<Integer> order = Arbitraries.integers().between(0, ORDERS_PER_USER - 1);
        Arbitrary<Action> deposit = Combinators.combine(user, asset, amount, Arbitraries.of(true, true, false)).as(Deposit::new);
        Arbitrary<Action> transfer = Combinators.combine(user, Arbitraries.of(true, true, true, false), asset, amount).as(Transfer::new);
        Arbitrary<Action> reserve = Combinators.combine(user, order, asset, Arbitraries.longs().between(1, 1_000)).as(Reserve::new);
        Arbitrary<Action> release = Combinators.combine(user, order, Arbitraries.longs().between(0, 1_000)).as(Release::new);
        // Mostly trades that can settle (from available, or from an order of the right asset), some that cannot.
        Arbitrary<Integer> tradeOrder = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(-1)), Tuple.of(3, Arbitraries.integers().between(0, 9)));
        Arbitrary<Long> qty = Arbitraries.frequencyOf(Tuple.of(30, Arbitraries.longs().between(10, 150)), Tuple.of(1, Arbitraries.just(0L)));
        Arbitrary<Long> fee = Arbitraries.frequencyOf(Tuple.of(10, Arbitraries.just(0L)), Tuple.of(10, Arbitraries.longs().between(1, 20)),
                Tuple.of(1, Arbitraries.longs().between(301, 400)));
        Arbitrary<Side> side = Combinators.combine(user, tradeOrder, fee).as(Side::new);
        Arbitrary<Boolean> otherUsersOrder = Arbitraries.frequencyOf(Tuple.of(15, Arbitraries.just(false)), Tuple.of(1, Arbitraries.just(true)));
        Arbitrary<Action> fill = Combinators.combine(side, side, otherUsersOrder, qty, qty).as(Fill::new);
        Arbitrary<Action> resend = Combinators.combine(Arbitraries.integers().between(0, 50), Arbitraries.of(true, false)).as(Resend::new);
        Arbitrary<Action> action = Arbitraries.frequencyOf(
                Tuple.of(8, deposit), Tuple.of(3, transfer), Tuple.of(4, reserve), Tuple.of(2, release),
                Tuple.of(8, fill), Tuple.of(1, resend));
        return action.list().ofMinSize(10).ofMaxSize(60);
    }

    @Property(tries = 40)
    void tradesNeverBreakConservationAndAlwaysFinish(@ForAll("scenarios") List<Action> scenario) {
        try (SettlementDriver driver = SettlementDriver.start()) {
            Run run = new Run(driver);
            run.fundEveryone();
            for (Action action : scenario) {
                run.apply(action);
                run.checkAfterStep(action);
            }
            driver.assertInvariants();
        }
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
        private int step;

        Run(SettlementDriver driver) {
            this.driver = driver;
            this.commands = driver.commands();
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
                LedgerModel.Outcome expected = model.trade(trade);
                assertThat(result.getStatus()).as("status of %s after %s", trade, action).isEqualTo(expected.status());
                assertThat(result.getReason()).as("reason of %s", trade).isEqualTo(expected.reason());
                Statistics.label("trade outcomes").collect(result.getReason() == null ? "SETTLED" : result.getReason().name());
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
