package io.settlement.topology.trade;

import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import java.time.Instant;

/**
 * Trades for tests: {@link #btcForUsdt} is a valid trade of 0.01 BTC for 500 USDT between
 * buyer 1 and seller 2 without orders or fees; tests change what they are about with the Avro builder.
 */
final class SampleTrades {
    static final long BUYER = 1;
    static final long SELLER = 2;
    /** 0.01 BTC at scale 8. */
    static final long BASE_QTY = 1_000_000;
    /** 500 USDT at scale 6. */
    static final long QUOTE_QTY = 500_000_000;

    private SampleTrades() {}

    static Trade btcForUsdt(String tradeId, Instant executedAt) {
        return Trade.newBuilder()
                .setTradeId(tradeId)
                .setSymbol("BTCUSDT")
                .setBaseAsset("BTC")
                .setQuoteAsset("USDT")
                .setBaseQty(BASE_QTY)
                .setQuoteQty(QUOTE_QTY)
                .setBuyer(party(BUYER, null, 0))
                .setSeller(party(SELLER, null, 0))
                .setExecutedAt(executedAt)
                .build();
    }

    static TradeParty party(long userId, String orderId, long fee) {
        return TradeParty.newBuilder().setUserId(userId).setOrderId(orderId).setFee(fee).build();
    }
}
