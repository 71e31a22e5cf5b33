package io.settlement.contract;

import io.settlement.avro.CommandKind;
import io.settlement.avro.SettlementResult;

/**
 * The key of a command's result and status. A user-keyed command (a balance operation or a
 * transfer) is {@code KIND:user_id:command_id}: its id is chosen by a client, so it is unique only
 * within its kind and its user, and two users choosing {@code tr-1} never meet. A trade is
 * {@code TRADE:trade_id}: the matching engine's ids are unique on their own.
 */
public final class CommandKeys {
    private CommandKeys() {}

    /** The key of a user-keyed command: {@code KIND:user_id:command_id}. */
    public static String of(CommandKind kind, long userId, String commandId) {
        if (kind == CommandKind.TRADE) {
            throw new IllegalArgumentException("a trade's key is TRADE:trade_id, with no user: use of(TRADE, tradeId)");
        }
        return kind.name() + ':' + userId + ':' + commandId;
    }

    /** The key of a trade: {@code TRADE:trade_id}. Every other kind is qualified by its user. */
    public static String of(CommandKind kind, String tradeId) {
        if (kind != CommandKind.TRADE) {
            throw new IllegalArgumentException(kind + " ids are unique per user: use of(kind, userId, commandId)");
        }
        return kind.name() + ':' + tradeId;
    }

    /** The key a result is published and stored under. */
    public static String of(SettlementResult result) {
        return result.getKind() == CommandKind.TRADE
                ? of(CommandKind.TRADE, result.getCommandId())
                : of(result.getKind(), result.getUserId(), result.getCommandId());
    }
}
