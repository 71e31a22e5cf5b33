package io.settlement.topology.balance;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The funds held in SPOT.frozen for one order, in its owner's partition (store
 * {@code reservations}, keyed by order id, kept for ever so an order id is never reserved twice).
 * Fills (trade DEBIT legs) consume from it; the REFUND of a fill whose trade failed returns to
 * it; a release returns what the order will never use and keeps what its announced fills still
 * need; when the fill grace after the release ends, the order closes and whatever it still holds
 * returns to SPOT.available. Encoded as a fixed 60-byte big-endian layout (the 52-byte layout
 * written before orders closed still reads, as an open order).
 *
 * @param userId the owner of the order
 * @param assetId the reserved asset
 * @param reserved how much was frozen for the order
 * @param consumed how much its fills took so far (less what refunds returned)
 * @param released how much the release and the close returned to SPOT.available
 * @param filledTotal what the release said the fills consume in total; {@link #NOT_RELEASED} until released
 * @param releasedAtMs wall-clock time of the release, 0 until released
 * @param closedAtMs wall-clock time the fill grace ended, 0 while fills may still come
 */
public record Reservation(long userId, int assetId, long reserved, long consumed, long released, long filledTotal,
                          long releasedAtMs, long closedAtMs) {
    public static final long NOT_RELEASED = -1;
    public static final int SIZE = 8 + 4 + 6 * 8;
    private static final int SIZE_BEFORE_CLOSING = SIZE - 8;

    public static final Serde<Reservation> SERDE = Serdes.serdeFrom(
            (Serializer<Reservation>) (topic, value) -> value == null ? null : value.toBytes(),
            (Deserializer<Reservation>) (topic, bytes) -> bytes == null ? null : fromBytes(bytes));

    public static Reservation reserve(long userId, int assetId, long amount) {
        return new Reservation(userId, assetId, amount, 0, 0, NOT_RELEASED, 0, 0);
    }

    /** What is still frozen for this order. */
    public long remaining() {
        return reserved - consumed - released;
    }

    public boolean isReleased() {
        return filledTotal != NOT_RELEASED;
    }

    /** Closed: released, and its fill grace ended; nothing is frozen for it any more. */
    public boolean isClosed() {
        return closedAtMs != 0;
    }

    /** What a release with {@code filledTotal} returns: the reservation minus what the fills take, counted or announced. */
    public long releasable(long filledTotal) {
        return reserved - Math.max(filledTotal, consumed);
    }

    public Reservation consume(long amount) {
        return new Reservation(userId, assetId, reserved, consumed + amount, released, filledTotal, releasedAtMs, closedAtMs);
    }

    /** A fill's debit came back (its trade failed): the order may be filled with it again. */
    public Reservation unconsume(long amount) {
        if (amount > consumed) {
            throw new IllegalStateException("a refund of " + amount + " exceeds the " + consumed + " the order's fills consumed");
        }
        return new Reservation(userId, assetId, reserved, consumed - amount, released, filledTotal, releasedAtMs, closedAtMs);
    }

    public Reservation release(long filledTotal, long amount, long nowMs) {
        return new Reservation(userId, assetId, reserved, consumed, amount, filledTotal, nowMs, closedAtMs);
    }

    /** The fill grace ended: what is still frozen returns to available, and no fill is taken any more. */
    public Reservation close(long nowMs) {
        return new Reservation(userId, assetId, reserved, consumed, released + remaining(), filledTotal, releasedAtMs, Math.max(1, nowMs));
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(SIZE).putLong(userId).putInt(assetId).putLong(reserved).putLong(consumed)
                .putLong(released).putLong(filledTotal).putLong(releasedAtMs).putLong(closedAtMs).array();
    }

    public static Reservation fromBytes(byte[] bytes) {
        if (bytes.length != SIZE && bytes.length != SIZE_BEFORE_CLOSING) {
            throw new IllegalArgumentException("reservation must be " + SIZE + " bytes, was " + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new Reservation(b.getLong(), b.getInt(), b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong(),
                bytes.length == SIZE ? b.getLong() : 0);
    }
}
