package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.SPOT;
import static io.settlement.avro.Bucket.AVAILABLE;
import static io.settlement.avro.Bucket.FROZEN;

import io.settlement.avro.CommandKind;
import io.settlement.avro.OrderReleased;
import io.settlement.avro.OrderReserved;
import io.settlement.avro.Reason;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import io.settlement.topology.ExpiryIndex;
import java.time.Duration;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Order reservations: reserving freezes funds for one order (SPOT.available -> SPOT.frozen) and
 * tracks them in the {@code reservations} store; releasing returns
 * {@code reserved - max(filled_total, consumed)} to SPOT.available, so fills that arrive after
 * the release still find their funds, and the result is the same in either order. What a
 * released order keeps for its announced fills is kept only for the fill grace: when it ends
 * ({@link #closeAfterGrace}), the order closes and what it still holds returns to SPOT.available,
 * so no funds stay frozen for ever on an order whose fills never came (or were rejected).
 */
final class OrderCommands {
    private final Assets assets;
    private final Ledger ledger;
    private final KeyValueStore<String, Reservation> reservations;
    private final ExpiryIndex graceEnds;
    private final long fillGraceMs;

    OrderCommands(Assets assets, Ledger ledger, KeyValueStore<String, Reservation> reservations, ExpiryIndex graceEnds, Duration fillGrace) {
        this.assets = assets;
        this.ledger = ledger;
        this.reservations = reservations;
        this.graceEnds = graceEnds;
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
        if (reservations.get(order.getOrderId()) != null) {
            return Outcome.rejected(Reason.DUPLICATE_ORDER, "order " + order.getOrderId() + " was reserved before");
        }
        Outcome posted = ledger.post(new Postings(asset).userToUser(userId, SPOT, AVAILABLE, SPOT, FROZEN, order.getAmount()), step, events);
        if (posted.accepted()) {
            reservations.put(order.getOrderId(), Reservation.reserve(userId, asset.id(), order.getAmount()));
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
        Reservation reservation = reservations.get(order.getOrderId());
        if (reservation == null || reservation.userId() != userId) {
            return Outcome.rejected(Reason.UNKNOWN_ORDER, "no order " + order.getOrderId() + " of user " + userId);
        }
        if (reservation.isReleased()) {
            return Outcome.rejected(Reason.ORDER_RELEASED, "order " + order.getOrderId() + " was released before");
        }
        if (order.getFilledTotal() > reservation.reserved()) {
            return Outcome.rejected(Reason.FILL_EXCEEDS_RESERVATION,
                    "filled_total " + order.getFilledTotal() + " exceeds the reservation of " + reservation.reserved());
        }
        Asset asset = assets.byId(reservation.assetId()).orElse(null);
        if (asset == null) {
            return Outcome.rejected(Reason.UNKNOWN_ASSET, "asset id " + reservation.assetId() + " is no longer configured");
        }
        long amount = reservation.releasable(order.getFilledTotal());
        Outcome posted = ledger.post(new Postings(asset).userToUser(userId, SPOT, FROZEN, SPOT, AVAILABLE, amount), step, events);
        if (posted.accepted()) {
            reservations.put(order.getOrderId(), reservation.release(order.getFilledTotal(), amount, step.timeMs()));
            graceEnds.add(step.timeMs() + fillGraceMs, order.getOrderId());
        }
        return posted;
    }

    /**
     * The fill grace of a released order ended: what it still holds (announced fills that never
     * came, refunds of fills whose trades failed) returns from SPOT.frozen to SPOT.available, and
     * the order closes: a fill that comes later is rejected ORDER_CLOSED. The journal names the
     * step {@code ORDER_CLOSED:<user_id>:<order_id>}, of kind ORDER_RELEASED.
     */
    void closeAfterGrace(String orderId, long nowMs, LedgerEvents events) {
        Reservation reservation = reservations.get(orderId);
        if (reservation == null || reservation.isClosed() || !reservation.isReleased()) {
            return;
        }
        Asset asset = assets.byId(reservation.assetId()).orElseThrow(() ->
                new IllegalStateException("order " + orderId + " holds asset id " + reservation.assetId() + ", which is no longer configured"));
        long userId = reservation.userId();
        Step step = new Step(CommandKind.ORDER_RELEASED, orderId, "ORDER_CLOSED:" + userId + ':' + orderId, userId, nowMs);
        Outcome posted = ledger.post(new Postings(asset).userToUser(userId, SPOT, FROZEN, SPOT, AVAILABLE, reservation.remaining()), step, events);
        if (!posted.accepted()) {
            throw new IllegalStateException("closing order " + orderId + " was refused (" + posted + "): its frozen funds are not where it says");
        }
        reservations.put(orderId, reservation.close(nowMs));
    }
}
