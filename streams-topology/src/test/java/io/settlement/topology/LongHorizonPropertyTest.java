package io.settlement.topology;

import static io.settlement.avro.AccountType.FUNDING;
import static io.settlement.avro.AccountType.SPOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.settlement.avro.AccountType;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.avro.Wallet;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.Reservation;
import io.settlement.topology.balance.ResultRules;
import io.settlement.topology.testkit.Commands;
import io.settlement.topology.testkit.SettlementDriver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Random long-horizon histories through the real topology, against a small reference model of
 * the money rules: deposits, reservations, releases before and after fills, trades that settle
 * or fail on either leg (unknown and closed orders, over-fills, insufficient funds, an account
 * that cannot take what it buys at the numeric limit), replays of earlier commands and trades
 * with fresh stamps, and a wall clock that jumps past the fill grace and the retention while the
 * purges run. After every step: every answer is the model's, every wallet equals the model's,
 * and the invariants hold (no negative bucket, sums per asset zero, CLEARING empty with no trade
 * pending, no closed or overdue order holding funds, one result per command and trade, no entry
 * applied twice). One driver serves every history, each with its own users and ids.
 */
class LongHorizonPropertyTest {
    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Duration GRACE = Duration.ofMinutes(10);
    private static final Duration PURGE = Duration.ofMinutes(1);
    private static final List<String> BASES = List.of("BTC", "WEI");
    private static final int ORDER_SLOTS = 3;

    private static SettlementDriver driver;
    private static int run;
    private static final Map<Kind, Integer> seen = new EnumMap<>(Kind.class);
    private static final Map<String, Integer> tradeAnswers = new java.util.TreeMap<>();

    enum Kind { DEPOSIT, DEPOSIT_NEAR_LIMIT, CHAIN_DEPOSIT, CONFIRM, RESERVE, RELEASE, TRADE, REPLAY, REPLAY_TRADE, FORGE, TICK,
        PAST_GRACE, PAST_RETENTION }

    /** One step: a, b, c pick users, slots and assets; n sizes the amount. */
    record Step(Kind kind, int a, int b, int c, int n) {}

    @BeforeAll
    static void startDriver() {
        driver = SettlementDriver.start(new SettlementConfig(Assets.parse("BTC:1:8,USDT:2:6,WEI:4:18"), RETENTION, PURGE, GRACE, 1));
    }

    @AfterAll
    static void checkEverythingAndStop() {
        try {
            driver.assertInvariants();
            System.out.println("long-horizon histories: " + run + ", steps by kind: " + seen + ", trade answers: " + tradeAnswers);
        } finally {
            driver.close();
        }
    }

    @Test
    void moneyStaysRightWhateverTheHistoryAndHoweverLongItRuns() {
        Gen<Kind> kind = Generate.frequency(List.of(
                Pair.of(8, Generate.constant(Kind.DEPOSIT)), Pair.of(1, Generate.constant(Kind.DEPOSIT_NEAR_LIMIT)),
                Pair.of(2, Generate.constant(Kind.CHAIN_DEPOSIT)), Pair.of(2, Generate.constant(Kind.CONFIRM)),
                Pair.of(4, Generate.constant(Kind.RESERVE)), Pair.of(3, Generate.constant(Kind.RELEASE)),
                Pair.of(7, Generate.constant(Kind.TRADE)), Pair.of(3, Generate.constant(Kind.REPLAY)),
                Pair.of(2, Generate.constant(Kind.REPLAY_TRADE)), Pair.of(1, Generate.constant(Kind.FORGE)),
                Pair.of(3, Generate.constant(Kind.TICK)),
                Pair.of(1, Generate.constant(Kind.PAST_GRACE)), Pair.of(1, Generate.constant(Kind.PAST_RETENTION))));
        Gen<Step> step = kind.zip(integers().between(0, 1), integers().between(0, ORDER_SLOTS), integers().between(0, 1),
                integers().between(0, 99), Step::new);
        qt().withExamples(100).withShrinkCycles(30)
                .forAll(lists().of(step).ofSizeBetween(1, 40))
                .checkAssert(LongHorizonPropertyTest::runHistory);
    }

