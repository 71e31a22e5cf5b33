package io.settlement.serde.confluent;

import io.settlement.contract.SingleObjectSerde;
import io.settlement.contract.TrustedContract;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The Confluent wire format for one generated record type: a zero magic byte, the writer
 * schema's registry id as a 4-byte big-endian int, then the record in Avro binary. Any
 * Confluent-compatible serializer or deserializer, in any language, reads and writes it.
 *
 * <p>Serializing registers our schema under the subject of the configured strategy
 * ({@code <topic>-value} by default), or with auto-registration off only looks it up; the id is
 * cached per subject, so the registry is asked once per topic and process. Deserializing fetches
 * the writer schema by id (cached) and resolves it against our reader schema, so a record
 * written with an older version reads with the newer version's defaults.
 *
 * <p>Records on {@linkplain InternalTopics internal topics} are written in Avro's single-object
 * encoding instead; the deserializer tells the two apart by their first bytes and reads both.
 *
 * <p>A record that cannot be read or written (bad bytes, an unknown id, a schema that cannot be
 * resolved, a schema the registry refuses) is a {@link SerializationException} naming the type,
 * topic and cause, which the streams runtime routes to the dead-letter topic. A registry that
 * cannot be reached is a {@link SchemaRegistryUnavailableException} instead: the record is
 * fine, so it must not be dead-lettered.
 */
public final class ConfluentAvroSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, io.settlement.contract.WholeRecordDeserializer<T> {
    /** The first byte of every record in the Confluent wire format. */
    public static final byte MAGIC_BYTE = 0;
    /** Magic byte plus the 4-byte schema id. */
    public static final int HEADER_BYTES = 5;
    /** Distinct writer schemas remembered per type; a type has a handful of versions. */
    static final int READERS_MAX = 1_000;

    private final Class<T> type;
    private final SpecificData model;
    private final Schema readerSchema;
    private final String schemaText;
    private final SchemaRegistryClient registry;
    private final ConfluentSerdeConfig config;
    private final SingleObjectSerde<T> internalFormat;
    private final SpecificDatumWriter<T> writer;
    private final Map<String, Integer> idBySubject = new ConcurrentHashMap<>();
    private final Map<Integer, DatumReader<T>> readerByWriterId = new ConcurrentHashMap<>();
    private volatile boolean isKey;

    public ConfluentAvroSerde(Class<T> type, SchemaRegistryClient registry, ConfluentSerdeConfig config) {
        TrustedContract.install();
        this.type = type;
        this.model = SpecificData.getForClass(type);
        this.readerSchema = model.getSchema(type);
        this.schemaText = SchemaText.of(readerSchema);
        this.registry = registry;
        this.config = config;
        this.internalFormat = new SingleObjectSerde<>(type);
        this.writer = new SpecificDatumWriter<>(readerSchema, model);
    }

    /** The subject this serde registers under for {@code topic}. */
    public String subjectFor(String topic) {
        return config.subjectNameStrategy().subject(topic, isKey, readerSchema);
    }

    /** The text this serde registers and looks up: {@link SchemaText#of} of the generated class's schema. */
    public String schemaText() {
        return schemaText;
    }

