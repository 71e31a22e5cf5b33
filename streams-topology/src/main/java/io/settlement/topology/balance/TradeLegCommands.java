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

/**
 * One side's step of a trade, sent by the trade coordinator.
 *
 * <ul>
 *   <li>DEBIT moves the amount from the order's reservation (SPOT.frozen, counted as consumed; a
 *       released order takes only the fills its release announced, and closes with the last) or
 *       from SPOT.available when the leg names no order, to CLEARING, and keeps room in the
 *       side's SPOT accounts for whichever of its CREDIT or REFUND comes: if the account of the
 *       received asset cannot take the credit, the DEBIT is rejected AMOUNT_OVERFLOW, while the
 *       trade can still be rejected cleanly.</li>
 *   <li>CREDIT moves {@code amount - fee} from CLEARING to SPOT.available and the fee to FEES.</li>
 *   <li>REFUND returns a DEBIT from CLEARING: into its order's reservation (SPOT.frozen, so the
 *       order can still be filled) until the order is released, to SPOT.available after that or
 *       when it names no order.</li>
 * </ul>
 *
 * A CREDIT or a REFUND reaches this class only when it ends its side's accepted DEBIT
 * ({@link DebitBacking}), and then it is never refused: it only moves out of CLEARING what that
 * DEBIT put there, into room that DEBIT kept.
 */
final class TradeLegCommands {
    private final Assets assets;
    private final Ledger ledger;
    private final OwnedRecords<Reservation> reservations;
    private final OverdueOrders overdue;

