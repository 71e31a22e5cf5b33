package io.settlement.topology.balance;

import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.topology.ContentDigest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the {@code commands} store remembers of a command id, for ever: the digest of its content
 * (without its stamps) and its first result, so a retry gets the identical result, a conflicting
 * reuse is recognised, and a replay however late never applies twice. Encoded as the 16-byte
 * digest, command time, processed at, the status, the reason by name (so new reasons never shift
 * old records) and the detail in UTF-8: 35 bytes plus the reason's and the detail's length, which
 * an accepted command does not have.
 */
public record RememberedCommand(byte[] digest, long commandTimeMs, long processedAtMs, ResultStatus status, Reason reason, String detail) {
    private static final ResultStatus[] STATUSES = ResultStatus.values();

    public static final Serde<RememberedCommand> SERDE = Serdes.serdeFrom(
            (Serializer<RememberedCommand>) (topic, value) -> value == null ? null : value.toBytes(),
            (Deserializer<RememberedCommand>) (topic, bytes) -> bytes == null ? null : fromBytes(bytes));

    public RememberedCommand {
        if (digest.length != ContentDigest.BYTES) {
            throw new IllegalArgumentException("a digest is " + ContentDigest.BYTES + " bytes, was " + digest.length);
        }
    }

    public boolean sameContent(byte[] other) {
        return Arrays.equals(digest, other);
    }

    public byte[] toBytes() {
        byte[] reasonName = reason == null ? new byte[0] : reason.name().getBytes(StandardCharsets.US_ASCII);
        byte[] text = detail == null ? null : detail.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(ContentDigest.BYTES + 8 + 8 + 1 + 1 + reasonName.length + 4 + (text == null ? 0 : text.length));
        b.put(digest).putLong(commandTimeMs).putLong(processedAtMs).put((byte) status.ordinal())
                .put((byte) reasonName.length).put(reasonName).putInt(text == null ? -1 : text.length);
        if (text != null) {
            b.put(text);
        }
        return b.array();
    }

    public static RememberedCommand fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] digest = new byte[ContentDigest.BYTES];
        b.get(digest);
        long commandTime = b.getLong();
        long processedAt = b.getLong();
        ResultStatus status = STATUSES[b.get()];
        byte[] reasonName = new byte[b.get()];
        b.get(reasonName);
        int length = b.getInt();
        String detail = length < 0 ? null : new String(bytes, b.position(), length, StandardCharsets.UTF_8);
        Reason reason = reasonName.length == 0 ? null : reasonOf(new String(reasonName, StandardCharsets.US_ASCII));
        return new RememberedCommand(digest, commandTime, processedAt, status, reason, detail);
    }

    private static Reason reasonOf(String name) {
        try {
            return Reason.valueOf(name);
        } catch (IllegalArgumentException removed) {
            return Reason.OTHER;
        }
    }
}
