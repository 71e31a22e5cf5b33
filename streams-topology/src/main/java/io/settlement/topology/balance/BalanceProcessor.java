package io.settlement.topology.balance;

import io.settlement.avro.BalanceEvent;
import io.settlement.avro.ChainStep;
import io.settlement.avro.CommandKind;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.LegPhase;
import io.settlement.avro.LegResult;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeLeg;
import io.settlement.contract.BalanceEvents;
import io.settlement.contract.CommandKeys;
import io.settlement.contract.Topics;
import io.settlement.topology.ExpiryIndex;
import io.settlement.topology.PartitionGuard;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.StoreNames;
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
 * {@code transfer.requests} and {@code settlement.internal.trade-legs} (all keyed by user id,
 * each record as the {@link BalanceInput} of its type), and for each record, command or trade
 * leg alike: checks it sits on the partition its key belongs on, answers a retry with its first
 * result, rejects a conflicting or expired one, lets its handler validate and apply it through
 * the {@link Ledger}, remembers the result, and emits it: a result to
 * {@code settlement.results} (for a leg of a chained trade, its next leg on
 * {@code settlement.internal.trade-legs} or the trade's end; for a two-phase leg, a
 * {@code LegResult} to {@code settlement.internal.leg-results}), the journal entry, with the
 * balances it left, to {@code settlement.journal} (and, with {@code balance.events.enabled}, the
 * events derived from it to {@code balance.events}). Refused records are copied to {@code settlement.dlq}.
 *
 * <p>Command ids are remembered for ever (a retry's digest and its first result), so an id that
 * moved money never applies twice however late it comes: within the retention a retry gets its
 * first result again; after it, REPLAY_AFTER_RETENTION. A trade leg is not bounded by the
 * retention: it never expires, and a retried leg always gets its first answer. A wall-clock
 * punctuator lists released orders whose fill grace ended with announced fills missing as
 * overdue, reading only the due part of the {@code order-grace} index; it never closes one.
 */
public final class BalanceProcessor implements Processor<Long, BalanceInput, Void, BalanceOutput<?, ?>>, LedgerEvents {
    /** Fill graces ended per punctuation at most; the rest waits for the next one. */
    static final int GRACE_ENDS_MAX = 20_000;

    private final Topics topics;
    private final SettlementConfig config;
    private final PartitionGuard guard;
    private final long retentionMs;
    private final Fingerprint fingerprints = new Fingerprint();

    private ProcessorContext<Void, BalanceOutput<?, ?>> context;
    private KeyValueStore<String, RememberedCommand> commands;
    private OrderCommands orders;
    private Ledger ledger;
    private BalanceInput.Handlers handlers;
    private DebitBacking debitBacking;
    private DeadLetters deadLetters;
    private Sensor wrongPartitionSensor;
    private long recordTimestamp;

    public BalanceProcessor(Topics topics, SettlementConfig config) {
        this.topics = topics;
        this.config = config;
        this.guard = new PartitionGuard(config.userPartitions());
        this.retentionMs = config.commandRetention().toMillis();
    }

    @Override
    public void init(ProcessorContext<Void, BalanceOutput<?, ?>> context) {
        this.context = context;
        KeyValueStore<BalanceKey, Balance> balances = context.getStateStore(StoreNames.BALANCES);
        KeyValueStore<String, Reservation> reservations = context.getStateStore(StoreNames.RESERVATIONS);
        KeyValueStore<String, Hold> holds = context.getStateStore(StoreNames.HOLDS);
        this.commands = context.getStateStore(StoreNames.COMMANDS);
        this.ledger = new Ledger(balances);
        FundingCommands funding = new FundingCommands(config.assets(), ledger, holds);
        ExpiryIndex graceEnds = new ExpiryIndex(context.getStateStore(StoreNames.ORDER_GRACE));
        OwnedRecords<Reservation> orderReservations = Reservation.owned(reservations);
        OverdueOrders overdue = new OverdueOrders(context.getStateStore(StoreNames.OVERDUE_ORDERS), context.metrics());
        this.orders = new OrderCommands(config.assets(), ledger, orderReservations, graceEnds, overdue, config.orderFillGrace());
        this.handlers = new BalanceInput.Handlers(funding, orders, new TransferCommands(config.assets(), ledger),
                new TradeLegCommands(config.assets(), ledger, orderReservations, overdue));
        this.debitBacking = new DebitBacking(commands, fingerprints);
        this.deadLetters = new DeadLetters(topics, guard);
        this.wrongPartitionSensor = PartitionGuardMetrics.wrongPartitionSensor(context.metrics());
        context.schedule(config.purgeInterval(), PunctuationType.WALL_CLOCK_TIME,
                nowMs -> {
                    graceEnds.takeDue(nowMs, GRACE_ENDS_MAX, reservationKey -> orders.graceEnded(reservationKey, nowMs));
                    ledger.flush();
                });
    }

    @Override
    public void process(Record<Long, BalanceInput> record) {
        recordTimestamp = record.timestamp();
        BalanceInput input = record.value();
        if (input == null) {
            forwardDeadLetter(deadLetters.withoutValue(record, metadata()));
        } else if (input instanceof BalanceInput.Leg leg && !Long.valueOf(leg.leg().getUserId()).equals(record.key())) {
            // A leg's authentication tag covers the user it names, not the record key: a signed leg
            // copied under another key gets no answer, which the coordinator could take for the real one's.
            forwardDeadLetter(deadLetters.legKeyMismatch(record, metadata(), leg.leg().getUserId()));
        } else {
            settle(record, input);
        }
        ledger.flush();
    }

    /**
     * The one guard sequence of every input, command or trade leg: the partition its key belongs
     * on, an id, its user, a retry answered with its first answer (a conflicting reuse of the id
     * rejected, and a retry after the retention refused when the retention bounds the input), an
     * input older than the retention EXPIRED, a trade leg's backing, then validate and apply,
     * remember and answer. A CREDIT or REFUND that does not end an accepted DEBIT
     * ({@link DebitBacking}) moves nothing, gets no answer and is not remembered (so it cannot
     * take the id of the real one): its copy goes to settlement.dlq with the reason UNBACKED_LEG.
     */
    private void settle(Record<Long, BalanceInput> record, BalanceInput input) {
        long nowMs = context.currentSystemTimeMs();
        CommandKind kind = input.kind();
        long commandTimeMs = input.createdAt().toEpochMilli();
        String id = input.commandId();
        long userId = input.userId();
        RecordMetadata metadata = metadata();
        Long recordKey = record.key();
        if (recordKey != null && !guard.belongsOn(recordKey, metadata.partition())) {
            wrongPartitionSensor.record();
            forwardDeadLetter(deadLetters.wrongPartition(record, recordKey, metadata));
            rejected(record, input, Reason.WRONG_PARTITION, deadLetters.wrongPartitionDetail(recordKey, metadata), commandTimeMs, nowMs);
            return;
        }
        if (id.isEmpty()) {
            rejected(record, input, Reason.MISSING_ID, "command id is missing", commandTimeMs, nowMs);
            return;
        }
        if (recordKey == null || recordKey != userId || userId <= 0) {
            rejected(record, input, Reason.INVALID_USER, "record key " + recordKey + " is not the command's user_id " + userId, commandTimeMs, nowMs);
            return;
        }
        String key = input.commandKey();
        byte[] fingerprint = fingerprints.of(input);
        RememberedCommand first = commands.get(key);
        if (first != null && ResultRules.claimsId(kind, first.reason())) {
            if (input instanceof BalanceInput.Leg leg && leg.chained()) {
                // The chain went on from this leg's first application: answering again would hand it on twice.
                forwardDeadLetter(deadLetters.repeatedLeg(record, metadata));
            } else if (!first.sameContent(fingerprint)) {
                rejected(record, input, Reason.ID_CONFLICT, kind + " " + id + " was used before for another command", commandTimeMs, nowMs);
            } else if (input.boundByRetention() && nowMs - first.processedAtMs() > retentionMs) {
                rejected(record, input, Reason.REPLAY_AFTER_RETENTION, kind + " " + id + " was processed at "
                        + Instant.ofEpochMilli(first.processedAtMs()) + " (" + first.status() + "), longer ago than the retention of "
                        + config.commandRetention() + "; a replay changes nothing", commandTimeMs, nowMs);
            } else {
                answer(record, input, first.status(), first.reason(), first.detail(), first.commandTimeMs(), first.processedAtMs());
            }
            return;
        }
        Outcome outcome;
        if (input.boundByRetention() && commandTimeMs < nowMs - retentionMs) {
            outcome = Outcome.rejected(Reason.EXPIRED, "created_at " + input.createdAt() + " is older than the retention of " + config.commandRetention());
        } else {
            String unbacked = input instanceof BalanceInput.Leg leg ? debitBacking.refusal(leg.leg()) : null;
            if (unbacked != null) {
                forwardDeadLetter(deadLetters.unbackedLeg(record, metadata, unbacked));
                return;
            }
            outcome = input.apply(handlers, input.step(nowMs), this);
        }
        // Remembered either way, so a lookup shows the answer; one that does not claim the id
        // (ResultRules) is replaced by whatever its retry or another command with the id comes to.
        ResultStatus status = outcome.accepted() ? ResultStatus.ACCEPTED : ResultStatus.REJECTED;
        commands.put(key, new RememberedCommand(fingerprint, commandTimeMs, nowMs, status, outcome.reason(), outcome.detail()));
        answer(record, input, status, outcome.reason(), outcome.detail(), commandTimeMs, nowMs);
    }

    private void rejected(Record<Long, BalanceInput> record, BalanceInput input, Reason reason, String detail, long commandTimeMs, long nowMs) {
        answer(record, input, ResultStatus.REJECTED, reason, detail, commandTimeMs, nowMs);
    }

    /**
     * Answers an input: a command with its result on settlement.results (keyed by its command key),
     * a leg of a chained trade by its next step ({@link #handOn}), a two-phase leg with a LegResult
     * on settlement.internal.leg-results (keyed by its trade id; status and reason only).
     */
    private void answer(Record<Long, BalanceInput> record, BalanceInput input, ResultStatus status, Reason reason, String detail,
            long commandTimeMs, long timeMs) {
        if (input instanceof BalanceInput.Leg leg && leg.chained()) {
            handOn(record, leg.leg(), status, reason, timeMs);
        } else if (input instanceof BalanceInput.Leg leg) {
            forwardLegResult(leg.answer(status, reason));
        } else {
            writeResult(input.commandKey(), new SettlementResult(input.commandId(), input.kind(), input.userId(), status, reason, detail,
                    Instant.ofEpochMilli(commandTimeMs), Instant.ofEpochMilli(timeMs)));
        }
    }

    /**
     * The next step of a chained trade after {@code leg} came to {@code status} (the table in
     * {@link ChainedLegs}): a leg handed on, or the trade's result written here and the
     * coordinator told. A CREDIT or REFUND refused (only a broken deployment refuses one) is told
     * to the coordinator, which keeps the trade PENDING.
     */
    private void handOn(Record<Long, BalanceInput> record, TradeLeg leg, ResultStatus status, Reason reason, long nowMs) {
        boolean accepted = status == ResultStatus.ACCEPTED;
        switch (leg.getChainStep()) {
            case FIRST -> {
                if (accepted) {
                    send(record, ChainedLegs.second(leg, nowMs));
                } else if (leg.getCounterpart().getOrderId() != null) {
                    send(record, ChainedLegs.secondAfterRefusal(leg, reason, nowMs));
                } else {
                    endTrade(leg, status, reason, ChainedLegs.refusedAtFirst(leg, reason, nowMs));
                }
            }
            case SECOND -> {
                if (ChainedLegs.afterRefusal(leg)) {
                    sellerAfterRefusal(record, leg, status, reason, nowMs);
                } else if (leg.getPhase() == LegPhase.DEBIT) {
                    send(record, accepted ? ChainedLegs.credit(leg, ChainStep.SECOND, nowMs) : ChainedLegs.lastRefund(leg, reason, nowMs));
                } else if (accepted) {
                    send(record, ChainedLegs.lastCredit(leg, nowMs));
                } else {
                    forwardLegResult(ChainedLegs.answer(leg, status, reason, null));
                }
            }
            case LAST -> endTrade(leg, status, reason, accepted ? ChainedLegs.endedBy(leg, nowMs) : null);
            default -> throw new IllegalStateException("not a chained leg: " + leg);
        }
    }

    /** The seller's steps after the buyer was refused: its DEBIT refunded at once, then the trade's result. */
    private void sellerAfterRefusal(Record<Long, BalanceInput> record, TradeLeg leg, ResultStatus status, Reason reason, long nowMs) {
        boolean accepted = status == ResultStatus.ACCEPTED;
        if (leg.getPhase() == LegPhase.DEBIT && accepted) {
            send(record, ChainedLegs.sellerRefund(leg, nowMs));
        } else if (leg.getPhase() == LegPhase.REFUND && !accepted) {
            forwardLegResult(ChainedLegs.answer(leg, status, reason, null));
        } else {
            endTrade(leg, status, reason, ChainedLegs.refusedAtBuyer(leg, nowMs));
        }
    }

    /**
     * Applies the next leg of a chain here and now when its user lives on this partition (a trade
     * between two users of one partition settles in one step), else sends it to that user's task.
     */
    private void send(Record<Long, BalanceInput> record, TradeLeg next) {
        if (guard.belongsOn(next.getUserId(), metadata().partition())) {
            settle(record.withKey(next.getUserId()).withValue(new BalanceInput.Leg(next)), new BalanceInput.Leg(next));
        } else {
            forward(new BalanceOutput.NextLeg(next.getUserId(), next), BalanceOutputs.TRADE_LEGS);
        }
    }

    /** Writes the trade's one result (when the step ended it) and tells the coordinator. */
    private void endTrade(TradeLeg leg, ResultStatus status, Reason reason, SettlementResult tradeResult) {
        if (tradeResult != null) {
            writeResult(CommandKeys.of(CommandKind.TRADE, leg.getTradeId()), tradeResult);
        }
        forwardLegResult(ChainedLegs.answer(leg, status, reason, tradeResult));
    }

    private void writeResult(String key, SettlementResult result) {
        forward(new BalanceOutput.Result(key, result), BalanceOutputs.RESULTS);
    }

    private void forwardLegResult(LegResult result) {
        forward(new BalanceOutput.LegAnswer(result.getTradeId(), result), BalanceOutputs.LEG_RESULTS);
    }

    private void forwardDeadLetter(Record<byte[], byte[]> deadLetter) {
        context.forward(new Record<Void, BalanceOutput<?, ?>>(null, new BalanceOutput.DeadLetter(deadLetter.key(), deadLetter.value()),
                deadLetter.timestamp(), deadLetter.headers()), BalanceOutputs.DEAD_LETTERS);
    }

    private void forward(BalanceOutput<?, ?> output, String child) {
        context.forward(new Record<>(null, output, recordTimestamp), child);
    }

    private RecordMetadata metadata() {
        return context.recordMetadata().orElseThrow(() -> new IllegalStateException("a command without record metadata"));
    }

    /** Writes the journal entry; with balance.events on, also the balance events derived from it. */
    @Override
    public void journalEntry(JournalEntry entry) {
        forward(new BalanceOutput.Journal(entry.getUserId(), entry), BalanceOutputs.JOURNAL);
        if (config.balanceEvents()) {
            for (BalanceEvent event : BalanceEvents.of(entry)) {
                forward(new BalanceOutput.Event(event.getUserId(), event), BalanceOutputs.BALANCE_EVENTS);
            }
        }
    }
}