    /**
     * The registry id of our schema under {@code topic}'s subject: registered when
     * auto-registration is on, looked up otherwise. Called on first use of a topic, and by
     * {@link WireFormats#prepare} at start so that a missing registry or subject fails early.
     */
    public int schemaIdFor(String topic) {
        String subject = subjectFor(topic);
        Integer cached = idBySubject.get(subject);
        if (cached != null) {
            return cached;
        }
        int id;
        try {
            id = config.autoRegister() ? registry.register(subject, schemaText) : registry.lookup(subject, schemaText);
        } catch (SchemaRegistryException e) {
            if (!config.autoRegister() && (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND)) {
                throw new SchemaRegistryException("cannot write " + type.getSimpleName() + " to " + topic + ": its schema is not registered under subject '"
                        + subject + "' and " + ConfluentSerdeConfig.AUTO_REGISTER_SCHEMAS + "=false; register it first (docs/confluent.md). "
                        + e.getMessage(), e.httpStatus(), e.errorCode());
            }
            throw new SchemaRegistryException("cannot write " + type.getSimpleName() + " to " + topic + ": " + e.getMessage(),
                    e.httpStatus(), e.errorCode());
        }
        idBySubject.put(subject, id);
        return id;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (InternalTopics.isInternal(topic)) {
            return internalFormat.serialize(topic, data);
        }
        int id = schemaIdFor(topic);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            out.write(MAGIC_BYTE);
            out.write(ByteBuffer.allocate(4).putInt(id).array());
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(data, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | AvroRuntimeException | NullPointerException | ClassCastException e) {
            throw new SerializationException("cannot encode " + type.getSimpleName() + " for " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return read(topic, data, false);
    }

    /** As {@link #deserialize}; the Confluent wire format is always read whole, the single-object encoding here. */
    @Override
    public T deserializeWhole(String topic, byte[] data) {
        return read(topic, data, true);
    }

    private T read(String topic, byte[] data, boolean whole) {
        if (data == null) {
            return null;
        }
        if (isSingleObject(data)) {
            return whole ? internalFormat.deserializeWhole(topic, data) : internalFormat.deserialize(topic, data);
        }
        if (data.length < HEADER_BYTES) {
            throw new SerializationException("cannot decode " + type.getSimpleName() + " from " + topic + ": " + data.length
                    + " bytes are too few for the Confluent wire format (magic byte, 4-byte schema id, Avro)");
        }
        if (data[0] != MAGIC_BYTE) {
            throw new SerializationException(String.format("cannot decode %s from %s: unknown magic byte 0x%02x (the Confluent wire format starts with 0x00)",
                    type.getSimpleName(), topic, data[0]));
        }
        int id = ByteBuffer.wrap(data, 1, 4).getInt();
        DatumReader<T> reader = readerFor(id, topic);
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, HEADER_BYTES, data.length - HEADER_BYTES, null);
            T record = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new SerializationException("cannot decode " + type.getSimpleName() + " from " + topic
                        + ": bytes left over after the record written with schema id " + id);
            }
            return record;
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException | ClassCastException e) {
            throw new SerializationException("cannot decode " + type.getSimpleName() + " from " + topic + " (schema id " + id + "): " + e, e);
        }
    }

    private DatumReader<T> readerFor(int id, String topic) {
        DatumReader<T> cached = readerByWriterId.get(id);
        if (cached != null) {
            return cached;
        }
        String writerText;
        try {
            writerText = registry.schemaById(id);
        } catch (SchemaRegistryException e) {
            throw new SchemaRegistryException("cannot decode " + type.getSimpleName() + " from " + topic + ": writer schema id "
                    + id + " unusable: " + e.getMessage(), e.httpStatus(), e.errorCode());
        }
        Schema writerSchema;
        try {
            writerSchema = new Schema.Parser().parse(writerText);
        } catch (AvroRuntimeException e) {
            throw new SerializationException("cannot decode " + type.getSimpleName() + " from " + topic + ": schema id " + id
                    + " is not valid Avro: " + e.getMessage(), e);
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility = SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new SerializationException("cannot decode " + type.getSimpleName() + " from " + topic + ": it was written with schema id "
                    + id + " (" + writerSchema.getFullName() + "), which our " + readerSchema.getFullName() + " cannot read: "
                    + compatibility.getResult().getIncompatibilities());
        }
        DatumReader<T> reader = new SpecificDatumReader<>(writerSchema, readerSchema, model);
        if (readerByWriterId.size() < READERS_MAX) {
            readerByWriterId.put(id, reader);
        }
        return reader;
    }

    /** Avro single-object encoding starts with 0xC3 0x01; the Confluent format with 0x00. */
    private static boolean isSingleObject(byte[] data) {
        return data.length >= 2 && data[0] == (byte) 0xC3 && data[1] == (byte) 0x01;
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    /** Only {@code isKey} matters here (subjects {@code -key} vs {@code -value}); the rest was fixed at construction. */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
    }

    @Override
    public void close() {
        // The registry client is shared by every serde of the application; nothing here to release.
    }
}
