package io.settlement.topology.trade;

import io.settlement.avro.LegResult;
import io.settlement.avro.Trade;

/** The two inputs of the trade coordinator, both keyed by trade id: a trade, or an answer to one of its legs. */
sealed interface CoordinatorInput {
    record TradeArrived(Trade trade) implements CoordinatorInput {}

    record LegAnswered(LegResult answer) implements CoordinatorInput {}
}
