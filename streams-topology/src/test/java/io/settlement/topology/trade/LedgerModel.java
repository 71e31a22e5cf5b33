package io.settlement.topology.trade;

import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.testsupport.ReferenceLedger;
import java.util.HashMap;
import java.util.Map;

/**
 * A sequential reference model of what the property test does to user balances: FUNDING and
 * SPOT available, SPOT frozen and the order reservations. It follows the documented rules alone
 * (docs/topology.md, "Accounts and postings" and "Orders and their fills"; docs/trades.md, "The
 * protocol: a chain"), written without looking at the processors, so a processor that departs
 * from the documents disagrees with it instead of agreeing by construction. Trades apply their
 * buyer debit first, then the seller's (the order the chain sends them in).
 */
final class LedgerModel {
    record Expected(ResultStatus status, Reason reason) {
        static final Expected ACCEPTED = new Expected(ResultStatus.ACCEPTED, null);

        static Expected rejected(Reason reason) {
            return new Expected(ResultStatus.REJECTED, reason);
        }
    }

    private static final class Order {
        final long user;
        final String asset;
        final long reserved;
        long consumed;
        long released;
        long rejected;
        boolean isReleased;
        boolean closed;

        Order(long user, String asset, long reserved) {
            this.user = user;
            this.asset = asset;
            this.reserved = reserved;
        }

        long remaining() {
            return reserved - consumed - released;
        }

        /** A released order closes when what its announced fills still need reaches zero. */
        void closeIfDone() {
            closed |= isReleased && remaining() == 0;
        }
    }

    /** FUNDING and SPOT of every user; a booking that would leave a bucket negative throws. */
    private final ReferenceLedger ledger = ReferenceLedger.nonNegative();
    private final Map<String, Order> orders = new HashMap<>();

    long fundingAvailable(long user, String asset) {
        return ledger.available(user, "FUNDING", asset);
    }

    long spotAvailable(long user, String asset) {
        return ledger.available(user, "SPOT", asset);
    }

    long spotFrozen(long user, String asset) {
        return ledger.frozen(user, "SPOT", asset);
    }

    ResultStatus deposit(long user, String asset, long amount) {
        ledger.addAvailable(user, "FUNDING", asset, amount);
        return ResultStatus.ACCEPTED;
    }

    ResultStatus transfer(long user, boolean toSpot, String asset, long amount) {
        String from = toSpot ? "FUNDING" : "SPOT";
        String to = toSpot ? "SPOT" : "FUNDING";
        if (ledger.available(user, from, asset) < amount) {
            return ResultStatus.REJECTED;
        }
        ledger.transfer(user, from, to, asset, amount);
        return ResultStatus.ACCEPTED;
    }

    ResultStatus reserve(long user, String orderId, String asset, long amount) {
        if (orders.containsKey(user + "/" + orderId) || spotAvailable(user, asset) < amount) {
            return ResultStatus.REJECTED;
        }
        ledger.addAvailable(user, "SPOT", asset, -amount);
        ledger.addFrozen(user, "SPOT", asset, amount);
        orders.put(user + "/" + orderId, new Order(user, asset, amount));
        return ResultStatus.ACCEPTED;
    }

    ResultStatus release(long user, String orderId, long filledTotal) {
        Order order = orders.get(user + "/" + orderId);
        if (order == null || order.isReleased || filledTotal > order.reserved) {
            return ResultStatus.REJECTED;
        }
        // What the announced fills still need stays: filled_total minus the fills settled or rejected.
        long kept = Math.max(0, Math.min(filledTotal - order.consumed - order.rejected, order.remaining()));
        long freed = order.remaining() - kept;
        order.released += freed;
        order.isReleased = true;
        order.closeIfDone();
        ledger.addFrozen(user, "SPOT", order.asset, -freed);
        ledger.addAvailable(user, "SPOT", order.asset, freed);
        return ResultStatus.ACCEPTED;
    }

    Expected trade(Trade trade) {
        if (trade.getBaseQty() <= 0 || trade.getQuoteQty() <= 0) {
            return Expected.rejected(Reason.INVALID_AMOUNT);
        }
        if (trade.getBuyer().getFee() > trade.getBaseQty() || trade.getSeller().getFee() > trade.getQuoteQty()) {
            return Expected.rejected(Reason.FEE_TOO_LARGE);
        }
        Reason buyerDebit = debit(trade.getBuyer(), trade.getQuoteAsset(), trade.getQuoteQty());
        Reason sellerDebit = debit(trade.getSeller(), trade.getBaseAsset(), trade.getBaseQty());
        if (buyerDebit == null && sellerDebit == null) {
            ledger.addAvailable(trade.getBuyer().getUserId(), "SPOT", trade.getBaseAsset(), trade.getBaseQty() - trade.getBuyer().getFee());
            ledger.addAvailable(trade.getSeller().getUserId(), "SPOT", trade.getQuoteAsset(), trade.getQuoteQty() - trade.getSeller().getFee());
            return Expected.ACCEPTED;
        }
        if (buyerDebit == null) {
            refund(trade.getBuyer(), trade.getQuoteAsset(), trade.getQuoteQty());
        }
        if (sellerDebit == null) {
            refund(trade.getSeller(), trade.getBaseAsset(), trade.getBaseQty());
        }
        return Expected.rejected(buyerDebit != null ? buyerDebit : sellerDebit);
    }

    /**
     * A refund goes back into the order's reservation until the order is released (the fill
     * counts as rejected, so the release does not wait for it); to SPOT.available after the
     * release, or when it names no order.
     */
    private void refund(TradeParty party, String asset, long amount) {
        Order order = party.getOrderId() == null ? null : orders.get(party.getUserId() + "/" + party.getOrderId());
        if (order != null && !order.closed && !order.isReleased) {
            order.consumed -= amount;
            order.rejected += amount;
            ledger.addFrozen(party.getUserId(), "SPOT", asset, amount);
            return;
        }
        if (order != null && !order.closed) {
            order.consumed -= amount;
            order.released += amount;
            order.closeIfDone();
        }
        ledger.addAvailable(party.getUserId(), "SPOT", asset, amount);
    }

    /** Applies one debit leg; null when accepted, else the reason. */
    private Reason debit(TradeParty party, String asset, long amount) {
        long user = party.getUserId();
        if (party.getOrderId() == null) {
            if (spotAvailable(user, asset) < amount) {
                return Reason.INSUFFICIENT_AVAILABLE;
            }
            ledger.addAvailable(user, "SPOT", asset, -amount);
            return null;
        }
        Order order = orders.get(user + "/" + party.getOrderId());
        if (order == null) {
            return Reason.UNKNOWN_ORDER;
        }
        if (!order.asset.equals(asset)) {
            return Reason.ASSET_MISMATCH;
        }
        if (order.closed) {
            return Reason.ORDER_CLOSED;
        }
        if (amount > order.remaining()) {
            if (!order.isReleased) {
                order.rejected += amount; // counted in the filled_total the release will announce, never to settle
            }
            return Reason.FILL_EXCEEDS_RESERVATION;
        }
        order.consumed += amount;
        order.closeIfDone();
        ledger.addFrozen(user, "SPOT", asset, -amount);
        return null;
    }
}
