package io.settlement.topology.balance;

import io.settlement.avro.BalanceEvent;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.CommandKind;
import io.settlement.avro.Deposit;
import io.settlement.avro.DepositCancelled;
import io.settlement.avro.DepositConfirmed;
import io.settlement.avro.DepositInitiated;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.LegResult;
import io.settlement.avro.OrderReleased;
import io.settlement.avro.OrderReserved;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.WithdrawCancelled;
import io.settlement.avro.WithdrawConfirmed;
import io.settlement.avro.WithdrawRequested;
import io.settlement.contract.CommandKeys;
import io.settlement.contract.Topics;
import io.settlement.topology.ExpiryIndex;
import io.settlement.topology.PartitionGuard;
import io.settlement.topology.ResultObserver;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.StoreNames;
import io.settlement.topology.status.CommandStatuses;
import java.time.Instant;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The one owner of the balances of its partition's users. Consumes {@code balance.operations},
 * {@code transfer.requests} and {@code settlement.internal.trade-legs} (all keyed by user id),
 * and for each record: checks it sits on the partition its key belongs on, answers a retry with
 * its first result, rejects a conflicting or expired one, lets the command's handler validate
 * and apply it through the {@link Ledger}, remembers the result, and emits it: a result to
 * {@code settlement.results} (a {@code LegResult} to {@code settlement.internal.leg-results} for
 * trade legs), the journal entry to {@code settlement.journal} and the touched accounts to
 * {@code balance.events}. Refused records are copied to {@code settlement.dlq}.
 *
 * <p>Command ids are remembered for ever (a retry's digest and its first result), so an id that
 * moved money never applies twice however late it comes: within the retention a retry gets its
 * first result again; after it, REPLAY_AFTER_RETENTION. A wall-clock punctuator closes released
 * orders whose fill grace has ended, reading only the due part of the {@code order-grace} index.
 */
public final class BalanceProcessor implements Processor<Long, Object, Object, Object>, LedgerEvents {
    private static final String LEG_ENTRY_PREFIX = CommandKind.TRADE.name() + ':';
    /** Orders closed per punctuation at most; the rest waits for the next one. */
    static final int GRACE_CLOSES_MAX = 20_000;

    private final Topics topics;
    private final ResultObserver observer;
    private final SettlementConfig config;
    private final PartitionGuard guard;
    private final long retentionMs;
    private final Fingerprint fingerprints = new Fingerprint();

    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, RememberedCommand> commands;
    private DepositCommands deposits;
    private WithdrawalCommands withdrawals;
    private OrderCommands orders;
    private TransferCommands transfers;
    private TradeLegCommands legs;
    private DebitBacking debitBacking;
    private DeadLetters deadLetters;
    private Sensor wrongPartitionSensor;
    private long recordTimestamp;

    public BalanceProcessor(Topics topics, SettlementConfig config) {
        this(topics, config, ResultObserver.NONE);
    }

    public BalanceProcessor(Topics topics, SettlementConfig config, ResultObserver observer) {
        this.observer = observer;
        this.topics = topics;
        this.config = config;
        this.guard = new PartitionGuard(config.userPartitions());
        this.retentionMs = config.commandRetention().toMillis();
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        KeyValueStore<BalanceKey, Balance> balances = context.getStateStore(StoreNames.BALANCES);
        KeyValueStore<String, Reservation> reservations = context.getStateStore(StoreNames.RESERVATIONS);
        KeyValueStore<String, Hold> holds = context.getStateStore(StoreNames.HOLDS);
        this.commands = context.getStateStore(StoreNames.COMMANDS);
        Ledger ledger = new Ledger(balances);
        this.deposits = new DepositCommands(config.assets(), ledger, holds);
        this.withdrawals = new WithdrawalCommands(config.assets(), ledger, holds);
        ExpiryIndex graceEnds = new ExpiryIndex(context.getStateStore(StoreNames.ORDER_GRACE));
        this.orders = new OrderCommands(config.assets(), ledger, reservations, graceEnds, config.orderFillGrace());
        this.transfers = new TransferCommands(config.assets(), ledger);
        this.legs = new TradeLegCommands(config.assets(), ledger, reservations);
        this.debitBacking = new DebitBacking(commands, fingerprints);
        this.deadLetters = new DeadLetters(topics, guard);
        this.wrongPartitionSensor = PartitionGuardMetrics.wrongPartitionSensor(context.metrics());
        context.schedule(config.purgeInterval(), PunctuationType.WALL_CLOCK_TIME,
                nowMs -> graceEnds.takeDue(nowMs, GRACE_CLOSES_MAX, orderId -> orders.closeAfterGrace(orderId, nowMs, this)));
    }

    @Override
    public void process(Record<Long, Object> record) {
        recordTimestamp = record.timestamp();
        Object value = record.value();
        if (value instanceof BalanceOperation operation) {
            settle(record, kindOf(operation.getOperation()), operation.getCommandId(), operation.getUserId(),
                    operation.getCreatedAt(), operation);
        } else if (value instanceof TransferRequest transfer) {
            settle(record, CommandKind.INTERNAL_TRANSFER, transfer.getRequestId(), transfer.getUserId(),
                    transfer.getCreatedAt(), transfer);
        } else if (value instanceof TradeLeg leg) {
            settleLeg(record, leg);
        } else if (value == null) {
            forwardDeadLetter(deadLetters.withoutValue(record, metadata()));
        } else {
            throw new IllegalStateException("the balance processor does not read " + value.getClass().getName());
        }
    }

    /** A balance operation or a transfer: one result on settlement.results. */
    private void settle(Record<Long, Object> record, CommandKind kind, String commandId, long userId, Instant createdAt, Object command) {
        long nowMs = context.currentSystemTimeMs();
        long commandTimeMs = createdAt.toEpochMilli();
        String id = commandId == null ? "" : commandId;
        String key = CommandKeys.of(kind, userId, id);
        RecordMetadata metadata = metadata();
        Long recordKey = record.key();
        if (recordKey != null && !guard.belongsOn(recordKey, metadata.partition())) {
            wrongPartitionSensor.record();
            forwardDeadLetter(deadLetters.wrongPartition(record, recordKey, metadata));
            result(key, id, kind, userId, Outcome.rejected(Reason.WRONG_PARTITION, deadLetters.wrongPartitionDetail(recordKey, metadata)),
                    commandTimeMs, nowMs);
            return;
        }
        if (id.isEmpty()) {
            result(key, id, kind, userId, Outcome.rejected(Reason.MISSING_ID, "command id is missing"), commandTimeMs, nowMs);
            return;
        }
        if (recordKey == null || recordKey != userId || userId <= 0) {
            result(key, id, kind, userId, Outcome.rejected(Reason.INVALID_USER,
                    "record key " + recordKey + " is not the command's user_id " + userId), commandTimeMs, nowMs);
            return;
        }
        byte[] fingerprint = command instanceof BalanceOperation op ? fingerprints.of(op) : fingerprints.of((TransferRequest) command);
        RememberedCommand first = commands.get(key);
        if (first != null) {
            if (first.sameContent(fingerprint) && nowMs - first.processedAtMs() > retentionMs) {
                result(key, id, kind, userId, Outcome.rejected(Reason.REPLAY_AFTER_RETENTION, kind + " " + id + " was processed at "
                        + Instant.ofEpochMilli(first.processedAtMs()) + " (" + first.status() + "), longer ago than the retention of "
                        + config.commandRetention() + "; a replay changes nothing"), commandTimeMs, nowMs);
            } else if (first.sameContent(fingerprint)) {
                remembered(key, id, kind, userId, first);
            } else {
                result(key, id, kind, userId, Outcome.rejected(Reason.ID_CONFLICT,
                        kind + " " + id + " was used before for another command"), commandTimeMs, nowMs);
            }
            return;
        }
        Outcome outcome;
        if (commandTimeMs < nowMs - retentionMs) {
            outcome = Outcome.rejected(Reason.EXPIRED, "created_at " + createdAt + " is older than the retention of " + config.commandRetention());
        } else {
            Step step = new Step(kind, id, key, userId, nowMs);
            outcome = command instanceof BalanceOperation op ? apply(op, step) : transfers.transfer((TransferRequest) command, step, this);
        }
        commands.put(key, new RememberedCommand(fingerprint, commandTimeMs, nowMs,
                outcome.accepted() ? ResultStatus.ACCEPTED : ResultStatus.REJECTED, outcome.reason(), outcome.detail()));
        result(key, id, kind, userId, outcome, commandTimeMs, nowMs);
    }

    private Outcome apply(BalanceOperation command, Step step) {
        long userId = command.getUserId();
        Object operation = command.getOperation();
        return switch (step.kind()) {
            case DEPOSIT -> deposits.deposit(userId, (Deposit) operation, step, this);
            case DEPOSIT_INITIATED -> deposits.initiate(userId, (DepositInitiated) operation, step, this);
            case DEPOSIT_CONFIRMED -> deposits.confirm(userId, (DepositConfirmed) operation, step, this);
            case DEPOSIT_CANCELLED -> deposits.cancel(userId, (DepositCancelled) operation, step, this);
            case WITHDRAW_REQUESTED -> withdrawals.request(userId, (WithdrawRequested) operation, step, this);
            case WITHDRAW_CONFIRMED -> withdrawals.confirm(userId, (WithdrawConfirmed) operation, step, this);
            case WITHDRAW_CANCELLED -> withdrawals.cancel(userId, (WithdrawCancelled) operation, step, this);
            case ORDER_RESERVED -> orders.reserve(userId, (OrderReserved) operation, step, this);
            case ORDER_RELEASED -> orders.release(userId, (OrderReleased) operation, step, this);
            default -> throw new IllegalStateException("no handler for " + step.kind());
        };
    }

    /**
     * A trade leg: one LegResult on settlement.internal.leg-results; legs never expire (a CREDIT or
     * REFUND must land). Its answer is remembered under {@code TRADE_LEG:<trade_id>/<SIDE>/<PHASE>}
     * with a digest that includes the trade's own, so it answers only the leg of that trade. A
     * CREDIT or REFUND that does not end an accepted DEBIT ({@link DebitBacking}) moves nothing,
     * gets no LegResult and is not remembered (so it cannot take the id of the real one): its copy
     * goes to settlement.dlq with the reason UNBACKED_LEG.
     */
    private void settleLeg(Record<Long, Object> record, TradeLeg leg) {
        String tradeId = leg.getTradeId() == null ? "" : leg.getTradeId();
        RecordMetadata metadata = metadata();
        Long recordKey = record.key();
        if (recordKey != null && !guard.belongsOn(recordKey, metadata.partition())) {
            wrongPartitionSensor.record();
            forwardDeadLetter(deadLetters.wrongPartition(record, recordKey, metadata));
            legResult(leg, ResultStatus.REJECTED, Reason.WRONG_PARTITION);
            return;
        }
        if (tradeId.isEmpty()) {
            legResult(leg, ResultStatus.REJECTED, Reason.MISSING_ID);
            return;
        }
        if (recordKey == null || recordKey != leg.getUserId() || leg.getUserId() <= 0) {
            legResult(leg, ResultStatus.REJECTED, Reason.INVALID_USER);
            return;
        }
        String key = DebitBacking.key(leg, leg.getPhase());
        byte[] fingerprint = fingerprints.of(leg);
        RememberedCommand first = commands.get(key);
        if (first != null) {
            legResult(leg, first.sameContent(fingerprint) ? first.status() : ResultStatus.REJECTED,
                    first.sameContent(fingerprint) ? first.reason() : Reason.ID_CONFLICT);
            return;
        }
        String unbacked = debitBacking.refusal(leg);
        if (unbacked != null) {
            forwardDeadLetter(deadLetters.unbackedLeg(record, metadata, unbacked));
            return;
        }
        long nowMs = context.currentSystemTimeMs();
        String entryId = LEG_ENTRY_PREFIX + tradeId + '/' + leg.getSide() + '/' + leg.getPhase();
        Outcome outcome = legs.apply(leg, new Step(CommandKind.TRADE, tradeId, entryId, leg.getUserId(), nowMs), this);
        ResultStatus status = outcome.accepted() ? ResultStatus.ACCEPTED : ResultStatus.REJECTED;
        commands.put(key, new RememberedCommand(fingerprint, leg.getCreatedAt().toEpochMilli(), nowMs, status, outcome.reason(), outcome.detail()));
        legResult(leg, status, outcome.reason());
    }

    private void remembered(String key, String id, CommandKind kind, long userId, RememberedCommand first) {
        forwardResult(key, CommandStatuses.ofCommand(first, kind, userId, id));
    }

    private void result(String key, String id, CommandKind kind, long userId, Outcome outcome, long commandTimeMs, long nowMs) {
        forwardResult(key, new SettlementResult(id, kind, userId,
                outcome.accepted() ? ResultStatus.ACCEPTED : ResultStatus.REJECTED, outcome.reason(), outcome.detail(),
                Instant.ofEpochMilli(commandTimeMs), Instant.ofEpochMilli(nowMs)));
    }

    private void forwardResult(String key, SettlementResult result) {
        context.forward(new Record<>(key, result, recordTimestamp), BalanceOutputs.RESULTS);
        observer.resultWritten(result);
    }

    private void legResult(TradeLeg leg, ResultStatus status, Reason reason) {
        LegResult result = new LegResult(leg.getTradeId() == null ? "" : leg.getTradeId(), leg.getUserId(), leg.getSide(), leg.getPhase(), status, reason);
        context.forward(new Record<>(result.getTradeId(), result, recordTimestamp), BalanceOutputs.LEG_RESULTS);
    }

    private void forwardDeadLetter(Record<byte[], byte[]> deadLetter) {
        context.forward(deadLetter, BalanceOutputs.DEAD_LETTERS);
    }

    private RecordMetadata metadata() {
        return context.recordMetadata().orElseThrow(() -> new IllegalStateException("a command without record metadata"));
    }

    @Override
    public void journalEntry(JournalEntry entry) {
        context.forward(new Record<>(entry.getUserId(), entry, recordTimestamp), BalanceOutputs.JOURNAL);
    }

    @Override
    public void balanceChanged(BalanceEvent event) {
        context.forward(new Record<>(event.getUserId(), event, recordTimestamp), BalanceOutputs.BALANCE_EVENTS);
    }

    /** The command kind of a balance operation: one kind per operation type. */
    public static CommandKind kindOf(Object operation) {
        if (operation instanceof Deposit) {
            return CommandKind.DEPOSIT;
        } else if (operation instanceof DepositInitiated) {
            return CommandKind.DEPOSIT_INITIATED;
        } else if (operation instanceof DepositConfirmed) {
            return CommandKind.DEPOSIT_CONFIRMED;
        } else if (operation instanceof DepositCancelled) {
            return CommandKind.DEPOSIT_CANCELLED;
        } else if (operation instanceof WithdrawRequested) {
            return CommandKind.WITHDRAW_REQUESTED;
        } else if (operation instanceof WithdrawConfirmed) {
            return CommandKind.WITHDRAW_CONFIRMED;
        } else if (operation instanceof WithdrawCancelled) {
            return CommandKind.WITHDRAW_CANCELLED;
        } else if (operation instanceof OrderReserved) {
            return CommandKind.ORDER_RESERVED;
        } else if (operation instanceof OrderReleased) {
            return CommandKind.ORDER_RELEASED;
        }
        throw new IllegalStateException("unknown balance operation " + operation);
    }
}
