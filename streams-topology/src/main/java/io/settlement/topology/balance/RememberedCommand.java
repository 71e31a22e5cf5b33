package io.settlement.topology.balance;

import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the {@code commands} store remembers of a command id (key {@code KIND:command_id}): a
 * fingerprint of its content (without created_at) and its first result, so a retry gets the
 * identical result and a conflicting reuse is recognised. Encoded as a fixed 34-byte header
 * (fingerprint, command time, processed at, status, reason) plus the detail in UTF-8.
 */
public record RememberedCommand(long fingerprint, long commandTimeMs, long processedAtMs, ResultStatus status, Reason reason, String detail) {
    private static final int HEADER = 8 + 8 + 8 + 1 + 1 + 4;
    private static final byte NO_REASON = -1;
    private static final ResultStatus[] STATUSES = ResultStatus.values();
    private static final Reason[] REASONS = Reason.values();

    public static final Serde<RememberedCommand> SERDE = Serdes.serdeFrom(
            (Serializer<RememberedCommand>) (topic, value) -> value == null ? null : value.toBytes(),
            (Deserializer<RememberedCommand>) (topic, bytes) -> bytes == null ? null : fromBytes(bytes));

    /** When it may be forgotten: the later of the command's own time and when it was processed. */
    public long rememberedSinceMs() {
        return Math.max(commandTimeMs, processedAtMs);
    }

    public byte[] toBytes() {
        byte[] text = detail == null ? null : detail.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(HEADER + (text == null ? 0 : text.length));
        b.putLong(fingerprint).putLong(commandTimeMs).putLong(processedAtMs)
                .put((byte) status.ordinal()).put(reason == null ? NO_REASON : (byte) reason.ordinal())
                .putInt(text == null ? -1 : text.length);
        if (text != null) {
            b.put(text);
        }
        return b.array();
    }

    public static RememberedCommand fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long fingerprint = b.getLong();
        long commandTime = b.getLong();
        long processedAt = b.getLong();
        ResultStatus status = STATUSES[b.get()];
        byte reason = b.get();
        int length = b.getInt();
        String detail = length < 0 ? null : new String(bytes, HEADER, length, StandardCharsets.UTF_8);
        return new RememberedCommand(fingerprint, commandTime, processedAt, status, reason == NO_REASON ? null : REASONS[reason], detail);
    }
}
