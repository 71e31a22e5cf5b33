package io.settlement.topology.balance;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The funds held in SPOT.frozen for one order, in its owner's partition (store
 * {@code reservations}, keyed by order id). Fills (trade DEBIT legs) consume from it; a release
 * returns what the order will never use. Encoded as a fixed 52-byte big-endian layout.
 *
 * @param userId the owner of the order
 * @param assetId the reserved asset
 * @param reserved how much was frozen for the order
 * @param consumed how much its fills took so far
 * @param released how much the release returned to SPOT.available
 * @param filledTotal what the release said the fills consume in total; {@link #NOT_RELEASED} until released
 * @param releasedAtMs wall-clock time of the release, 0 until released (for purging)
 */
public record Reservation(long userId, int assetId, long reserved, long consumed, long released, long filledTotal, long releasedAtMs) {
    public static final long NOT_RELEASED = -1;
    public static final int SIZE = 8 + 4 + 5 * 8;

    public static final Serde<Reservation> SERDE = Serdes.serdeFrom(
            (Serializer<Reservation>) (topic, value) -> value == null ? null : value.toBytes(),
            (Deserializer<Reservation>) (topic, bytes) -> bytes == null ? null : fromBytes(bytes));

    public static Reservation reserve(long userId, int assetId, long amount) {
        return new Reservation(userId, assetId, amount, 0, 0, NOT_RELEASED, 0);
    }

    /** What is still frozen for this order. */
    public long remaining() {
        return reserved - consumed - released;
    }

    public boolean isReleased() {
        return filledTotal != NOT_RELEASED;
    }

    /** What a release with {@code filledTotal} returns: the reservation minus what the fills take, counted or announced. */
    public long releasable(long filledTotal) {
        return reserved - Math.max(filledTotal, consumed);
    }

    public Reservation consume(long amount) {
        return new Reservation(userId, assetId, reserved, consumed + amount, released, filledTotal, releasedAtMs);
    }

    public Reservation release(long filledTotal, long amount, long nowMs) {
        return new Reservation(userId, assetId, reserved, consumed, amount, filledTotal, nowMs);
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(SIZE).putLong(userId).putInt(assetId).putLong(reserved).putLong(consumed)
                .putLong(released).putLong(filledTotal).putLong(releasedAtMs).array();
    }

    public static Reservation fromBytes(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("reservation must be " + SIZE + " bytes, was " + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new Reservation(b.getLong(), b.getInt(), b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong());
    }
}
