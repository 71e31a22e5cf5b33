package io.settlement.contract;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The value serde of an internal topic: the inner serde's bytes followed by a
 * {@value InternalRecordKeys#TAG_BYTES}-byte HMAC-SHA256 tag ({@link InternalRecordKeys}) over the
 * topic name, the record's key and those bytes. Reading verifies the tag and throws
 * {@link UnauthenticatedRecordException} when no key verifies it.
 *
 * <p>A value deserializer is not given the record's key, so the key covered is the one the value
 * names ({@code keyOf}: a leg's user id, a leg result's trade id), in the key serde's bytes. The
 * processors refuse a record whose key is not that one, so a signed value replayed under another
 * key moves nothing; a value copied to another topic does not verify.
 *
 * <p>A record with no tag at all (a version from before the tags wrote it) is accepted only while
 * {@link InternalRecordKeys#UNSIGNED_ACCEPTED_UNTIL_CONFIG} allows, and only if its bytes are
 * exactly one record ({@link #untagged}); a record whose tag does not verify is always refused.
 */
public final class AuthenticatedSerde<K, V> implements Serde<V>, Serializer<V>, Deserializer<V> {
    private final Serde<V> inner;
    private final Serializer<K> keySerializer;
    private final Function<V, K> keyOf;
    private final InternalRecordKeys keys;

    public AuthenticatedSerde(Serde<V> inner, Serializer<K> keySerializer, Function<V, K> keyOf, InternalRecordKeys keys) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.keySerializer = Objects.requireNonNull(keySerializer, "keySerializer");
        this.keyOf = Objects.requireNonNull(keyOf, "keyOf");
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    @Override
    public byte[] serialize(String topic, V data) {
        if (data == null) {
            return null; // a tombstone moves nothing; the processors dead-letter it
        }
        byte[] body = inner.serializer().serialize(topic, data);
        byte[] tag = keys.sign(topic, keySerializer.serialize(topic, keyOf.apply(data)), body);
        byte[] signed = Arrays.copyOf(body, body.length + tag.length);
        System.arraycopy(tag, 0, signed, body.length, tag.length);
        return signed;
    }

    @Override
    public V deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        String refusal;
        if (data.length <= InternalRecordKeys.TAG_BYTES) {
            refusal = "record on " + topic + " is too short to carry an authentication tag";
        } else {
            int bodyLength = data.length - InternalRecordKeys.TAG_BYTES;
            byte[] body = Arrays.copyOf(data, bodyLength);
            byte[] tag = Arrays.copyOfRange(data, bodyLength, data.length);
            // The key the tag covers is named by the value, so the value is read first (by the
            // hardened reader, which bounds what it allocates) and trusted only once the tag verifies.
            V value = null;
            try {
                value = inner.deserializer().deserialize(topic, body);
                refusal = "record on " + topic + " is not authenticated by any configured " + InternalRecordKeys.KEYS_CONFIG
                        + ": not written by this application, altered, or moved from another key or topic";
            } catch (RetriableException e) {
                throw e; // a transient failure outside the record: the handler stops the task, nothing is dead-lettered
            } catch (RuntimeException e) {
                // Without a readable value there is no key to verify the tag with: not authenticated.
                refusal = "record on " + topic + " cannot be read without its authentication tag (" + e.getMessage()
                        + "), so it is not authenticated";
            }
            if (value != null && keys.verify(topic, keySerializer.serialize(topic, keyOf.apply(value)), body, tag)) {
                return value;
            }
        }
        V untagged = untagged(topic, data);
        if (untagged == null) {
            throw new UnauthenticatedRecordException(refusal);
        }
        if (!keys.acceptUnsigned(topic)) {
            throw new UnauthenticatedRecordException("record on " + topic + " has no authentication tag (written by a version "
                    + "from before the tags, or by someone else) and " + (keys.unsignedAcceptedUntil() == null
                    ? InternalRecordKeys.UNSIGNED_ACCEPTED_UNTIL_CONFIG + " is not set"
                    : "the window for such records closed at " + keys.unsignedAcceptedUntil()));
        }
        return untagged;
    }

    /**
     * The record {@code data} is when it carries no tag at all: all of its bytes are exactly one
     * record, nothing left over; else null. A tagged record is never mistaken for one: the writer
     * schema its header names fixes where its record ends (Avro binary is self-delimiting), so
     * the 32 bytes of a tag, right or wrong, are always left over. Checked only after the tag did
     * not verify, and only with a reader that can tell ({@link WholeRecordDeserializer}); with
     * another, no record counts as untagged.
     */
    private V untagged(String topic, byte[] data) {
        if (!(inner.deserializer() instanceof WholeRecordDeserializer<V> whole)) {
            return null;
        }
        try {
            return whole.deserializeWhole(topic, data);
        } catch (RetriableException e) {
            throw e;
        } catch (RuntimeException notOneRecord) {
            return null;
        }
    }

    @Override
    public Serializer<V> serializer() {
        return this;
    }

    @Override
    public Deserializer<V> deserializer() {
        return this;
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // The keys are given at construction; the inner serde is configured by whoever made it.
    }

    @Override
    public void close() {
        inner.close();
    }
}
