package io.settlement.sink;

import java.util.List;

/**
 * How a sink is doing, for the application's {@code /health}: UP, DEGRADED (a partition halted,
 * or the sink's database is not answering; the sink keeps running where it can and catches up
 * when it can) or DOWN (the sink stopped), with one human-readable line per problem.
 */
public interface SinkHealth {
    enum State { UP, DEGRADED, DOWN }

    State state();

    List<String> problems();
}
