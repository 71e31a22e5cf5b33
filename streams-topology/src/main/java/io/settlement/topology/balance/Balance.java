package io.settlement.topology.balance;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One account's balance in minor units, and how many changes it has seen ({@code seq}).
 * User buckets are never negative; the system EXTERNAL account is the negative of everything held.
 * Encoded as four big-endian longs.
 */
public record Balance(long available, long frozen, long pending, long seq) {
    public static final Balance ZERO = new Balance(0, 0, 0, 0);
    public static final int SIZE = 4 * Long.BYTES;

    public static final Serde<Balance> SERDE = Serdes.serdeFrom(
            (Serializer<Balance>) (topic, balance) -> balance == null ? null : balance.toBytes(),
            (Deserializer<Balance>) (topic, bytes) -> bytes == null ? null : fromBytes(bytes));

    public byte[] toBytes() {
        return ByteBuffer.allocate(SIZE).putLong(available).putLong(frozen).putLong(pending).putLong(seq).array();
    }

    public static Balance fromBytes(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("balance must be " + SIZE + " bytes, was " + bytes.length);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new Balance(buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getLong());
    }
}
