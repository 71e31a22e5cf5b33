package io.settlement.topology.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.Generate.constant;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import io.settlement.avro.AccountType;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.LegPhase;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.LegResult;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeSide;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.topology.DeadLetterHeaders;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import io.settlement.testsupport.ReferenceLedger;
import io.settlement.topology.model.ReferenceModel.Answer;
import io.settlement.topology.testkit.Commands;
import io.settlement.topology.testkit.SettlementDriver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Random command sequences over a handful of users and assets, with retries, conflicting id
 * reuse, invalid and expired commands, out-of-order releases and trade legs (DEBIT, REFUND,
 * CREDIT on CLEARING), run through the real topology and through {@link ReferenceModel}: every
 * answer and every balance must agree, and each sequence conserves every asset. One driver
 * serves all tries (a driver's start costs more than a sequence); each try has its own users and
 * ids, and the full invariant check ({@link SettlementDriver#assertInvariants()}) runs over
 * everything at the end. A failure prints the seed; {@code -DQT_SEED=<seed>} replays the same
 * sequences.
 */
class SettlementPropertyTest {
    private static final List<String> ASSETS = List.of("BTC", "USDT", "DOGE");
    private static final int USERS_PER_TRY = 2;
    private static final int TRIES = 3_000;
    /** Bounds the search for a smaller failing sequence (each candidate runs through the driver) to seconds. */
    private static final int SHRINK_CYCLES = 1_000;
    private static SettlementDriver driver;
    private static int tryIndex;
    /** Per type, how often each answer was expected: shows the generator reaches the rules it is meant to. */
    private static final Map<Type, Map<String, Integer>> answers = new EnumMap<>(Type.class);

    enum Type { DEPOSIT, DEPOSIT_INITIATED, DEPOSIT_CONFIRMED, DEPOSIT_CANCELLED, WITHDRAW_REQUESTED, WITHDRAW_CONFIRMED,
        WITHDRAW_CANCELLED, ORDER_RESERVED, ORDER_RELEASED, ORDER_CLOSED, TRANSFER, DEBIT, DEBIT_FROM_AVAILABLE, REFUND, CREDIT, RETRY, CONFLICT, EXPIRED }

    /** One generated step; its fields are read per type (slot: deposit/withdrawal/order index; extra: filled_total or fee). */
    record Action(Type type, int user, int slot, int asset, long amount, long extra, int ref, boolean toSpot) {}

    /** Every try starts with user 0 holding BTC in both wallets, so orders and fills mostly find funds. */
    private static final List<Action> FUNDING_STEPS = List.of(
            new Action(Type.DEPOSIT, 0, 0, 0, 200, 1, 0, true),
            new Action(Type.TRANSFER, 0, 0, 0, 300, 1, 0, true));

    @BeforeAll
    static void startDriver() {
        driver = SettlementDriver.start();
    }

    @AfterAll
    static void checkEverythingAndStop() {
        try {
            driver.assertInvariants();
            System.out.println("sequences: " + tryIndex + ", answers by type: " + answers);
        } finally {
            driver.close();
        }
    }

    @Test
    void topologyAgreesWithTheReferenceModel() {
        qt().withExamples(TRIES).withShrinkCycles(SHRINK_CYCLES)
                .forAll(sequences())
                .checkAssert(SettlementPropertyTest::agreesWithTheModel);
    }

    private static void agreesWithTheModel(List<Action> actions) {
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
            answers.computeIfAbsent(action.type(), t -> new TreeMap<>()).merge(expected.status() == null ? "UNBACKED_LEG" : expected.reason() == null ? "OK" : expected.reason().name(), 1, Integer::sum);
        }

        for (Map.Entry<ReferenceLedger.Account, ReferenceLedger.Buckets> entry
                : model.ledger.accounts(account -> account.owner() != ReferenceLedger.SYSTEM).entrySet()) {
            ReferenceLedger.Account account = entry.getKey();
            Balance balance = driver.balance(account.owner(), AccountType.valueOf(account.wallet()), account.asset());
            assertThat(new long[] {balance.available(), balance.frozen(), balance.pending()}).as("balance of %s", account)
                    .containsExactly(entry.getValue().available(), entry.getValue().frozen(), entry.getValue().pending());
        }
        Map<BalanceKey, Balance> systemAfter = systemAccounts();
        for (String type : List.of("EXTERNAL", "CLEARING", "FEES")) {
            for (String asset : List.of("BTC", "USDT")) {
                BalanceKey key = new BalanceKey(0, AccountType.valueOf(type), driver.asset(asset).id());
                long delta = systemAfter.getOrDefault(key, Balance.ZERO).available() - systemBefore.getOrDefault(key, Balance.ZERO).available();
                assertThat(delta).as("change of %s", key).isEqualTo(model.ledger.system(type, asset));
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
            case ORDER_CLOSED -> commands.orderClosed(id, user, slot);
            case TRANSFER -> commands.transfer(id, user, a.extra() == 0 ? Wallet.valueOf(otherWallet) : a.toSpot() ? Wallet.FUNDING : Wallet.SPOT,
                    Wallet.valueOf(otherWallet), asset, a.amount() * 4);
            case DEBIT -> commands.leg(id, user, TradeSide.BUYER, LegPhase.DEBIT, asset, a.amount() / 3, Math.floorMod(a.extra(), 3), slot,
                    asset, a.amount() / 3, counterAsset(asset), Math.max(0, a.amount()));
            case DEBIT_FROM_AVAILABLE -> commands.leg(id, user, TradeSide.SELLER, LegPhase.DEBIT, asset, a.amount(), Math.floorMod(a.extra(), 3), null,
                    asset, a.amount(), counterAsset(asset), Math.max(0, a.amount()));
            case REFUND -> ending(sent, a.ref(), LegPhase.REFUND, commands.leg(id, user, TradeSide.BUYER, LegPhase.REFUND, asset, a.amount(), 0, slot));
            case CREDIT -> ending(sent, a.ref(), LegPhase.CREDIT, commands.leg(id, user, TradeSide.SELLER, LegPhase.CREDIT, asset, a.amount(), a.extra(), null));
            case RETRY -> sent.isEmpty() ? null : restamped(sent.get(a.ref() % sent.size()), commands.operation("x", 1, null).getCreatedAt());
            case CONFLICT -> sent.isEmpty() ? null : conflicting(sent.get(a.ref() % sent.size()));
            case EXPIRED -> expired(commands.deposit(id, user, asset, a.amount()));
        };
    }

    private static String counterAsset(String asset) {
        return "BTC".equals(asset) ? "USDT" : "BTC";
    }

    /**
     * The CREDIT or REFUND that ends an earlier DEBIT (chosen by {@code ref}) as the coordinator
     * would send it; without any earlier DEBIT, a leg that ends nothing.
     */
    private static TradeLeg ending(List<Object> sent, int ref, LegPhase phase, TradeLeg alone) {
        List<TradeLeg> debits = sent.stream().filter(c -> c instanceof TradeLeg leg && leg.getPhase() == LegPhase.DEBIT).map(TradeLeg.class::cast).toList();
        if (debits.isEmpty()) {
            return alone;
        }
        TradeLeg debit = debits.get(ref % debits.size());
        TradeLeg.Builder ending = TradeLeg.newBuilder(debit).setPhase(phase).setCreatedAt(alone.getCreatedAt());
        return phase == LegPhase.REFUND ? ending.build()
                : ending.setAsset(debit.getReceivedAsset()).setAmount(debit.getReceivedNet() + debit.getFee()).build();
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
            return model.leg(legKey(leg, leg.getPhase()), TradeLeg.newBuilder(leg).setCreatedAt(Instant.EPOCH).build(), () -> backed(model, leg), () -> switch (leg.getPhase()) {
                case DEBIT -> model.debit(leg.getUserId(), leg.getOrderId(), leg.getAsset(), leg.getAmount());
                case REFUND -> model.refund(leg.getUserId(), leg.getOrderId(), leg.getAsset(), leg.getAmount());
                case CREDIT -> model.credit(leg.getUserId(), leg.getAsset(), leg.getAmount(), leg.getFee());
            });
        }
        BalanceOperation op = (BalanceOperation) command;
        long user = op.getUserId();
        Object o = op.getOperation();
        String key = io.settlement.topology.balance.BalanceInput.of(op).kind() + ":" + op.getUserId() + ":" + op.getCommandId();
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
            } else if (o instanceof io.settlement.avro.OrderClosed c) {
                return model.orderClosed(user, c.getOrderId());
            }
            io.settlement.avro.OrderReleased r = (io.settlement.avro.OrderReleased) o;
            return model.orderReleased(user, r.getOrderId(), r.getFilledTotal());
        });
    }

    private static String legKey(TradeLeg leg, LegPhase phase) {
        return "TRADE_LEG:" + leg.getTradeId() + "/" + leg.getSide() + "/" + phase;
    }

    /** The rule of the balance task, said again: a CREDIT or REFUND ends exactly its side's accepted DEBIT, once. */
    private static boolean backed(ReferenceModel model, TradeLeg leg) {
        if (leg.getPhase() == LegPhase.DEBIT) {
            return true;
        }
        TradeLeg debit = TradeLeg.newBuilder(leg).setPhase(LegPhase.DEBIT).setAsset(leg.getPaidAsset()).setAmount(leg.getPaidAmount())
                .setCreatedAt(Instant.EPOCH).build();
        boolean exact = leg.getPhase() == LegPhase.CREDIT
                ? leg.getAsset().equals(leg.getReceivedAsset()) && leg.getAmount() > 0 && leg.getFee() >= 0 && leg.getAmount() - leg.getFee() == leg.getReceivedNet()
                : leg.getAsset().equals(leg.getPaidAsset()) && leg.getAmount() == leg.getPaidAmount();
        LegPhase other = leg.getPhase() == LegPhase.CREDIT ? LegPhase.REFUND : LegPhase.CREDIT;
        return model.remembers(legKey(leg, LegPhase.DEBIT), debit, ResultStatus.ACCEPTED) && exact && !model.remembersAny(legKey(leg, other));
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
            if (result == null) {
                TestRecord<byte[], byte[]> letter = driver.deadLetters().get(driver.deadLetters().size() - 1);
                assertThat(SettlementDriver.header(letter, DeadLetterHeaders.REASON)).as("a leg without an answer is dead-lettered").isEqualTo("UNBACKED_LEG");
                return Answer.UNBACKED;
            }
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

    static Gen<List<Action>> sequences() {
        Gen<Type> type = Generate.frequency(
                Pair.of(6, constant(Type.DEPOSIT)), Pair.of(2, constant(Type.DEPOSIT_INITIATED)),
                Pair.of(2, constant(Type.DEPOSIT_CONFIRMED)), Pair.of(1, constant(Type.DEPOSIT_CANCELLED)),
                Pair.of(2, constant(Type.WITHDRAW_REQUESTED)), Pair.of(1, constant(Type.WITHDRAW_CONFIRMED)),
                Pair.of(1, constant(Type.WITHDRAW_CANCELLED)), Pair.of(4, constant(Type.ORDER_RESERVED)),
                Pair.of(3, constant(Type.ORDER_RELEASED)), Pair.of(1, constant(Type.ORDER_CLOSED)), Pair.of(5, constant(Type.TRANSFER)),
                Pair.of(4, constant(Type.DEBIT)), Pair.of(1, constant(Type.DEBIT_FROM_AVAILABLE)),
                Pair.of(1, constant(Type.REFUND)), Pair.of(2, constant(Type.CREDIT)),
                Pair.of(2, constant(Type.RETRY)), Pair.of(1, constant(Type.CONFLICT)), Pair.of(1, constant(Type.EXPIRED)));
        Gen<Integer> asset = Generate.frequency(Pair.of(80, constant(0)), Pair.of(17, constant(1)), Pair.of(3, constant(2)));
        Gen<Long> amount = Generate.frequency(Pair.of(1, longs().between(-2, 0)), Pair.of(15, longs().between(1, 120)));
        Gen<Integer> user = Generate.frequency(Pair.of(4, constant(0)), Pair.of(1, integers().between(1, USERS_PER_TRY - 1)));
        Gen<Integer> slot = integers().between(0, 1);
        Gen<Long> extra = longs().between(-1, 130);
        Gen<Integer> ref = integers().between(0, 1_000);
        Gen<Boolean> toSpot = Generate.frequency(Pair.of(5, constant(true)), Pair.of(1, constant(false)));
        // Eight fields are more than Gen.zip takes; drawing each from the same source is what zip does, so shrinking still works.
        Gen<Action> action = in -> new Action(type.generate(in), user.generate(in), slot.generate(in), asset.generate(in),
                amount.generate(in), extra.generate(in), ref.generate(in), toSpot.generate(in));
        return lists().of(action).ofSizeBetween(1, 24);
    }
}
