package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.SPOT;
import static io.settlement.avro.Bucket.AVAILABLE;
import static io.settlement.avro.Bucket.FROZEN;

import io.settlement.avro.OrderReleased;
import io.settlement.avro.OrderReserved;
import io.settlement.avro.Reason;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Order reservations: reserving freezes funds for one order (SPOT.available -> SPOT.frozen) and
 * tracks them in the {@code reservations} store; releasing returns
 * {@code reserved - max(filled_total, consumed)} to SPOT.available, so fills that arrive after
 * the release still find their funds, and the result is the same in either order.
 */
final class OrderCommands {
    private final Assets assets;
    private final Ledger ledger;
    private final KeyValueStore<String, Reservation> reservations;

    OrderCommands(Assets assets, Ledger ledger, KeyValueStore<String, Reservation> reservations) {
        this.assets = assets;
        this.ledger = ledger;
        this.reservations = reservations;
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
        }
        return posted;
    }
}