    TradeLegCommands(Assets assets, Ledger ledger, OwnedRecords<Reservation> reservations, OverdueOrders overdue) {
        this.assets = assets;
        this.ledger = ledger;
        this.reservations = reservations;
        this.overdue = overdue;
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
            case REFUND -> refund(leg, asset, step, events);
        };
    }

    private Outcome debit(TradeLeg leg, Asset asset, Step step, LedgerEvents events) {
        // Defence in depth behind the authentication tag: a DEBIT's claims must agree with each
        // other, since its CREDIT and REFUND are later checked against them (DebitBacking).
        if (!leg.getAsset().equals(leg.getPaidAsset()) || leg.getAmount() != leg.getPaidAmount()) {
            return Outcome.rejected(Reason.INVALID_COMMAND, "a DEBIT moves what its side pays: " + leg.getAmount() + " " + leg.getAsset()
                    + " is not the paid " + leg.getPaidAmount() + " " + leg.getPaidAsset());
        }
        if (leg.getPaidAsset().equals(leg.getReceivedAsset())) {
            return Outcome.rejected(Reason.SAME_ASSET, "a DEBIT's side pays and receives the same asset " + leg.getPaidAsset());
        }
        if (leg.getFee() < 0 || leg.getReceivedNet() < 0 || leg.getReceivedNet() > Long.MAX_VALUE - leg.getFee()) {
            return Outcome.rejected(Reason.INVALID_AMOUNT, "a DEBIT's fee " + leg.getFee() + " and received_net " + leg.getReceivedNet()
                    + " must not be negative, and their sum (what the side receives) must fit a long");
        }
        String orderId = leg.getOrderId();
        if (orderId == null) {
            Postings postings = new Postings(asset).userToSystem(leg.getUserId(), SPOT, AVAILABLE, CLEARING, leg.getAmount());
            Outcome room = keepRoom(leg, postings);
            return room != null ? room : ledger.post(postings, step, events);
        }
        Outcome invalid = Rules.idPresent(orderId, "order_id");
        if (invalid != null) {
            return invalid;
        }
        OwnedRecords.Found<Reservation> found = reservations.find(leg.getUserId(), orderId);
        if (found == null) {
            return Outcome.rejected(Reason.UNKNOWN_ORDER, "no order " + orderId + " of user " + leg.getUserId());
        }
        Reservation reservation = found.value();
        if (reservation.assetId() != asset.id()) {
            return Outcome.rejected(Reason.ASSET_MISMATCH, "order " + orderId + " reserved another asset than " + asset.code());
        }
        if (reservation.isClosed()) {
            return Outcome.rejected(Reason.ORDER_CLOSED, "order " + orderId + " is closed: every fill its release announced has settled "
                    + "(or an operator closed it); it takes no more fills");
        }
        Postings postings = new Postings(asset).userToSystem(leg.getUserId(), SPOT, FROZEN, CLEARING, leg.getAmount());
        Outcome room = keepRoom(leg, postings);
        if (room != null) {
            return room;
        }
        Outcome outcome = leg.getAmount() > reservation.remaining()
                ? Outcome.rejected(Reason.FILL_EXCEEDS_RESERVATION, "fill of " + leg.getAmount() + " exceeds the " + reservation.remaining()
                        + (reservation.isReleased() ? " its release announced as still to come" : " left") + " of order " + orderId)
                : ledger.post(postings, step, events);
        if (outcome.accepted()) {
            Reservation consumed = reservation.consume(leg.getAmount(), step.timeMs());
            reservations.update(found, consumed);
            if (consumed.isReleased()) {
                overdue.changed(found.key(), consumed);
            }
        } else if (!reservation.isReleased()) {
            // The matching engine counts this fill in the filled_total it will announce; the release must not wait for it.
            reservations.update(found, reservation.rejectFill(leg.getAmount()));
        }
        return outcome;
    }

    /** Room for the side's CREDIT (what it receives, net of its fee) and its REFUND (what it pays). */
    private Outcome keepRoom(TradeLeg leg, Postings postings) {
        Asset paid = Rules.asset(assets, leg.getPaidAsset());
        Asset received = Rules.asset(assets, leg.getReceivedAsset());
        if (paid == null || received == null || leg.getPaidAmount() < 0 || leg.getReceivedNet() < 0) {
            return Outcome.rejected(Reason.INVALID_COMMAND, "a DEBIT leg must say what its side pays and receives");
        }
        postings.keepRoom(new BalanceKey(leg.getUserId(), SPOT, paid.id()), leg.getPaidAmount())
                .keepRoom(new BalanceKey(leg.getUserId(), SPOT, received.id()), leg.getReceivedNet());
        return null;
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
        return ledger.post(releaseRoom(leg, postings), step, events);
    }

    /**
     * Returns a DEBIT from CLEARING. Into its order's reservation while the order is not released
     * (the order may be filled with it again, and its release does not wait for the failed fill);
     * to SPOT.available once it is released or closed, or when it names no order: a released
     * order keeps frozen only what announced fills still need, and this fill came and failed.
     */
    private Outcome refund(TradeLeg leg, Asset asset, Step step, LedgerEvents events) {
        String orderId = leg.getOrderId();
        OwnedRecords.Found<Reservation> found = orderId == null ? null : reservations.find(leg.getUserId(), orderId);
        Reservation reservation = found == null ? null : found.value();
        boolean ofOrder = reservation != null && !reservation.isClosed() && reservation.assetId() == asset.id()
                && leg.getAmount() <= reservation.consumed();
        boolean intoOrder = ofOrder && !reservation.isReleased();
        Postings postings = new Postings(asset)
                .systemToUser(CLEARING, leg.getUserId(), SPOT, intoOrder ? FROZEN : AVAILABLE, leg.getAmount());
        Outcome posted = ledger.post(releaseRoom(leg, postings), step, events);
        if (posted.accepted() && ofOrder) {
            Reservation refunded = intoOrder ? reservation.unconsume(leg.getAmount()) : reservation.refundedAfterRelease(leg.getAmount(), step.timeMs());
            reservations.update(found, refunded);
            overdue.changed(found.key(), refunded);
        }
        return posted;
    }

    /** The side's trade has ended with this leg: neither its CREDIT nor its REFUND needs room any more. */
    private Postings releaseRoom(TradeLeg leg, Postings postings) {
        Asset paid = Rules.asset(assets, leg.getPaidAsset());
        Asset received = Rules.asset(assets, leg.getReceivedAsset());
        if (paid != null && leg.getPaidAmount() > 0) {
            postings.releaseRoom(new BalanceKey(leg.getUserId(), SPOT, paid.id()), leg.getPaidAmount());
        }
        if (received != null && leg.getReceivedNet() > 0) {
            postings.releaseRoom(new BalanceKey(leg.getUserId(), SPOT, received.id()), leg.getReceivedNet());
        }
        return postings;
    }
}
