package io.settlement.http;

import io.settlement.avro.CommandKind;
import io.settlement.contract.CommandKeys;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command a caller submitted over HTTP, named by the key the topology remembers it under
 * ({@code KIND:user_id:id}, the {@code commands} store's key). A 202 carries it in
 * {@value #RESPONSE_HEADER}; a lookup that sends it back in {@value #REQUEST_HEADER} is answered only
 * from state that includes that command (read-your-writes): the owner of the user's partition
 * waits until the command is in its committed {@code commands} store, which the topology writes in
 * the same transaction as the command's balances, and commits after them.
 */
record WrittenCommand(CommandKind kind, long userId, String commandId) {
    /** On a 202: the submitted command's key, {@code KIND:user_id:id}. */
    static final String RESPONSE_HEADER = "X-Settlement-Command";
    /** On a lookup: answer only from state that includes this command. */
    static final String REQUEST_HEADER = "X-Settlement-After-Command";

    private static final Pattern SHAPE = Pattern.compile("([A-Z_]{1,40}):([1-9][0-9]{0,18}):([A-Za-z0-9._~-]{1,128})");

    /** The header value: the {@code commands} store's key of the command. */
    String key() {
        return CommandKeys.of(kind, userId, commandId);
    }

    /**
     * The command a {@value #REQUEST_HEADER} header names.
     *
     * @throws ApiError INVALID_COMMAND_KEY when it is not {@code KIND:user_id:id} of a user's command
     */
    static WrittenCommand parse(String header) {
        Matcher m = SHAPE.matcher(header.trim());
        if (m.matches()) {
            try {
                CommandKind kind = CommandKind.valueOf(m.group(1));
                if (kind != CommandKind.TRADE) {
                    return new WrittenCommand(kind, Long.parseLong(m.group(2)), m.group(3));
                }
            } catch (IllegalArgumentException e) {
                // not a kind, or a user id over a long: refused below
            }
        }
        throw new ApiError(ErrorCode.INVALID_COMMAND_KEY, REQUEST_HEADER + " must be KIND:user_id:id as a 202's "
                + RESPONSE_HEADER + " gave it, not \"" + RequestBody.abbreviate(header) + "\"");
    }
}
