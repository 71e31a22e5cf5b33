package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.CLEARING;
import static io.settlement.avro.AccountType.FEES;
import static io.settlement.avro.AccountType.SPOT;
import static io.settlement.avro.Bucket.AVAILABLE;
import static io.settlement.avro.Bucket.FROZEN;

import io.settlement.avro.Reason;
import io.settlement.avro.TradeLeg;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One side's step of a trade, sent by the trade coordinator. DEBIT moves the amount from the
 * order's reservation (SPOT.frozen, counted as consumed) or from SPOT.available when the leg
 * names no order, to CLEARING. CREDIT moves {@code amount - fee} from CLEARING to SPOT.available
 * and the fee to FEES. REFUND returns a debit from CLEARING to SPOT.available; the reservation's
 * consumed stays, because the order's matching already counted that fill.
 */
final class TradeLegCommands {
    private final Assets assets;
    private final Ledger ledger;
    private final KeyValueStore<String, Reservation> reservations;

    TradeLegCommands(Assets assets, Ledger ledger, KeyValueStore<String, Reservation> reservations) {
        this.assets = assets;
        this.ledger = ledger;
        this.reservations = reservations;
    }

    Outcome apply(TradeLeg leg, Step step, LedgerEvents events) {
        Outcome invalid = Rules.positive(leg.getAmount(), "amount");
        if (invalid != null) {
            return invalid;
        }
        Asset asset = Rules.asset(assets, leg.getAsset());
        if (asset == null) {
            return Rules.unknownAsset(leg.getAsset());
        }
        return switch (leg.getPhase()) {
            case DEBIT -> debit(leg, asset, step, events);
            case CREDIT -> credit(leg, asset, step, events);
            case REFUND -> ledger.post(new Postings(asset).systemToUser(CLEARING, leg.getUserId(), SPOT, AVAILABLE, leg.getAmount()), step, events);
        };
    }

    private Outcome debit(TradeLeg leg, Asset asset, Step step, LedgerEvents events) {
        String orderId = leg.getOrderId();
        if (orderId == null) {
            return ledger.post(new Postings(asset).userToSystem(leg.getUserId(), SPOT, AVAILABLE, CLEARING, leg.getAmount()), step, events);
        }
        Outcome invalid = Rules.idPresent(orderId, "order_id");
        if (invalid != null) {
            return invalid;
        }
        Reservation reservation = reservations.get(orderId);
        if (reservation == null || reservation.userId() != leg.getUserId()) {
            return Outcome.rejected(Reason.UNKNOWN_ORDER, "no order " + orderId + " of user " + leg.getUserId());
        }
        if (reservation.assetId() != asset.id()) {
            return Outcome.rejected(Reason.ASSET_MISMATCH, "order " + orderId + " reserved another asset than " + asset.code());
        }
        if (leg.getAmount() > reservation.remaining()) {
            return Outcome.rejected(Reason.FILL_EXCEEDS_RESERVATION,
                    "fill of " + leg.getAmount() + " exceeds the " + reservation.remaining() + " left of order " + orderId);
        }
        Outcome posted = ledger.post(new Postings(asset).userToSystem(leg.getUserId(), SPOT, FROZEN, CLEARING, leg.getAmount()), step, events);
        if (posted.accepted()) {
            reservations.put(orderId, reservation.consume(leg.getAmount()));
        }
        return posted;
    }

    private Outcome credit(TradeLeg leg, Asset asset, Step step, LedgerEvents events) {
        Outcome invalid = Rules.notNegative(leg.getFee(), "fee");
        if (invalid != null) {
            return invalid;
        }
        if (leg.getFee() > leg.getAmount()) {
            return Outcome.rejected(Reason.FEE_TOO_LARGE, "fee " + leg.getFee() + " exceeds the amount " + leg.getAmount());
        }
        Postings postings = new Postings(asset)
                .systemToUser(CLEARING, leg.getUserId(), SPOT, AVAILABLE, leg.getAmount() - leg.getFee())
                .systemToSystem(CLEARING, FEES, leg.getFee());
        return ledger.post(postings, step, events);
    }
}
