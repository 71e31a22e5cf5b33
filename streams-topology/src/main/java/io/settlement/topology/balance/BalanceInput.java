package io.settlement.topology.balance;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Deposit;
import io.settlement.avro.DepositCancelled;
import io.settlement.avro.DepositConfirmed;
import io.settlement.avro.DepositInitiated;
import io.settlement.avro.OrderClosed;
import io.settlement.avro.OrderReleased;
import io.settlement.avro.OrderReserved;
import io.settlement.avro.WithdrawCancelled;
import io.settlement.avro.WithdrawConfirmed;
import io.settlement.avro.WithdrawRequested;
import io.settlement.avro.ChainStep;
import io.settlement.avro.CommandKind;
import io.settlement.avro.LegResult;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TransferRequest;
import io.settlement.contract.CommandKeys;
import io.settlement.contract.Topics;
import io.settlement.topology.ContentDigest;
import io.settlement.topology.balance.FundingCommands.HoldKind;
import java.time.Instant;
import java.util.Objects;

/**
 * One record the {@link BalanceProcessor} reads, keyed by user id: a balance operation from
 * {@code balance.operations}, an internal transfer from {@code transfer.requests}, or a trade leg
 * from {@code settlement.internal.trade-legs}. Each says what the processor's guards need (its
 * kind, id, user, creation time, the key its first answer is remembered under, the journal entry
 * it posts under, whether the command retention bounds it, its digest and its effect) so that
 * commands and trade legs pass the one guard sequence and apply without the processor looking at
 * their types. A balance operation's union is read once, by {@link #of}.
 */
public sealed interface BalanceInput permits BalanceInput.Command, BalanceInput.Transfer, BalanceInput.Leg {
    /** The kind its result, journal entry and balance events name: the operation's kind, INTERNAL_TRANSFER, or TRADE for a trade leg. */
    CommandKind kind();

    /** The id its sender chose (the trade id for a trade leg), or the empty string when it has none. */
    String commandId();

    /** The user whose balances it moves, as the record says. */
    long userId();

    /** When its sender created it. */
    Instant createdAt();

    /**
     * The key its first answer is remembered under in the {@code commands} store:
     * {@code KIND:user_id:command_id}, or {@code TRADE_LEG:<trade_id>/<SIDE>/<PHASE>} for a trade leg.
     */
    default String commandKey() {
        return CommandKeys.of(kind(), userId(), commandId());
    }

    /** The id of the journal entry it posts: its command key, or {@code TRADE:<trade_id>/<SIDE>/<PHASE>} for a trade leg. */
    default String entryId() {
        return commandKey();
    }

    /**
     * Whether the command retention bounds it: such a record created longer ago than the retention
     * is EXPIRED, and a retry of it answered longer ago than the retention gets
     * REPLAY_AFTER_RETENTION. A trade leg is not bounded: a CREDIT or a REFUND must land however
     * late, and a retried leg always gets its first answer.
     */
    default boolean boundByRetention() {
        return true;
    }

    /** Its value as its source topic's serde writes it, for the copy of it that goes to the dead-letter topic. */
    byte[] valueBytes(Topics topics, String topic);

    /**
     * Its content digest without its {@code created_at} (a retry stamped anew is the same input),
     * under which its first answer is remembered. The byte layout of each is fixed: remembered
     * digests are compared with it for ever.
     */
    byte[] digest(ContentDigest digest);

    /** Validates and applies it through its handler. */
    Outcome apply(Handlers handlers, Step step, LedgerEvents events);

    /** The step it applies as, at {@code timeMs}: what its journal entry and balance events name. */
    default Step step(long timeMs) {
        return new Step(kind(), commandId(), entryId(), userId(), timeMs);
    }

