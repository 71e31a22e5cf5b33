package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.SPOT;
import static io.settlement.avro.Bucket.AVAILABLE;
import static io.settlement.avro.Bucket.FROZEN;

import io.settlement.avro.OrderClosed;
import io.settlement.avro.OrderReleased;
import io.settlement.avro.OrderReserved;
import io.settlement.avro.Reason;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import io.settlement.topology.ExpiryIndex;
import java.time.Duration;

/**
 * Order reservations ({@link Reservation}): reserving freezes funds for one order
 * (SPOT.available -> SPOT.frozen); releasing returns what the order will never use and keeps
 * frozen what its announced fills still need, so the result is the same whichever comes first,
 * the fills or the release. The order closes with its last announced fill, however late it
 * comes: settling what the matching engine executed comes before any clock.
 *
 * <p>When the fill grace after a release ends and announced fills are still missing, the order
 * is listed as overdue ({@link OverdueOrders}: a gauge to alert on and a store an operator reads)
 * and stays open; an operator who knows the fills will never come closes it with
 * {@code OrderClosed}.
 */
final class OrderCommands {
    private final Assets assets;
    private final Ledger ledger;
    private final OwnedRecords<Reservation> reservations;
    private final ExpiryIndex graceEnds;
    private final OverdueOrders overdue;
    private final long fillGraceMs;

    OrderCommands(Assets assets, Ledger ledger, OwnedRecords<Reservation> reservations, ExpiryIndex graceEnds, OverdueOrders overdue,
            Duration fillGrace) {
        this.assets = assets;
        this.ledger = ledger;
        this.reservations = reservations;
        this.graceEnds = graceEnds;
        this.overdue = overdue;
        this.fillGraceMs = fillGrace.toMillis();
    }

    Outcome reserve(long userId, OrderReserved order, Step step, LedgerEvents events) {
        Outcome invalid = Rules.idPresent(order.getOrderId(), "order_id");
        if (invalid == null) {
            invalid = Rules.positive(order.getAmount(), "amount");
        }
        if (invalid != null) {
            return invalid;
        }
        Asset asset = Rules.asset(assets, order.getAsset());
        if (asset == null) {
            return Rules.unknownAsset(order.getAsset());
        }
        if (reservations.taken(userId, order.getOrderId())) {
            return Outcome.rejected(Reason.DUPLICATE_ORDER, "order " + order.getOrderId() + " of user " + userId + " was reserved before");
        }
        Outcome posted = ledger.post(new Postings(asset).userToUser(userId, SPOT, AVAILABLE, SPOT, FROZEN, order.getAmount()), step, events);
        if (posted.accepted()) {
            reservations.create(userId, order.getOrderId(), Reservation.reserve(userId, asset.id(), order.getAmount()));
        }
        return posted;
    }

    Outcome release(long userId, OrderReleased order, Step step, LedgerEvents events) {
        Outcome invalid = Rules.idPresent(order.getOrderId(), "order_id");
        if (invalid == null) {
            invalid = Rules.notNegative(order.getFilledTotal(), "filled_total");
        }
        if (invalid != null) {
            return invalid;
        }
        OwnedRecords.Found<Reservation> found = reservations.find(userId, order.getOrderId());
        if (found == null) {
            return unknownOrder(userId, order.getOrderId());
        }
        Reservation reservation = found.value();
        if (reservation.isReleased()) {
            return Outcome.rejected(Reason.ORDER_RELEASED, "order " + order.getOrderId() + " was released before");
        }
        if (order.getFilledTotal() > reservation.reserved()) {
            return Outcome.rejected(Reason.FILL_EXCEEDS_RESERVATION,
                    "filled_total " + order.getFilledTotal() + " exceeds the reservation of " + reservation.reserved());
        }
        Asset asset = assets.byId(reservation.assetId()).orElse(null);
        if (asset == null) {
            return assetGone(reservation);
        }
        long amount = reservation.remaining() - reservation.keptFor(order.getFilledTotal());
        Outcome posted = ledger.post(new Postings(asset).userToUser(userId, SPOT, FROZEN, SPOT, AVAILABLE, amount), step, events);
        if (posted.accepted()) {
            Reservation released = reservation.release(order.getFilledTotal(), amount, step.timeMs());
            reservations.update(found, released);
            if (released.awaitsFills()) {
                graceEnds.add(step.timeMs() + fillGraceMs, found.key());
            }
        }
        return posted;
    }

    /**
     * An operator's close of a released order whose announced fills will never come: what it
     * still holds returns from SPOT.frozen to SPOT.available, and later fills are refused
     * ORDER_CLOSED. Only a released order can be closed: before the release the matching engine
     * still owns the order.
     */
    Outcome close(long userId, OrderClosed order, Step step, LedgerEvents events) {
        Outcome invalid = Rules.idPresent(order.getOrderId(), "order_id");
        if (invalid != null) {
            return invalid;
        }
        OwnedRecords.Found<Reservation> found = reservations.find(userId, order.getOrderId());
        if (found == null) {
            return unknownOrder(userId, order.getOrderId());
        }
        Reservation reservation = found.value();
        if (!reservation.isReleased()) {
            return Outcome.rejected(Reason.INVALID_COMMAND, "order " + order.getOrderId() + " is not released: only a released order "
                    + "whose announced fills never came is closed by hand");
        }
        if (reservation.isClosed()) {
            return Outcome.rejected(Reason.ORDER_CLOSED, "order " + order.getOrderId() + " is closed already");
        }
        Asset asset = assets.byId(reservation.assetId()).orElse(null);
        if (asset == null) {
            return assetGone(reservation);
        }
        Outcome posted = ledger.post(new Postings(asset).userToUser(userId, SPOT, FROZEN, SPOT, AVAILABLE, reservation.remaining()),
                step, events);
        if (posted.accepted()) {
            Reservation closed = reservation.close(step.timeMs());
            reservations.update(found, closed);
            overdue.changed(found.key(), closed);
        }
        return posted;
    }

    /**
     * The fill grace of a released order ended: if announced fills are still missing, the order
     * is listed as overdue. Nothing moves and nothing is refused: time alone never rejects a fill.
     */
    void graceEnded(String reservationKey, long nowMs) {
        OwnedRecords.Found<Reservation> found = reservations.at(reservationKey);
        if (found != null && found.value().awaitsFills()) {
            overdue.add(reservationKey, found.value(), nowMs);
        }
    }

    /** A release or close before the order's reservation: rejected without claiming its id (ResultRules), so a retry applies. */
    private static Outcome unknownOrder(long userId, String orderId) {
        return Outcome.rejected(Reason.UNKNOWN_ORDER, "no order " + orderId + " of user " + userId + " (yet)");
    }

    private static Outcome assetGone(Reservation reservation) {
        return Outcome.rejected(Reason.UNKNOWN_ASSET, "asset id " + reservation.assetId() + " is no longer configured");
    }
}
