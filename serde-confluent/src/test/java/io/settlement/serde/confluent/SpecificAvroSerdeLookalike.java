package io.settlement.serde.confluent;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Stands in for Confluent's {@code SpecificAvroSerde} (not on Maven Central) with the same
 * shape: a public no-argument constructor, no type parameter known at construction, configured
 * by {@code configure(properties, isKey)}, the schema taken from each record when writing and
 * the class found from the writer schema's name when reading ({@code specific.avro.reader}).
 */
public final class SpecificAvroSerdeLookalike<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
    private final Map<Class<?>, ConfluentAvroSerde<?>> serdeByClass = new ConcurrentHashMap<>();
    private ConfluentAvroSerdes serdes;
    private Map<String, ?> configured;

    public SpecificAvroSerdeLookalike() {}

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (configs.get("schema.registry.url") == null) {
            throw new ConfigException("Missing required configuration \"schema.registry.url\"");
        }
        configured = Map.copyOf(configs);
        serdes = ConfluentAvroSerdes.fromConfig(configs);
    }

    Map<String, ?> configured() {
        return configured;
    }

    @Override
    @SuppressWarnings("unchecked")
    public byte[] serialize(String topic, T data) {
        return data == null ? null : ((ConfluentAvroSerde<T>) serdeFor(data.getClass())).serialize(topic, data);
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        Schema writer = new Schema.Parser().parse(serdes.registry().schemaById(ByteBuffer.wrap(data, 1, 4).getInt()));
        return ((ConfluentAvroSerde<T>) serdeFor(SpecificData.get().getClass(writer))).deserialize(topic, data);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private ConfluentAvroSerde<?> serdeFor(Class<?> type) {
        return serdeByClass.computeIfAbsent(type, t -> serdes.valueSerde((Class) t));
    }

    @Override
    public void close() {
        // nothing to release
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }
}
