package io.settlement.topology.balance;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One account's balance in minor units, and how many changes it has seen ({@code seq}).
 *
 * <p>A user account's buckets are never negative, and {@code available + frozen + pending +
 * incoming} never exceeds {@link Long#MAX_VALUE}: {@code incoming} is the room kept for trade
 * legs that may still add to the account (the CREDIT of what the user receives, or the REFUND of
 * what the user paid), so a credit or a refund can never overflow and never be refused.
 *
 * <p>A system account (EXTERNAL, FEES, CLEARING) exists once per balance task and holds that
 * task's share of the global account in {@code available}. Money moves between tasks' shares
 * (a trade debits into one task's CLEARING and credits out of another's), so a share alone has
 * no bound: shares are kept modulo 2^64, and the global account, the sum of the shares, is exact
 * as long as the asset's whole supply fits in a long. Encoded as five big-endian longs; the
 * four-long layout written before {@code incoming} existed still reads (with no room kept).
 */
public record Balance(long available, long frozen, long pending, long seq, long incoming) {
    public static final Balance ZERO = new Balance(0, 0, 0, 0, 0);
    public static final int SIZE = 5 * Long.BYTES;
    private static final int SIZE_WITHOUT_INCOMING = 4 * Long.BYTES;

    public static final Serde<Balance> SERDE = Serdes.serdeFrom(
            (Serializer<Balance>) (topic, balance) -> balance == null ? null : balance.toBytes(),
            (Deserializer<Balance>) (topic, bytes) -> bytes == null ? null : fromBytes(bytes));

    public Balance(long available, long frozen, long pending, long seq) {
        this(available, frozen, pending, seq, 0);
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(SIZE).putLong(available).putLong(frozen).putLong(pending).putLong(seq).putLong(incoming).array();
    }

    public static Balance fromBytes(byte[] bytes) {
        if (bytes.length != SIZE && bytes.length != SIZE_WITHOUT_INCOMING) {
            throw new IllegalArgumentException("balance must be " + SIZE + " bytes, was " + bytes.length);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new Balance(buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getLong(),
                bytes.length == SIZE ? buffer.getLong() : 0);
    }
}