    /**
     * The input of a balance operation record: the one place its union is read. Every later step
     * (the guards, the digest, the handler) asks the wrapped command, never the union again.
     */
    static BalanceInput of(BalanceOperation operation) {
        Objects.requireNonNull(operation, "operation");
        Object op = operation.getOperation();
        if (op instanceof Deposit x) {
            return new Command(operation, CommandKind.DEPOSIT, d -> d.add(x.getAsset()).add(x.getAmount()),
                    (h, user, step, events) -> h.funding().deposit(user, x.getAsset(), x.getAmount(), step, events));
        } else if (op instanceof DepositInitiated x) {
            return new Command(operation, CommandKind.DEPOSIT_INITIATED, d -> d.add(x.getDepositId()).add(x.getAsset()).add(x.getAmount()),
                    (h, user, step, events) -> h.funding().open(HoldKind.DEPOSIT, user, x.getDepositId(), x.getAsset(), x.getAmount(), step, events));
        } else if (op instanceof DepositConfirmed x) {
            return holdEnds(operation, CommandKind.DEPOSIT_CONFIRMED, HoldKind.DEPOSIT, x.getDepositId(), Hold.State.CONFIRMED);
        } else if (op instanceof DepositCancelled x) {
            return holdEnds(operation, CommandKind.DEPOSIT_CANCELLED, HoldKind.DEPOSIT, x.getDepositId(), Hold.State.CANCELLED);
        } else if (op instanceof WithdrawRequested x) {
            return new Command(operation, CommandKind.WITHDRAW_REQUESTED, d -> d.add(x.getWithdrawalId()).add(x.getAsset()).add(x.getAmount()),
                    (h, user, step, events) -> h.funding().open(HoldKind.WITHDRAWAL, user, x.getWithdrawalId(), x.getAsset(), x.getAmount(), step, events));
        } else if (op instanceof WithdrawConfirmed x) {
            return holdEnds(operation, CommandKind.WITHDRAW_CONFIRMED, HoldKind.WITHDRAWAL, x.getWithdrawalId(), Hold.State.CONFIRMED);
        } else if (op instanceof WithdrawCancelled x) {
            return holdEnds(operation, CommandKind.WITHDRAW_CANCELLED, HoldKind.WITHDRAWAL, x.getWithdrawalId(), Hold.State.CANCELLED);
        } else if (op instanceof OrderReserved x) {
            return new Command(operation, CommandKind.ORDER_RESERVED, d -> d.add(x.getOrderId()).add(x.getAsset()).add(x.getAmount()),
                    (h, user, step, events) -> h.orders().reserve(user, x, step, events));
        } else if (op instanceof OrderReleased x) {
            return new Command(operation, CommandKind.ORDER_RELEASED, d -> d.add(x.getOrderId()).add(x.getFilledTotal()),
                    (h, user, step, events) -> h.orders().release(user, x, step, events));
        } else if (op instanceof OrderClosed x) {
            return new Command(operation, CommandKind.ORDER_CLOSED, d -> d.add(x.getOrderId()),
                    (h, user, step, events) -> h.orders().close(user, x, step, events));
        }
        throw new IllegalStateException("unknown balance operation " + (op == null ? null : op.getClass()));
    }

    /** The confirmation or cancellation of a deposit's or a withdrawal's hold: one lifecycle for both. */
    private static Command holdEnds(BalanceOperation operation, CommandKind kind, HoldKind hold, String id, Hold.State end) {
        return new Command(operation, kind, d -> d.add(id), (h, user, step, events) -> h.funding().finish(hold, user, id, end, step, events));
    }

    /** The handlers of the balance processor that commands apply through. */
    record Handlers(FundingCommands funding, OrderCommands orders, TransferCommands transfers, TradeLegCommands legs) {}

    /** What a command adds to its digest after its kind, id and user. */
    @FunctionalInterface
    interface Fields {
        void addTo(ContentDigest digest);
    }

    /** How a command applies through the handlers. */
    @FunctionalInterface
    interface Effect {
        Outcome apply(Handlers handlers, long userId, Step step, LedgerEvents events);
    }

    /**
     * A balance operation (deposit, withdrawal, order reservation and their steps), wrapped once
     * by {@link #of}: it knows its kind, the fields of its digest and its effect. One result on
     * {@code settlement.results}.
     */
    record Command(BalanceOperation operation, CommandKind kind, Fields fields, Effect effect) implements BalanceInput {
        public Command {
            Objects.requireNonNull(operation, "operation");
        }

        @Override
        public String commandId() {
            return operation.getCommandId() == null ? "" : operation.getCommandId();
        }

