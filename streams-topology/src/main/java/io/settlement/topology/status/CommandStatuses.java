package io.settlement.topology.status;

import io.settlement.avro.CommandKind;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeState;
import io.settlement.avro.TradeStatus;
import io.settlement.topology.balance.RememberedCommand;
import io.settlement.topology.trade.RetiredTrade;
import java.time.Instant;

/**
 * A command's status, read where the topology already keeps it, so that no second pass over
 * {@code settlement.results} is needed: a balance command's or transfer's first result from the
 * {@code commands} store of its user's partition (key {@code KIND:user_id:id}, kept for ever), a
 * trade's from the coordinator's {@code trades} store while its full state is kept, and its
 * outcome from {@code trade-ids} once that state was compacted. A result that never claimed its
 * id (WRONG_PARTITION, INVALID_USER, MISSING_ID) is on {@code settlement.results} only.
 */
public final class CommandStatuses {
    private CommandStatuses() {}

    /** The first result of a balance command or transfer, exactly as it was written to settlement.results. */
    public static SettlementResult ofCommand(RememberedCommand remembered, CommandKind kind, long userId, String commandId) {
        return new SettlementResult(commandId, kind, userId, remembered.status(), remembered.reason(), remembered.detail(),
                Instant.ofEpochMilli(remembered.commandTimeMs()), Instant.ofEpochMilli(remembered.processedAtMs()));
    }

    /**
     * A trade's result: the one written to settlement.results while the coordinator keeps its full
     * state; its outcome and end time (without reason or detail) once that was compacted; null
     * while it is pending, or when the coordinator never received it.
     */
    public static SettlementResult ofTrade(String tradeId, TradeState state, RetiredTrade retired) {
        if (state != null) {
            return state.getResult();
        }
        if (retired == null) {
            return null;
        }
        ResultStatus status = retired.status() == TradeStatus.SETTLED ? ResultStatus.ACCEPTED : ResultStatus.REJECTED;
        Instant finished = Instant.ofEpochMilli(retired.finishedAtMs());
        return new SettlementResult(tradeId, CommandKind.TRADE, 0L, status, null,
                "the trade ended " + retired.status() + " at " + finished + "; its details were compacted after the command retention",
                finished, finished);
    }
}
