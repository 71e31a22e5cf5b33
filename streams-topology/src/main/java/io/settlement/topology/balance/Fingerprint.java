package io.settlement.topology.balance;

import io.settlement.avro.LegPhase;
import io.settlement.avro.TradeLeg;
import io.settlement.topology.ContentDigest;

/**
 * The content digest of a balance processor's input without its {@code created_at}: a retry
 * stamped anew is still the same command. Each input says what goes into its own
 * ({@link BalanceInput#digest}); see {@link ContentDigest} for why it is cryptographic. One
 * instance per balance processor.
 */
final class Fingerprint {
    private final ContentDigest digest = new ContentDigest();

    /** The digest of one input of the balance processor. */
    byte[] of(BalanceInput input) {
        return input.digest(digest);
    }

    /**
     * The digest of the DEBIT that a CREDIT or a REFUND ends: every leg of a side carries the same
     * terms, and a DEBIT moves what the side pays.
     */
    byte[] ofDebitEndedBy(TradeLeg leg) {
        return of(digest, leg, LegPhase.DEBIT, leg.getPaidAsset(), leg.getPaidAmount());
    }

    /** A leg's answer is tied to its trade instance: the trade's own digest is part of the leg's. */
    static byte[] of(ContentDigest digest, TradeLeg leg, LegPhase phase, String asset, long amount) {
        return digest.begin("TRADE_LEG").add(leg.getTradeId()).add(leg.getTradeFingerprint()).add(leg.getUserId())
                .add(leg.getSide().name()).add(phase.name()).add(asset).add(amount).add(leg.getFee())
                .add(leg.getOrderId()).add(leg.getPaidAsset()).add(leg.getPaidAmount())
                .add(leg.getReceivedAsset()).add(leg.getReceivedNet()).finish();
    }
}
