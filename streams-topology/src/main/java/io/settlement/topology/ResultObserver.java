package io.settlement.topology;

import io.settlement.avro.SettlementResult;

/**
 * Told of every result the topology writes to {@code settlement.results} (the balance
 * processor's and the trade coordinator's), as it forwards it: how the app counts results by kind,
 * status and reason without reading the topic back. Called on stream threads, so an observer is
 * thread-safe and quick; a result of a transaction that is later aborted and processed again is
 * told again, as a metric may be.
 */
@FunctionalInterface
public interface ResultObserver {
    ResultObserver NONE = result -> { };

    void resultWritten(SettlementResult result);
}
