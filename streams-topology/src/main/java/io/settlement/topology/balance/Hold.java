package io.settlement.topology.balance;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A deposit in FUNDING.pending or a withdrawal in FUNDING.frozen, in its owner's partition
 * (store {@code holds}, keyed {@code DEPOSIT@<user_id>/<deposit_id>} or {@code WITHDRAWAL@<user_id>/<withdrawal_id>}:
 * ids are unique per user; holds written before that are keyed {@code DEPOSIT:<deposit_id>} and
 * still read, see {@link OwnedRecords}).
 * Confirming or cancelling makes it final; holds are kept for ever, so a deposit or withdrawal id never
 * applies twice.
 * Encoded as a fixed 29-byte big-endian layout.
 *
 * @param finalAtMs wall-clock time it became final, 0 while open
 */
public record Hold(long userId, int assetId, long amount, State state, long finalAtMs) {
    public enum State { OPEN, CONFIRMED, CANCELLED }

    public static final String DEPOSIT_PREFIX = "DEPOSIT";
    public static final String WITHDRAWAL_PREFIX = "WITHDRAWAL";
    public static final int SIZE = 8 + 4 + 8 + 1 + 8;
    private static final State[] STATES = State.values();

    public static final Serde<Hold> SERDE = Serdes.serdeFrom(
            (Serializer<Hold>) (topic, value) -> value == null ? null : value.toBytes(),
            (Deserializer<Hold>) (topic, bytes) -> bytes == null ? null : fromBytes(bytes));

    public static Hold open(long userId, int assetId, long amount) {
        return new Hold(userId, assetId, amount, State.OPEN, 0);
    }

    public boolean isFinal() {
        return state != State.OPEN;
    }

    public Hold finish(State finalState, long nowMs) {
        return new Hold(userId, assetId, amount, finalState, nowMs);
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(SIZE).putLong(userId).putInt(assetId).putLong(amount).put((byte) state.ordinal()).putLong(finalAtMs).array();
    }

    public static Hold fromBytes(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("hold must be " + SIZE + " bytes, was " + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new Hold(b.getLong(), b.getInt(), b.getLong(), STATES[b.get()], b.getLong());
    }
}
