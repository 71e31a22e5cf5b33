package io.settlement.topology.trade;

import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeLeg;

/**
 * What the trade coordinator emits; {@link TradeTopology} routes each kind to its topic: a leg
 * to settlement.internal.trade-legs (keyed by its user), a result to settlement.results (keyed
 * {@code TRADE:<trade_id>}), a dead letter to settlement.dlq (its original key and value).
 */
sealed interface CoordinatorOutput {
    record LegToSend(TradeLeg leg) implements CoordinatorOutput {}

    record TradeResult(String key, SettlementResult result) implements CoordinatorOutput {}

    record DeadLetter(byte[] key, byte[] value) implements CoordinatorOutput {}
}
