package io.settlement.topology.balance;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.ChainStep;
import io.settlement.avro.CommandKind;
import io.settlement.avro.LegResult;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TransferRequest;
import io.settlement.contract.CommandKeys;
import io.settlement.contract.Topics;
import java.time.Instant;
import java.util.Objects;

/**
 * One record the {@link BalanceProcessor} reads, keyed by user id: a balance operation from
 * {@code balance.operations}, an internal transfer from {@code transfer.requests}, or a trade leg
 * from {@code settlement.internal.trade-legs}. Each says what the processor's guards need (its
 * kind, id, user, creation time, the key its first answer is remembered under, the journal entry
 * it posts under, whether the command retention bounds it) so that commands and trade legs pass
 * the one guard sequence; the processor applies and answers each by its type.
 */
public sealed interface BalanceInput permits BalanceInput.Operation, BalanceInput.Transfer, BalanceInput.Leg {
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

    /** The step it applies as, at {@code timeMs}: what its journal entry and balance events name. */
    default Step step(long timeMs) {
        return new Step(kind(), commandId(), entryId(), userId(), timeMs);
    }

    /** A balance operation (deposit, withdrawal, order reservation and their steps): one result on {@code settlement.results}. */
    record Operation(BalanceOperation operation) implements BalanceInput {
        public Operation {
            Objects.requireNonNull(operation, "operation");
        }

        @Override
        public CommandKind kind() {
            return BalanceProcessor.kindOf(operation.getOperation());
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
