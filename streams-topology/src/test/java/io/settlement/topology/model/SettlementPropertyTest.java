package io.settlement.topology.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.AccountType;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.LegPhase;
import io.settlement.avro.LegResult;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeSide;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import io.settlement.topology.model.ReferenceModel.Answer;
import io.settlement.topology.testkit.Commands;
import io.settlement.topology.testkit.SettlementDriver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random command sequences over a handful of users and assets, with retries, conflicting id
 * reuse, invalid and expired commands, out-of-order releases and trade legs (DEBIT, REFUND,
 * CREDIT on CLEARING), run through the real topology and through {@link ReferenceModel}: every
 * answer and every balance must agree, and each sequence conserves every asset. One driver
 * serves all tries (a driver's start costs more than a sequence); each try has its own users and
 * ids, and the full DESIGN.md section 9 check runs over everything at the end.
 */
class SettlementPropertyTest {
    private static final List<String> ASSETS = List.of("BTC", "USDT", "DOGE");
    private static final int USERS_PER_TRY = 2;
    private static SettlementDriver driver;
    private static int tryIndex;

    enum Type { DEPOSIT, DEPOSIT_INITIATED, DEPOSIT_CONFIRMED, DEPOSIT_CANCELLED, WITHDRAW_REQUESTED, WITHDRAW_CONFIRMED,
        WITHDRAW_CANCELLED, ORDER_RESERVED, ORDER_RELEASED, TRANSFER, DEBIT, DEBIT_FROM_AVAILABLE, REFUND, CREDIT, RETRY, CONFLICT, EXPIRED }

    /** One generated step; its fields are read per type (slot: deposit/withdrawal/order index; extra: filled_total or fee). */
    record Action(Type type, int user, int slot, int asset, long amount, long extra, int ref, boolean toSpot) {}

    /** Every try starts with user 0 holding BTC in both wallets, so orders and fills mostly find funds. */
    private static final List<Action> FUNDING_STEPS = List.of(
            new Action(Type.DEPOSIT, 0, 0, 0, 200, 1, 0, true),
            new Action(Type.TRANSFER, 0, 0, 0, 300, 1, 0, true));

    @BeforeContainer
    static void startDriver() {
        driver = SettlementDriver.start();
    }

    @AfterContainer
    static void checkEverythingAndStop() {
        try {
            driver.assertInvariants();
        } finally {
            driver.close();
        }
    }

    @Property(tries = 3_000)
    void topologyAgreesWithTheReferenceModel(@ForAll("sequences") List<Action> actions) {
        int run = ++tryIndex;
        long firstUser = 1_000L * run;
        ReferenceModel model = new ReferenceModel(Set.of("BTC", "USDT"));
        Map<BalanceKey, Balance> systemBefore = systemAccounts();
        List<Object> sent = new ArrayList<>();
        Commands commands = driver.commands();

        List<Action> steps = new ArrayList<>(FUNDING_STEPS);
        steps.addAll(actions);
        for (int i = 0; i < steps.size(); i++) {
            Action action = steps.get(i);
            Object command = build(action, commands, run, i, firstUser, sent);
            if (command == null) {
                continue;
            }
            sent.add(command);
            Answer expected = expect(model, command);
            Answer actual = send(command);
            assertThat(actual).as("step %d: %s", i, command).isEqualTo(expected);
            net.jqwik.api.statistics.Statistics.label("answers").collect(action.type(), expected.reason() == null ? "OK" : expected.reason());
        }

        for (Map.Entry<ReferenceModel.Account, ReferenceModel.Buckets> entry : model.balances.entrySet()) {
            ReferenceModel.Account account = entry.getKey();
            Balance balance = driver.balance(account.user(), AccountType.valueOf(account.wallet()), account.asset());
            assertThat(new long[] {balance.available(), balance.frozen(), balance.pending()}).as("balance of %s", account)
                    .containsExactly(entry.getValue().available, entry.getValue().frozen, entry.getValue().pending);
        }
        Map<BalanceKey, Balance> systemAfter = systemAccounts();
        for (String type : List.of("EXTERNAL", "CLEARING", "FEES")) {
            for (String asset : List.of("BTC", "USDT")) {
                BalanceKey key = new BalanceKey(0, AccountType.valueOf(type), driver.asset(asset).id());
                long delta = systemAfter.getOrDefault(key, Balance.ZERO).available() - systemBefore.getOrDefault(key, Balance.ZERO).available();
                assertThat(delta).as("change of %s", key).isEqualTo(model.system.getOrDefault(type + ":" + asset, 0L));
            }
        }
    }

    private static Object build(Action a, Commands commands, int run, int step, long firstUser, List<Object> sent) {
        long user = firstUser + a.user();
        String id = "p" + run + "-" + step;
        String asset = ASSETS.get(a.asset());
        String slot = "p" + run + "-s" + a.slot();
        String otherWallet = a.toSpot() ? "SPOT" : "FUNDING";
        return switch (a.type()) {
            case DEPOSIT -> commands.deposit(id, user, asset, a.amount() * 10);
            case DEPOSIT_INITIATED -> commands.depositInitiated(id, user, slot, asset, a.amount());
            case DEPOSIT_CONFIRMED -> commands.depositConfirmed(id, user, slot);
            case DEPOSIT_CANCELLED -> commands.depositCancelled(id, user, slot);
            case WITHDRAW_REQUESTED -> commands.withdrawRequested(id, user, slot, asset, a.amount());
            case WITHDRAW_CONFIRMED -> commands.withdrawConfirmed(id, user, slot);
            case WITHDRAW_CANCELLED -> commands.withdrawCancelled(id, user, slot);
            case ORDER_RESERVED -> commands.orderReserved(id, user, slot, asset, a.amount());
            case ORDER_RELEASED -> commands.orderReleased(id, user, slot, a.extra());
            case TRANSFER -> commands.transfer(id, user, a.extra() == 0 ? Wallet.valueOf(otherWallet) : a.toSpot() ? Wallet.FUNDING : Wallet.SPOT,
                    Wallet.valueOf(otherWallet), asset, a.amount() * 4);
            case DEBIT -> commands.leg(id, user, TradeSide.BUYER, LegPhase.DEBIT, asset, a.amount() / 3, 0, slot);
            case DEBIT_FROM_AVAILABLE -> commands.leg(id, user, TradeSide.SELLER, LegPhase.DEBIT, asset, a.amount(), 0, null);
            case REFUND -> commands.leg(id, user, TradeSide.BUYER, LegPhase.REFUND, asset, a.amount(), 0, slot);
            case CREDIT -> commands.leg(id, user, TradeSide.SELLER, LegPhase.CREDIT, asset, a.amount(), a.extra(), null);
            case RETRY -> sent.isEmpty() ? null : restamped(sent.get(a.ref() % sent.size()), commands.operation("x", 1, null).getCreatedAt());
            case CONFLICT -> sent.isEmpty() ? null : conflicting(sent.get(a.ref() % sent.size()));
            case EXPIRED -> expired(commands.deposit(id, user, asset, a.amount()));
        };
    }

    /** A retry: the same content, stamped anew. */
    private static Object restamped(Object command, Instant now) {
        if (command instanceof BalanceOperation op) {
            return BalanceOperation.newBuilder(op).setCreatedAt(now).build();
        } else if (command instanceof TransferRequest t) {
            return TransferRequest.newBuilder(t).setCreatedAt(now).build();
        }
        return TradeLeg.newBuilder((TradeLeg) command).setCreatedAt(now).build();
    }

    /** The same id (and kind) with other content. */
    private static Object conflicting(Object command) {
        if (command instanceof BalanceOperation op) {
            BalanceOperation copy = BalanceOperation.newBuilder(op).build();
            copy.setUserId(op.getUserId() + 1);
            return copy;
        } else if (command instanceof TransferRequest t) {
            return TransferRequest.newBuilder(t).setAmount(t.getAmount() + 1).build();
        }
        TradeLeg leg = (TradeLeg) command;
        return TradeLeg.newBuilder(leg).setAmount(leg.getAmount() + 1).build();
    }

    private static BalanceOperation expired(BalanceOperation op) {
        op.setCreatedAt(op.getCreatedAt().minus(driver.config().commandRetention()).minus(Duration.ofSeconds(1)));
        return op;
    }

    private static Answer expect(ReferenceModel model, Object command) {
        boolean expired = createdAt(command).isBefore(driver.now().minus(driver.config().commandRetention()));
        if (command instanceof TransferRequest t) {
            return model.command("INTERNAL_TRANSFER:" + t.getUserId() + ":" + t.getRequestId(), TransferRequest.newBuilder(t).setCreatedAt(Instant.EPOCH).build(), expired,
                    () -> model.transfer(t.getUserId(), t.getFromWallet().name(), t.getToWallet().name(), t.getAsset(), t.getAmount()));
        } else if (command instanceof TradeLeg leg) {
            String key = "TRADE_LEG:" + leg.getTradeId() + "/" + leg.getSide() + "/" + leg.getPhase();
            return model.command(key, TradeLeg.newBuilder(leg).setCreatedAt(Instant.EPOCH).build(), false, () -> switch (leg.getPhase()) {
                case DEBIT -> model.debit(leg.getUserId(), leg.getOrderId(), leg.getAsset(), leg.getAmount());
                case REFUND -> model.refund(leg.getUserId(), leg.getAsset(), leg.getAmount());
                case CREDIT -> model.credit(leg.getUserId(), leg.getAsset(), leg.getAmount(), leg.getFee());
            });
        }
        BalanceOperation op = (BalanceOperation) command;
        long user = op.getUserId();
        Object o = op.getOperation();
        String key = io.settlement.topology.balance.BalanceProcessor.kindOf(o) + ":" + op.getUserId() + ":" + op.getCommandId();
        return model.command(key, BalanceOperation.newBuilder(op).setCreatedAt(Instant.EPOCH).build(), expired, () -> {
            if (o instanceof io.settlement.avro.Deposit d) {
                return model.deposit(user, d.getAsset(), d.getAmount());
            } else if (o instanceof io.settlement.avro.DepositInitiated d) {
                return model.depositInitiated(user, d.getDepositId(), d.getAsset(), d.getAmount());
            } else if (o instanceof io.settlement.avro.DepositConfirmed d) {
                return model.depositFinished(user, d.getDepositId(), true);
            } else if (o instanceof io.settlement.avro.DepositCancelled d) {
                return model.depositFinished(user, d.getDepositId(), false);
            } else if (o instanceof io.settlement.avro.WithdrawRequested w) {
                return model.withdrawRequested(user, w.getWithdrawalId(), w.getAsset(), w.getAmount());
            } else if (o instanceof io.settlement.avro.WithdrawConfirmed w) {
                return model.withdrawFinished(user, w.getWithdrawalId(), true);
            } else if (o instanceof io.settlement.avro.WithdrawCancelled w) {
                return model.withdrawFinished(user, w.getWithdrawalId(), false);
            } else if (o instanceof io.settlement.avro.OrderReserved r) {
                return model.orderReserved(user, r.getOrderId(), r.getAsset(), r.getAmount());
            }
            io.settlement.avro.OrderReleased r = (io.settlement.avro.OrderReleased) o;
            return model.orderReleased(user, r.getOrderId(), r.getFilledTotal());
        });
    }

    private static Instant createdAt(Object command) {
        if (command instanceof BalanceOperation op) {
            return op.getCreatedAt();
        } else if (command instanceof TransferRequest t) {
            return t.getCreatedAt();
        }
        return ((TradeLeg) command).getCreatedAt();
    }

    private static Answer send(Object command) {
        if (command instanceof TradeLeg leg) {
            LegResult result = driver.send(leg);
            return new Answer(result.getStatus(), result.getReason());
        }
        SettlementResult result = command instanceof BalanceOperation op ? driver.send(op) : driver.send((TransferRequest) command);
        return new Answer(result.getStatus(), result.getReason());
    }

    private static Map<BalanceKey, Balance> systemAccounts() {
        Map<BalanceKey, Balance> system = new java.util.HashMap<>();
        for (AccountType type : List.of(AccountType.EXTERNAL, AccountType.CLEARING, AccountType.FEES)) {
            for (String asset : List.of("BTC", "USDT")) {
                BalanceKey key = new BalanceKey(0, type, driver.asset(asset).id());
                system.put(key, driver.balance(0, type, asset));
            }
        }
        return system;
    }

    @Provide
    Arbitrary<List<Action>> sequences() {
        Arbitrary<Type> type = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(Type.DEPOSIT)), Tuple.of(2, Arbitraries.just(Type.DEPOSIT_INITIATED)),
                Tuple.of(2, Arbitraries.just(Type.DEPOSIT_CONFIRMED)), Tuple.of(1, Arbitraries.just(Type.DEPOSIT_CANCELLED)),
                Tuple.of(2, Arbitraries.just(Type.WITHDRAW_REQUESTED)), Tuple.of(1, Arbitraries.just(Type.WITHDRAW_CONFIRMED)),
                Tuple.of(1, Arbitraries.just(Type.WITHDRAW_CANCELLED)), Tuple.of(4, Arbitraries.just(Type.ORDER_RESERVED)),
                Tuple.of(3, Arbitraries.just(Type.ORDER_RELEASED)), Tuple.of(5, Arbitraries.just(Type.TRANSFER)),
                Tuple.of(4, Arbitraries.just(Type.DEBIT)), Tuple.of(1, Arbitraries.just(Type.DEBIT_FROM_AVAILABLE)),
                Tuple.of(1, Arbitraries.just(Type.REFUND)), Tuple.of(2, Arbitraries.just(Type.CREDIT)),
                Tuple.of(2, Arbitraries.just(Type.RETRY)), Tuple.of(1, Arbitraries.just(Type.CONFLICT)), Tuple.of(1, Arbitraries.just(Type.EXPIRED)));
        Arbitrary<Integer> asset = Arbitraries.frequencyOf(Tuple.of(80, Arbitraries.just(0)), Tuple.of(17, Arbitraries.just(1)), Tuple.of(3, Arbitraries.just(2)));
        Arbitrary<Long> amount = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.longs().between(-2, 0)), Tuple.of(15, Arbitraries.longs().between(1, 120)));
        Arbitrary<Integer> user = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, USERS_PER_TRY - 1)));
        Arbitrary<Action> action = Combinators.combine(type, user,
                Arbitraries.integers().between(0, 1), asset, amount, Arbitraries.longs().between(-1, 130),
                Arbitraries.integers().between(0, 1_000), Arbitraries.frequency(Tuple.of(5, true), Tuple.of(1, false))).as(Action::new);
        return action.list().ofMinSize(1).ofMaxSize(24);
    }
}
