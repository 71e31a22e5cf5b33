package io.settlement.topology.balance;

import io.settlement.avro.Reason;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;

/** The validations every command shares, each a rejection with its reason or null when it passes. */
final class Rules {
    private Rules() {}

    static Outcome idPresent(String id, String what) {
        return id == null || id.isEmpty() ? Outcome.rejected(Reason.MISSING_ID, what + " is missing") : null;
    }

    static Outcome positive(long amount, String what) {
        return amount <= 0 ? Outcome.rejected(Reason.INVALID_AMOUNT, what + " must be positive, was " + amount) : null;
    }

    static Outcome notNegative(long amount, String what) {
        return amount < 0 ? Outcome.rejected(Reason.INVALID_AMOUNT, what + " must not be negative, was " + amount) : null;
    }

    static Asset asset(Assets assets, String code) {
        return code == null ? null : assets.byCode(code).orElse(null);
    }

    static Outcome unknownAsset(String code) {
        return Outcome.rejected(Reason.UNKNOWN_ASSET, "asset " + code + " is not configured");
    }
}
