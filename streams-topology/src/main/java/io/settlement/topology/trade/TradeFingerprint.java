package io.settlement.topology.trade;

import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.topology.ContentDigest;

/**
 * The content digest of a trade: every field but {@code executed_at}, through
 * {@link ContentDigest}, as 32 hex digits. It tells a retried trade (same id, same content,
 * perhaps stamped anew by a producer that fills in a missing time) from a conflicting one (same
 * id, other content), and ties each leg's answer to this trade.
 */
final class TradeFingerprint {
    private TradeFingerprint() {}

    static String of(Trade trade) {
        ContentDigest digest = new ContentDigest().begin("TRADE")
                .add(trade.getTradeId()).add(trade.getSymbol()).add(trade.getBaseAsset()).add(trade.getQuoteAsset())
                .add(trade.getBaseQty()).add(trade.getQuoteQty());
        add(digest, trade.getBuyer());
        add(digest, trade.getSeller());
        return ContentDigest.hex(digest.finish());
    }

    private static void add(ContentDigest digest, TradeParty party) {
        digest.add(party.getUserId()).add(party.getOrderId()).add(party.getFee());
    }
}
