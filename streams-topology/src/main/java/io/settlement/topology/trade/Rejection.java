package io.settlement.topology.trade;

import io.settlement.avro.Reason;
import java.util.Objects;

/** Why a trade is refused: the rule that failed, as a reason code, and a sentence for humans. */
record Rejection(Reason reason, String detail) {
    Rejection {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }
}
