package io.settlement.topology;

import io.settlement.avro.SettlementResult;

/**
 * Told of every result the topology writes to {@code settlement.results} (the balance
 * processor's and the trade coordinator's), as it forwards it. Called on stream threads, so an observer is
 * thread-safe and quick; a result of a transaction that is later aborted and processed again is
 * told again, so it does not count results exactly (the app counts them from the committed topic).
 */
@FunctionalInterface
public interface ResultObserver {
    ResultObserver NONE = result -> { };

    void resultWritten(SettlementResult result);
}
