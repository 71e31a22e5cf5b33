package io.settlement.topology.trade;

import io.settlement.avro.TradeState;
import io.settlement.avro.TradeStatus;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the coordinator keeps of a trade for ever once the retention after its end has passed
 * (store {@code trade-ids}): its fingerprint, how it ended and when. Enough to answer a replay of
 * the trade (REPLAY_AFTER_RETENTION) or a new trade under its id (ID_CONFLICT), so a trade id
 * never settles twice. Encoded as the fingerprint's 32 ASCII hex digits (length-prefixed), the
 * status and the end time: 45 bytes.
 */
public record RetiredTrade(String fingerprint, TradeStatus status, long finishedAtMs) {
    private static final TradeStatus[] STATUSES = TradeStatus.values();

    public static final Serde<RetiredTrade> SERDE = Serdes.serdeFrom(
            (Serializer<RetiredTrade>) (topic, value) -> value == null ? null : value.toBytes(),
            (Deserializer<RetiredTrade>) (topic, bytes) -> bytes == null ? null : fromBytes(bytes));

    static RetiredTrade of(TradeState state) {
        return new RetiredTrade(state.getFingerprint(), state.getStatus(), state.getFinishedAt().toEpochMilli());
    }

    byte[] toBytes() {
        byte[] hex = fingerprint.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(4 + hex.length + 1 + 8).putInt(hex.length).put(hex).put((byte) status.ordinal()).putLong(finishedAtMs).array();
    }

    static RetiredTrade fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] hex = new byte[b.getInt()];
        b.get(hex);
        return new RetiredTrade(new String(hex, StandardCharsets.US_ASCII), STATUSES[b.get()], b.getLong());
    }
}