    private static void runHistory(List<Step> steps) {
        History history = new History(++run);
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            seen.merge(s.kind(), 1, Integer::sum);
            history.apply(s, i);
            history.checkWallets("after step " + i + " " + s);
            driver.assertInvariants();
        }
    }

    /** The reference model of one history, and how each step is sent and checked. */
    private static final class History {
        private final int id;
        private final long[] users;
        private final Commands commands = driver.commands();
        private final Map<String, Long> wallets = new HashMap<>();
        private final Map<String, Order> orders = new HashMap<>();
        private final Map<String, Deposit> deposits = new HashMap<>();
        /** Where in {@link #sent} the confirmation of each user's transaction is (its command id is the transaction id). */
        private final Map<String, Integer> confirmations = new HashMap<>();
        private final List<Sent> sent = new ArrayList<>();
        private final List<SentTrade> trades = new ArrayList<>();

        History(int id) {
            this.id = id;
            this.users = new long[] {100L * id + 1, 100L * id + 2};
        }

        void apply(Step s, int index) {
            String name = "h" + id + "-" + index;
            long user = users[s.a()];
            switch (s.kind()) {
                case DEPOSIT -> deposit(name, user, s.c() == 0 ? "USDT" : BASES.get(s.b() % 2), 1 + s.n() * 37L);
                case DEPOSIT_NEAR_LIMIT -> deposit(name, user, "WEI", Long.MAX_VALUE - s.n());
                case CHAIN_DEPOSIT -> chainDeposit(name, user, txId(s.b()), s.c() == 0 ? "USDT" : "BTC", 1 + s.n() * 7L);
                case CONFIRM -> {
                    Integer earlier = confirmations.get(user + "/" + txId(s.b()));
                    if (earlier != null) {
                        replay(earlier);
                    } else {
                        confirmations.put(user + "/" + txId(s.b()), sent.size());
                        confirm(commands.depositConfirmed(txId(s.b()), user, txId(s.b())), true);
                    }
                }
                case RESERVE -> reserve(name, user, orderId(s.b() % ORDER_SLOTS), s.c() == 0 ? "USDT" : "BTC", 1 + s.n() * 11L);
                case RELEASE -> release(commands.orderReleased(name, user, orderId(s.b()), s.n() * 9L), true);
                case TRADE -> trade(name, s, user, users[1 - s.a()]);
                case REPLAY -> {
                    if (!sent.isEmpty()) {
                        replay(s.n() % sent.size());
                    }
                }
                case REPLAY_TRADE -> replayTrade(s.n());
                case FORGE -> forge(name, user, BASES.get(s.c()), 1 + s.n() * 1_000L);
                case TICK -> advance(Duration.ofMinutes(1 + s.n() % 5));
                case PAST_GRACE -> advance(GRACE.plus(PURGE).plus(PURGE));
                case PAST_RETENTION -> advance(RETENTION.plus(PURGE).plus(PURGE));
            }
        }

        /** Order ids are shared between the two users of a history: each user's order is its own. */
        private String orderId(int slot) {
            return slot == ORDER_SLOTS ? "no-such-order-h" + id : "o-h" + id + "-" + slot;
        }

        /** One chain transaction may pay both users of a history: each is credited once. */
        private String txId(int slot) {
            return "tx-h" + id + "-" + slot % 2;
        }

        private void chainDeposit(String name, long user, String txId, String asset, long amount) {
            SettlementResult result = send(commands.depositInitiated(name, user, txId, asset, amount));
            String key = user + "/" + txId;
            Reason expected = deposits.containsKey(key) ? Reason.DUPLICATE_DEPOSIT : fits(user, "FUNDING", asset, amount) ? null : Reason.AMOUNT_OVERFLOW;
            assertThat(result.getReason()).as("deposit %s of user %d", txId, user).isEqualTo(expected);
            if (expected == null) {
                deposits.put(key, new Deposit(asset, amount));
                add(user, "PENDING", asset, amount);
            }
        }

        /** A confirmation, sent with the transaction id as its command id, as the HTTP API does; before its deposit it claims nothing. */
        private SettlementResult confirm(BalanceOperation op, boolean remember) {
            SettlementResult result = send(op, remember);
            long user = op.getUserId();
            String txId = ((io.settlement.avro.DepositConfirmed) op.getOperation()).getDepositId();
            Deposit deposit = deposits.get(user + "/" + txId);
            Reason expected = deposit == null ? Reason.UNKNOWN_DEPOSIT : deposit.confirmed ? Reason.ALREADY_FINAL
                    : fits(user, "FUNDING", deposit.asset, deposit.amount) ? null : Reason.AMOUNT_OVERFLOW;
            assertThat(result.getReason()).as("confirmation of %s of user %d", txId, user).isEqualTo(expected);
            if (expected == null) {
                deposit.confirmed = true;
                add(user, "PENDING", deposit.asset, -deposit.amount);
                add(user, "FUNDING", deposit.asset, deposit.amount);
            }
            return result;
        }

        private void deposit(String name, long user, String asset, long amount) {
            SettlementResult credited = send(commands.deposit(name, user, asset, amount));
            Reason expected = fits(user, "FUNDING", asset, amount) ? null : Reason.AMOUNT_OVERFLOW;
            assertThat(credited.getReason()).as("deposit %s", name).isEqualTo(expected);
            if (expected != null) {
                return;
            }
            add(user, "FUNDING", asset, amount);
            io.settlement.avro.TransferRequest transfer = commands.transfer(name, user, Wallet.FUNDING, Wallet.SPOT, asset, amount);
            SettlementResult moved = driver.send(transfer);
            sent.add(new Sent(transfer, moved, driver.now()));
            Reason toSpot = fits(user, "SPOT", asset, amount) ? null : Reason.AMOUNT_OVERFLOW;
            assertThat(moved.getReason()).as("transfer %s", name).isEqualTo(toSpot);
            if (toSpot == null) {
                add(user, "FUNDING", asset, -amount);
                add(user, "SPOT", asset, amount);
            }
        }

        private void reserve(String name, long user, String orderId, String asset, long amount) {
            SettlementResult result = send(commands.orderReserved(name, user, orderId, asset, amount));
            Reason expected = order(user, orderId) != null ? Reason.DUPLICATE_ORDER
                    : get(user, "SPOT", asset) < amount ? Reason.INSUFFICIENT_AVAILABLE : null;
            assertThat(result.getReason()).as("reserve %s", name).isEqualTo(expected);
            if (expected == null) {
                orders.put(user + "/" + orderId, new Order(user, orderId, asset, amount));
                add(user, "SPOT", asset, -amount);
                add(user, "FROZEN", asset, amount);
            }
        }

        /** A release; before its reservation it claims nothing, and a retry after it applies. */
        private SettlementResult release(BalanceOperation op, boolean remember) {
            SettlementResult result = send(op, remember);
            long user = op.getUserId();
            io.settlement.avro.OrderReleased release = (io.settlement.avro.OrderReleased) op.getOperation();
            long filledTotal = release.getFilledTotal();
            Order order = order(user, release.getOrderId());
            Reason expected = order == null ? Reason.UNKNOWN_ORDER : order.released ? Reason.ORDER_RELEASED
                    : filledTotal > order.reserved ? Reason.FILL_EXCEEDS_RESERVATION : null;
            assertThat(result.getReason()).as("release %s", op.getCommandId()).isEqualTo(expected);
            if (expected == null) {
                long kept = Math.max(0, Math.min(filledTotal - order.consumed - order.rejected, order.remaining()));
                long back = order.remaining() - kept;
                order.released = true;
                order.returned += back;
                add(user, "FROZEN", order.asset, -back);
                add(user, "SPOT", order.asset, back);
                order.closeIfDone();
            }
            return result;
        }

        private Order order(long user, String orderId) {
            return orderId == null ? null : orders.get(user + "/" + orderId);
        }

        private void trade(String name, Step s, long buyer, long seller) {
            String base = BASES.get(s.c());
            long baseQty = 1 + s.n() * 3L;
            long quoteQty = 1 + s.n() * 13L;
            long buyerFee = s.n() % 4 == 0 ? baseQty / 10 : 0;
            long sellerFee = s.n() % 3 == 0 ? quoteQty / 20 : 0;
            // Half the buyers pay from an order, now and then one that does not exist.
            String buyerOrder = s.b() <= 1 ? null : orderId(s.b() == 3 && s.n() % 7 == 0 ? ORDER_SLOTS : s.n() % ORDER_SLOTS);
            String sellerOrder = s.n() % 5 == 0 ? orderId(s.n() % (ORDER_SLOTS + 1)) : null;
            Trade trade = Trade.newBuilder().setTradeId(name).setSymbol(base + "USDT").setBaseAsset(base).setQuoteAsset("USDT")
                    .setBaseQty(baseQty).setQuoteQty(quoteQty)
                    .setBuyer(TradeParty.newBuilder().setUserId(buyer).setOrderId(buyerOrder).setFee(buyerFee).build())
                    .setSeller(TradeParty.newBuilder().setUserId(seller).setOrderId(sellerOrder).setFee(sellerFee).build())
                    .setExecutedAt(driver.now()).build();
            SettlementResult result = driver.settle(trade);
            trades.add(new SentTrade(trade, result, driver.now()));
            tradeAnswers.merge(result.getReason() == null ? "SETTLED" : result.getReason().name(), 1, Integer::sum);

            Reason buyerDebit = debit(buyer, buyerOrder, "USDT", quoteQty, base, baseQty - buyerFee);
            Reason sellerDebit = debit(seller, sellerOrder, base, baseQty, "USDT", quoteQty - sellerFee);
            Reason expected = buyerDebit != null ? buyerDebit : sellerDebit;
            assertThat(result.getReason()).as("trade %s", name).isEqualTo(expected);
            if (expected == null) {
                take(buyer, buyerOrder, "USDT", quoteQty);
                take(seller, sellerOrder, base, baseQty);
                add(buyer, "SPOT", base, baseQty - buyerFee);
                add(seller, "SPOT", "USDT", quoteQty - sellerFee);
                return;
            }
            endRejected(buyer, buyerOrder, "USDT", quoteQty, buyerDebit);
            endRejected(seller, sellerOrder, base, baseQty, sellerDebit);
        }

        /**
         * One side of a rejected trade: an accepted DEBIT is refunded (into its order before the
         * release, to SPOT.available after it); a refused one leaves a note on its order that the
         * release need not wait for it.
         */
        private void endRejected(long user, String orderId, String asset, long amount, Reason debit) {
            Order order = order(user, orderId);
            if (debit == null) {
                take(user, orderId, asset, amount);
                boolean ofOrder = order != null && !order.closed;
                if (ofOrder && !order.released) {
                    order.consumed -= amount;
                    order.rejected += amount;
                    add(user, "FROZEN", asset, amount);
                } else {
                    if (ofOrder) {
                        order.consumed -= amount;
                        order.returned += amount;
                        order.closeIfDone();
                    }
                    add(user, "SPOT", asset, amount);
                }
            } else if (order != null && !order.released && (debit == Reason.FILL_EXCEEDS_RESERVATION || debit == Reason.AMOUNT_OVERFLOW)) {
                order.rejected += amount;
            }
        }

        /** Why a side's DEBIT is rejected, null if it is accepted; a rejected trade's accepted debit is refunded to where it came from. */
        private Reason debit(long user, String orderId, String asset, long amount, String received, long receivedNet) {
            if (orderId == null) {
                if (get(user, "SPOT", asset) < amount) {
                    return Reason.INSUFFICIENT_AVAILABLE;
                }
            } else {
                Order order = order(user, orderId);
                if (order == null) {
                    return Reason.UNKNOWN_ORDER;
                }
                if (!order.asset.equals(asset)) {
                    return Reason.ASSET_MISMATCH;
                }
                if (order.closed) {
                    return Reason.ORDER_CLOSED;
                }
                if (amount > order.remaining()) {
                    return Reason.FILL_EXCEEDS_RESERVATION;
                }
            }
            return fits(user, "SPOT", received, receivedNet) ? null : Reason.AMOUNT_OVERFLOW;
        }

        private void take(long user, String orderId, String asset, long amount) {
            if (orderId == null) {
                add(user, "SPOT", asset, -amount);
            } else {
                Order order = order(user, orderId);
                order.consumed += amount;
                add(user, "FROZEN", asset, -amount);
                order.closeIfDone();
            }
        }

        private void replay(int index) {
            Sent first = sent.get(index);
            Object command = first.command();
            if (!ResultRules.claimsId(first.result().getKind(), first.result().getReason())) {
                // It named something not there yet and claimed nothing: the retry is a new attempt, and what it comes to stands.
                BalanceOperation op = BalanceOperation.newBuilder((BalanceOperation) command).setCreatedAt(driver.now()).build();
                SettlementResult retried = op.getOperation() instanceof io.settlement.avro.DepositConfirmed ? confirm(op, false) : release(op, false);
                sent.set(index, new Sent(op, retried, driver.now()));
                return;
            }
            SettlementResult again = command instanceof BalanceOperation op
                    ? send(BalanceOperation.newBuilder(op).setCreatedAt(driver.now()).build(), false)
                    : driver.send(io.settlement.avro.TransferRequest.newBuilder((io.settlement.avro.TransferRequest) command)
                            .setCreatedAt(driver.now()).build());
            if (Duration.between(first.at(), driver.now()).compareTo(RETENTION) > 0) {
                assertThat(again.getReason()).as("replay of %s after the retention", first.result().getCommandId())
                        .isEqualTo(Reason.REPLAY_AFTER_RETENTION);
            } else {
                assertThat(again).as("retry of %s", first.result().getCommandId()).isEqualTo(first.result());
            }
        }

        /**
         * A writer of the internal topic without the application's key sends a DEBIT claiming to
         * receive {@code amount} and the CREDIT that matches it: both are dead-lettered, nothing
         * moves (the wallets are checked after every step).
         */
        private void forge(String name, long user, String asset, long amount) {
            int deadLetters = driver.deadLetters().size();
            io.settlement.contract.InternalRecordKeys foreign = io.settlement.contract.InternalRecordKeys.parse(
                    io.settlement.contract.InternalRecordKeys.generate());
            io.settlement.avro.TradeLeg debit = commands.leg("forged-" + name, user, io.settlement.avro.TradeSide.BUYER,
                    io.settlement.avro.LegPhase.DEBIT, "USDT", 1, 0, null, "USDT", 1, asset, amount);
            io.settlement.avro.TradeLeg credit = io.settlement.avro.TradeLeg.newBuilder(debit).setPhase(io.settlement.avro.LegPhase.CREDIT)
                    .setAsset(asset).setAmount(amount).build();
            assertThat(driver.sendSignedWith(foreign, debit)).as("forged DEBIT %s", name).isNull();
            assertThat(driver.sendSignedWith(foreign, credit)).as("forged CREDIT %s", name).isNull();
            assertThat(driver.deadLetters().subList(deadLetters, driver.deadLetters().size()))
                    .extracting(letter -> SettlementDriver.header(letter, DeadLetterHeaders.REASON))
                    .containsExactly("UNAUTHENTICATED_INTERNAL_RECORD", "UNAUTHENTICATED_INTERNAL_RECORD");
        }

        private void replayTrade(int pick) {
            if (trades.isEmpty()) {
                return;
            }
            SentTrade first = trades.get(pick % trades.size());
            SettlementResult again = driver.settle(Trade.newBuilder(first.trade()).setExecutedAt(driver.now()).build());
            if (Duration.between(first.at(), driver.now()).compareTo(RETENTION) > 0 && again.getReason() == Reason.REPLAY_AFTER_RETENTION) {
                return; // compacted: answered with its own reason
            }
            assertThat(again).as("retry of trade %s", first.trade().getTradeId()).isEqualTo(first.result());
        }

        /** Moves the wall clock: time closes no order; every order is open or closed as the model says. */
        private void advance(Duration duration) {
            driver.advanceWallClock(duration);
            orders.values().forEach(order -> {
                Reservation stored = driver.reservation(order.user, order.id);
                assertThat(stored.isClosed()).as("order %s of user %d closed", order.id, order.user).isEqualTo(order.closed);
                assertThat(stored.remaining()).as("order %s of user %d holds", order.id, order.user).isEqualTo(order.remaining());
            });
        }

        private SettlementResult send(BalanceOperation op) {
            return send(op, true);
        }

        private SettlementResult send(BalanceOperation op, boolean remember) {
            int before = driver.results().size();
            SettlementResult result = driver.send(op);
            assertThat(driver.results()).as("one result for %s", op.getCommandId()).hasSize(before + 1);
            if (remember) {
                sent.add(new Sent(op, result, driver.now()));
            }
            return result;
        }


        void checkWallets(String when) {
            for (long user : users) {
                for (String asset : List.of("BTC", "USDT", "WEI")) {
                    Balance funding = driver.balance(user, FUNDING, asset);
                    Balance spot = driver.balance(user, SPOT, asset);
                    assertThat(new long[] {funding.available(), funding.pending(), spot.available(), spot.frozen(), spot.incoming()})
                            .as("user %d %s %s", user, asset, when)
                            .containsExactly(get(user, "FUNDING", asset), get(user, "PENDING", asset), get(user, "SPOT", asset),
                                    get(user, "FROZEN", asset), 0L);
                }
            }
            assertThat(driver.system(AccountType.CLEARING, "USDT")).as("CLEARING %s", when).isZero();
        }

        /** Whether an account can take {@code amount} more (between steps no trade is in flight, so no room is kept). */
        private boolean fits(long user, String wallet, String asset, long amount) {
            long held = wallet.equals("SPOT") ? get(user, "SPOT", asset) + get(user, "FROZEN", asset)
                    : get(user, "FUNDING", asset) + get(user, "PENDING", asset);
            return amount <= Long.MAX_VALUE - held;
        }

        private long get(long user, String bucket, String asset) {
            return wallets.getOrDefault(user + bucket + asset, 0L);
        }

        private void add(long user, String bucket, String asset, long delta) {
            long value = get(user, bucket, asset) + delta;
            assertThat(value).as("model bucket %d %s %s", user, bucket, asset).isNotNegative();
            wallets.put(user + bucket + asset, value);
        }
    }

    private static final class Order {
        final long user;
        final String id;
        final String asset;
        final long reserved;
        long consumed;
        long returned;
        long rejected;
        boolean released;
        boolean closed;

        Order(long user, String id, String asset, long reserved) {
            this.user = user;
            this.id = id;
            this.asset = asset;
            this.reserved = reserved;
        }

        long remaining() {
            return reserved - consumed - returned;
        }

        /** A released order closes when what its announced fills need reaches zero. */
        void closeIfDone() {
            closed |= released && remaining() == 0;
        }
    }

    private static final class Deposit {
        final String asset;
        final long amount;
        boolean confirmed;

        Deposit(String asset, long amount) {
            this.asset = asset;
            this.amount = amount;
        }
    }

    private record Sent(Object command, SettlementResult result, Instant at) {}

    private record SentTrade(Trade trade, SettlementResult result, Instant at) {}
}
