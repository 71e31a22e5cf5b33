package io.settlement.contract;

import io.settlement.avro.CommandKind;

/**
 * The key of a command's result and status: {@code KIND:command_id}. Command ids are unique
 * only within their kind (a transfer and a trade may share a number), so the kind qualifies them.
 */
public final class CommandKeys {
    private CommandKeys() {}

    public static String of(CommandKind kind, String commandId) {
        return kind.name() + ':' + commandId;
    }
}
