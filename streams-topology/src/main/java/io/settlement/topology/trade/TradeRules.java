package io.settlement.topology.trade;

import io.settlement.avro.Reason;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.topology.Assets;
import java.util.Optional;

/**
 * The checks a trade must pass before any leg is sent (docs/trades.md, "Validation and reason codes"): ids
 * present, users valid, positive quantities, known and different assets, fees between zero
 * and what the side receives. A self-trade (buyer = seller) passes: its legs net out. Age is no
 * reason: the matching engine executed it, a trade id is remembered for ever ({@code trade-ids}),
 * so a late trade is settled and a late replay recognised, however late either comes.
 */
final class TradeRules {
    private TradeRules() {}

    static Optional<Rejection> firstViolation(Trade trade, Assets assets) {
        if (isBlank(trade.getTradeId())) {
            return reject(Reason.MISSING_ID, "trade_id is empty");
        }
        TradeParty buyer = trade.getBuyer();
        TradeParty seller = trade.getSeller();
        if (buyer.getUserId() <= 0 || seller.getUserId() <= 0) {
            return reject(Reason.INVALID_USER, "user ids must be > 0, buyer " + buyer.getUserId() + ", seller " + seller.getUserId());
        }
        if (isPresentButBlank(buyer.getOrderId()) || isPresentButBlank(seller.getOrderId())) {
            return reject(Reason.MISSING_ID, "an order_id is given but empty");
        }
        if (trade.getBaseQty() <= 0 || trade.getQuoteQty() <= 0) {
            return reject(Reason.INVALID_AMOUNT, "base_qty and quote_qty must be > 0, were " + trade.getBaseQty() + " and " + trade.getQuoteQty());
        }
        if (assets.byCode(trade.getBaseAsset()).isEmpty()) {
            return reject(Reason.UNKNOWN_ASSET, "base asset " + trade.getBaseAsset() + " is not configured");
        }
        if (assets.byCode(trade.getQuoteAsset()).isEmpty()) {
            return reject(Reason.UNKNOWN_ASSET, "quote asset " + trade.getQuoteAsset() + " is not configured");
        }
        if (trade.getBaseAsset().equals(trade.getQuoteAsset())) {
            return reject(Reason.SAME_ASSET, "base and quote asset are both " + trade.getBaseAsset());
        }
        if (buyer.getFee() < 0 || seller.getFee() < 0) {
            return reject(Reason.INVALID_AMOUNT, "fees must be >= 0, buyer " + buyer.getFee() + ", seller " + seller.getFee());
        }
        if (buyer.getFee() > trade.getBaseQty()) {
            return reject(Reason.FEE_TOO_LARGE, "buyer fee " + buyer.getFee() + " exceeds base_qty " + trade.getBaseQty());
        }
        if (seller.getFee() > trade.getQuoteQty()) {
            return reject(Reason.FEE_TOO_LARGE, "seller fee " + seller.getFee() + " exceeds quote_qty " + trade.getQuoteQty());
        }
        return Optional.empty();
    }

    private static Optional<Rejection> reject(Reason reason, String detail) {
        return Optional.of(new Rejection(reason, detail));
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    private static boolean isPresentButBlank(String value) {
        return value != null && value.isBlank();
    }
}
