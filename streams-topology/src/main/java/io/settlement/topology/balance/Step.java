package io.settlement.topology.balance;

import io.settlement.avro.CommandKind;

/**
 * The command step that causes postings, as named in the journal and in balance events.
 *
 * @param kind the command kind (TRADE for trade legs)
 * @param commandId the command id (the trade id for trade legs)
 * @param entryId the journal entry id: {@code KIND:command_id}, or {@code TRADE:<trade_id>/<SIDE>/<PHASE>}
 * @param userId the user whose command it is
 * @param timeMs when the step is applied (wall clock), the journal entry's and the events' created_at
 */
public record Step(CommandKind kind, String commandId, String entryId, long userId, long timeMs) {}
