package io.settlement.topology.balance;

import io.settlement.avro.AccountType;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The key of one account in the balances store: owner (user id, or 0 for the system accounts
 * of this task), account type, asset id. Encoded as 8-byte big-endian owner, 1-byte type
 * ordinal, 4-byte asset id, so that one user's accounts are a prefix scan with the user id
 * serialized by {@code Serdes.Long()}.
 */
public record BalanceKey(long ownerId, AccountType type, int assetId) {
    public static final int SIZE = Long.BYTES + 1 + Integer.BYTES;
    /** The owner id of system accounts (EXTERNAL, FEES, CLEARING). Each task holds its own share. */
    public static final long SYSTEM_OWNER = 0L;

    public static final Serde<BalanceKey> SERDE = Serdes.serdeFrom(
            (Serializer<BalanceKey>) (topic, key) -> key == null ? null : key.toBytes(),
            (Deserializer<BalanceKey>) (topic, bytes) -> bytes == null ? null : fromBytes(bytes));

    public byte[] toBytes() {
        return ByteBuffer.allocate(SIZE).putLong(ownerId).put((byte) type.ordinal()).putInt(assetId).array();
    }

    public static BalanceKey fromBytes(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("balance key must be " + SIZE + " bytes, was " + bytes.length);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new BalanceKey(buffer.getLong(), AccountType.values()[buffer.get()], buffer.getInt());
    }
}
