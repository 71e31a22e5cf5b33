package io.settlement.sink.tigerbeetle;

import java.util.List;

/**
 * How a sink is doing, for the application's {@code /health}: UP, DEGRADED (a partition halted
 * because the ledgers disagree, or the ledger is not answering; the sink keeps running where it
 * can) or DOWN (the sink stopped), with one human-readable line per problem.
 */
public interface SinkHealth {
    enum State { UP, DEGRADED, DOWN }

    State state();

    List<String> problems();
}
