package io.settlement.topology.balance;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The funds held in SPOT.frozen for one order, in its owner's partition (store
 * {@code reservations}, keyed {@code ORDER@<user_id>/<order_id>} and kept for ever, so an order id
 * is never reserved twice by its user; see {@link OwnedRecords} for the keys written before ids
 * were scoped to users).
 *
 * <p>Fills (trade DEBIT legs) consume from it. Before the release, the REFUND of a fill whose
 * trade failed returns into it, and the fill counts as rejected: the matching engine counted it
 * in its {@code filled_total}, but it will never settle. The release keeps frozen exactly what the
 * announced fills still need ({@code filled_total} minus the fills settled or rejected) and
 * returns the rest; the order closes when that reaches zero, at the release or with the last
 * announced fill, however late it comes. A fill beyond what the release announced is refused.
 * Time never closes an order: a fill still missing after the fill grace is an alert, and an
 * operator's close ({@code OrderClosed}) the way out.
 *
 * <p>Encoded as a fixed 68-byte big-endian layout; the 60-byte layout (before rejected fills
 * were counted) and the 52-byte one (before orders closed) still read.
 *
 * @param userId the owner of the order
 * @param assetId the reserved asset
 * @param reserved how much was frozen for the order
 * @param consumed how much its fills took so far (less what refunds returned)
 * @param released how much went back to SPOT.available: by the release, by refunds after it, by the close
 * @param filledTotal what the release said the fills consume in total; {@link #NOT_RELEASED} until released
 * @param releasedAtMs wall-clock time of the release, 0 until released
 * @param closedAtMs wall-clock time the order closed, 0 while fills may still come
 * @param rejected how much of its fills before the release ended without settling (refunded or refused)
 */
public record Reservation(long userId, int assetId, long reserved, long consumed, long released, long filledTotal,
                          long releasedAtMs, long closedAtMs, long rejected) {
    public static final long NOT_RELEASED = -1;
    /** Key prefix of {@link OwnedRecords}: {@code ORDER@<user_id>/<order_id>}; reservations written before are keyed by the bare order id. */
    public static final String KEY_PREFIX = "ORDER";
    public static final int SIZE = 8 + 4 + 7 * 8;
    private static final int SIZE_BEFORE_REJECTED = SIZE - 8;
    private static final int SIZE_BEFORE_CLOSING = SIZE - 16;

    public static final Serde<Reservation> SERDE = Serdes.serdeFrom(
            (Serializer<Reservation>) (topic, value) -> value == null ? null : value.toBytes(),
            (Deserializer<Reservation>) (topic, bytes) -> bytes == null ? null : fromBytes(bytes));

    public static Reservation reserve(long userId, int assetId, long amount) {
        return new Reservation(userId, assetId, amount, 0, 0, NOT_RELEASED, 0, 0, 0);
    }

    /** The key a reservation made now is stored under. */
    public static String keyOf(long userId, String orderId) {
        return OwnedRecords.key(KEY_PREFIX, userId, orderId);
    }

    /** The reservations of a store, by owner and order id. */
    static OwnedRecords<Reservation> owned(KeyValueStore<String, Reservation> store) {
        return new OwnedRecords<>(store, KEY_PREFIX, "", Reservation::userId);
    }

    /** What is still frozen for this order: after the release, what its announced fills still need. */
    public long remaining() {
        return reserved - consumed - released;
    }

    public boolean isReleased() {
        return filledTotal != NOT_RELEASED;
    }

    /** Closed: nothing is frozen for it and it takes no more fills. */
    public boolean isClosed() {
        return closedAtMs != 0;
    }

    /** Released and still waiting for announced fills. */
    public boolean awaitsFills() {
        return isReleased() && !isClosed();
    }

    /**
     * What a release with {@code filledTotal} keeps frozen: the announced fills not yet settled
     * or rejected, never more than is still frozen.
     */
    public long keptFor(long filledTotal) {
        long announcedOpen = filledTotal - consumed - rejected;
        return Math.max(0, Math.min(announcedOpen, remaining()));
    }

    public Reservation consume(long amount, long nowMs) {
        return closeIfDone(new Reservation(userId, assetId, reserved, consumed + amount, released, filledTotal, releasedAtMs, closedAtMs,
                rejected), nowMs);
    }

    /** A fill before the release was refused or its trade failed: the release will not wait for it. */
    public Reservation rejectFill(long amount) {
        return new Reservation(userId, assetId, reserved, consumed, released, filledTotal, releasedAtMs, closedAtMs,
                Math.addExact(rejected, amount));
    }

    /** A fill's debit came back into the order (its trade failed before the release): the order may be filled with it again. */
    public Reservation unconsume(long amount) {
        if (amount > consumed) {
            throw new IllegalStateException("a refund of " + amount + " exceeds the " + consumed + " the order's fills consumed");
        }
        return new Reservation(userId, assetId, reserved, consumed - amount, released, filledTotal, releasedAtMs, closedAtMs,
                Math.addExact(rejected, amount));
    }

    /** A fill's debit came back after the release: it went to SPOT.available, and the order still waits for what it waited for. */
    public Reservation refundedAfterRelease(long amount, long nowMs) {
        if (amount > consumed) {
            throw new IllegalStateException("a refund of " + amount + " exceeds the " + consumed + " the order's fills consumed");
        }
        return closeIfDone(new Reservation(userId, assetId, reserved, consumed - amount, released + amount, filledTotal, releasedAtMs,
                closedAtMs, rejected), nowMs);
    }

    /** Released with {@code filledTotal}: {@code amount} went back to SPOT.available; closed at once when nothing is kept. */
    public Reservation release(long filledTotal, long amount, long nowMs) {
        return closeIfDone(new Reservation(userId, assetId, reserved, consumed, released + amount, filledTotal, nowMs, closedAtMs, rejected),
                nowMs);
    }

    /** Closed by an operator: what was still frozen went back to SPOT.available, and no fill is taken any more. */
    public Reservation close(long nowMs) {
        return new Reservation(userId, assetId, reserved, consumed, released + remaining(), filledTotal, releasedAtMs, Math.max(1, nowMs),
                rejected);
    }

    private static Reservation closeIfDone(Reservation reservation, long nowMs) {
        return reservation.awaitsFills() && reservation.remaining() == 0 ? reservation.close(nowMs) : reservation;
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(SIZE).putLong(userId).putInt(assetId).putLong(reserved).putLong(consumed)
                .putLong(released).putLong(filledTotal).putLong(releasedAtMs).putLong(closedAtMs).putLong(rejected).array();
    }

    public static Reservation fromBytes(byte[] bytes) {
        if (bytes.length != SIZE && bytes.length != SIZE_BEFORE_REJECTED && bytes.length != SIZE_BEFORE_CLOSING) {
            throw new IllegalArgumentException("reservation must be " + SIZE + " bytes, was " + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new Reservation(b.getLong(), b.getInt(), b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong(),
                bytes.length > SIZE_BEFORE_CLOSING ? b.getLong() : 0, bytes.length == SIZE ? b.getLong() : 0);
    }
}
