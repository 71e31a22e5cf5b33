package io.settlement.contract;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro single-object encoding (a 2-byte marker, the writer schema's 8-byte fingerprint, then
 * Avro binary) for one generated record type. Older versions from {@link SchemaHistory} are
 * known by their fingerprints, so a record written with any published version reads as the
 * newest. A record that cannot be read throws {@link SerializationException}, which the
 * streams runtime routes to the dead-letter topic.
 *
 * <p>Writing is Avro's {@code BinaryMessageEncoder}, or for the records every command writes
 * ({@link RecordCoders}: results, journal entries) a hand-written coder that writes the same
 * bytes and reads them back without Avro's per-field resolution. Reading checks the header here and reads
 * the body from the byte array with Avro's array-backed decoder, which refuses a string whose
 * length prefix claims more bytes than the record has left; Avro's {@code BinaryMessageDecoder}
 * reads through a stream decoder, which allocates the claimed length first (up to 2 GB for a
 * 20-byte record). What either reads, the other reads the same (a test holds them to it).
 * The datum readers are shared by every thread, as {@code BinaryMessageDecoder} shares its own;
 * each record gets its own decoder.
 */
public final class SingleObjectSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, WholeRecordDeserializer<T> {
    /** Marker (2 bytes) and writer-schema fingerprint (8 bytes, little-endian). */
    private static final int HEADER_BYTES = 10;
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;
    /**
     * What a hand-written coder's record is first encoded into: a buffer, handed to the output stream
     * in one write when full or done (a direct encoder writes every varint byte by byte).
     */
    private static final int BODY_BUFFER_BYTES = 256;
    private static final EncoderFactory BUFFERED = new EncoderFactory().configureBufferSize(BODY_BUFFER_BYTES);

    private final Class<T> type;
    private final BinaryMessageEncoder<T> encoder;
    private final long fingerprint;
    private final SpecificDatumReader<T> reader;
    /** Readers of the older published versions by fingerprint; each reads as the newest. */
    private final Map<Long, SpecificDatumReader<T>> olderReaders;
    /** The hand-written coder of the current schema, for the records every command writes; else Avro's. */
    private final RecordCoders.RecordCoder<T> coder;
    private final byte[] header;

    public SingleObjectSerde(Class<T> type) {
        TrustedContract.install();
        this.type = type;
        SpecificData model = SpecificData.getForClass(type);
        Schema schema = model.getSchema(type);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        this.reader = new SpecificDatumReader<>(schema, schema, model);
        Map<Long, SpecificDatumReader<T>> older = new HashMap<>();
        for (Schema version : SchemaHistory.versions(schema.getFullName())) {
            long versionFingerprint = SchemaNormalization.parsingFingerprint64(version);
            if (versionFingerprint != fingerprint) {
                older.put(versionFingerprint, new SpecificDatumReader<>(version, schema, model));
            }
        }
        this.olderReaders = Map.copyOf(older);
        this.coder = RecordCoders.of(type).orElse(null);
        this.header = ByteBuffer.allocate(HEADER_BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .put(MARKER_0).put(MARKER_1).putLong(fingerprint).array();
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            if (coder != null) {
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(BODY_BUFFER_BYTES);
                out.write(header);
                BinaryEncoder body = BUFFERED.binaryEncoder(out, null);
                coder.encode(data, body);
                body.flush();
                return out.toByteArray();
            }
            ByteBuffer buffer = encoder.encode(data);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException | AvroRuntimeException | NullPointerException | ClassCastException e) {
            throw new SerializationException("cannot encode " + type.getSimpleName() + " for " + topic + ": " + e.getMessage(), e);
        }
    }

    /** Avro's header checks and messages, then the body from the array, bounds-checked. */
    @Override
    public T deserialize(String topic, byte[] data) {
        return read(topic, data, false);
    }

    /** As {@link #deserialize}, and refused when bytes are left over after the record. */
    @Override
    public T deserializeWhole(String topic, byte[] data) {
        return read(topic, data, true);
    }

    private T read(String topic, byte[] data, boolean whole) {
        if (data == null) {
            return null;
        }
        try {
            if (data.length < HEADER_BYTES) {
                throw new BadHeaderException("Not enough header bytes");
            }
            if (data[0] != MARKER_0 || data[1] != MARKER_1) {
                throw new BadHeaderException(String.format("Unrecognized header bytes: 0x%02X 0x%02X", data[0], data[1]));
            }
            long writerFingerprint = fingerprintOf(data);
            SpecificDatumReader<T> writerReader = writerFingerprint == fingerprint ? reader : olderReaders.get(writerFingerprint);
            if (writerReader == null) {
                throw new MissingSchemaException("Cannot resolve schema for fingerprint: " + writerFingerprint);
            }
            try {
                BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, HEADER_BYTES, data.length - HEADER_BYTES, null);
                T record = coder != null && writerReader == reader ? coder.decode(decoder) : writerReader.read(null, decoder);
                if (whole && !decoder.isEnd()) {
                    throw new AvroRuntimeException("bytes left over after the record");
                }
                return record;
            } catch (IOException e) {
                throw new AvroRuntimeException("Decoding datum failed", e);
            }
        } catch (AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new SerializationException("cannot decode " + type.getSimpleName() + " from " + topic + ": " + e.getMessage(), e);
        }
    }

    private static long fingerprintOf(byte[] data) {
        long fingerprint = 0;
        for (int i = HEADER_BYTES - 1; i >= 2; i--) {
            fingerprint = (fingerprint << 8) | (data[i] & 0xFFL);
        }
        return fingerprint;
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // The record type fixes the schema; there is nothing to configure.
    }

    @Override
    public void close() {
        // Nothing to release: the encoder and readers hold no resources.
    }
}