        @Override
        public long userId() {
            return operation.getUserId();
        }

        @Override
        public Instant createdAt() {
            return operation.getCreatedAt();
        }

        @Override
        public byte[] valueBytes(Topics topics, String topic) {
            return topics.balanceOperations().valueSerde().serializer().serialize(topic, operation);
        }

        @Override
        public byte[] digest(ContentDigest digest) {
            ContentDigest d = digest.begin(kind.name()).add(operation.getCommandId()).add(operation.getUserId());
            fields.addTo(d);
            return d.finish();
        }

        @Override
        public Outcome apply(Handlers handlers, Step step, LedgerEvents events) {
            return effect.apply(handlers, operation.getUserId(), step, events);
        }
    }

    /** An internal transfer between two wallets of one user: one result on {@code settlement.results}. */
    record Transfer(TransferRequest request) implements BalanceInput {
        public Transfer {
            Objects.requireNonNull(request, "request");
        }

        @Override
        public CommandKind kind() {
            return CommandKind.INTERNAL_TRANSFER;
        }

        @Override
        public String commandId() {
            return request.getRequestId() == null ? "" : request.getRequestId();
        }

        @Override
        public long userId() {
            return request.getUserId();
        }

        @Override
        public Instant createdAt() {
            return request.getCreatedAt();
        }

        @Override
        public byte[] valueBytes(Topics topics, String topic) {
            return topics.transferRequests().valueSerde().serializer().serialize(topic, request);
        }

        @Override
        public byte[] digest(ContentDigest digest) {
            return digest.begin("INTERNAL_TRANSFER").add(request.getRequestId()).add(request.getUserId())
                    .add(request.getFromWallet().name()).add(request.getToWallet().name()).add(request.getAsset())
                    .add(request.getAmount()).finish();
        }

        @Override
        public Outcome apply(Handlers handlers, Step step, LedgerEvents events) {
            return handlers.transfers().transfer(request, step, events);
        }
    }

    /**
     * One side's step of a trade, sent by the trade coordinator: its answer is a {@link LegResult}
     * on {@code settlement.internal.leg-results} (status and reason only), and a CREDIT or a REFUND
     * applies only when it ends its side's accepted DEBIT ({@link DebitBacking}).
     */
    record Leg(TradeLeg leg) implements BalanceInput {
        private static final String ENTRY_PREFIX = CommandKind.TRADE.name() + ':';

        public Leg {
            Objects.requireNonNull(leg, "leg");
        }

        @Override
        public CommandKind kind() {
            return CommandKind.TRADE;
        }

        @Override
        public String commandId() {
            return leg.getTradeId() == null ? "" : leg.getTradeId();
        }

        @Override
        public long userId() {
            return leg.getUserId();
        }

        @Override
        public Instant createdAt() {
            return leg.getCreatedAt();
        }

        @Override
        public String commandKey() {
            return DebitBacking.key(leg, leg.getPhase());
        }

        @Override
        public String entryId() {
            return ENTRY_PREFIX + commandId() + '/' + leg.getSide() + '/' + leg.getPhase();
        }

        @Override
        public boolean boundByRetention() {
            return false;
        }

        @Override
        public byte[] valueBytes(Topics topics, String topic) {
            return topics.tradeLegs().valueSerde().serializer().serialize(topic, leg);
        }

        @Override
        public byte[] digest(ContentDigest digest) {
            return Fingerprint.of(digest, leg, leg.getPhase(), leg.getAsset(), leg.getAmount());
        }

        @Override
        public Outcome apply(Handlers handlers, Step step, LedgerEvents events) {
            return handlers.legs().apply(leg, step, events);
        }

        /** Its answer to the trade coordinator, keyed by trade id. */
        public LegResult answer(ResultStatus status, Reason reason) {
            return new LegResult(commandId(), leg.getUserId(), leg.getSide(), leg.getPhase(), status, reason, null);
        }

        /** Whether it is a step of a chained trade, which the balance tasks hand on rather than answer ({@link ChainedLegs}). */
        public boolean chained() {
            return leg.getChainStep() != ChainStep.NONE;
        }
    }
}
