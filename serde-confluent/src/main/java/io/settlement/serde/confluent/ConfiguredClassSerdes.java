package io.settlement.serde.confluent;

import io.settlement.contract.AvroSerdes;
import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;

/**
 * {@code serde.format=class:<fully qualified name>}: every Avro value serde is a new instance of a
 * {@link Serde} class found on the classpath (public no-argument constructor), configured with
 * all the application's properties as a value serde. This is how a deployment that has
 * Confluent's own {@code io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde} uses it
 * without a code change; for that class the Confluent settings our schema text needs are filled
 * in unless set ({@code specific.avro.reader}, {@code avro.use.logical.type.converters},
 * {@code avro.remove.java.properties}).
 */
public final class ConfiguredClassSerdes implements AvroSerdes {
    /** Confluent serializer settings that make its records and subjects match ours. */
    static final Map<String, String> CONFLUENT_DEFAULTS = Map.of(
            "specific.avro.reader", "true",
            "avro.use.logical.type.converters", "true",
            "avro.remove.java.properties", "true");

    private final Class<? extends Serde<?>> serdeClass;
    private final Map<String, Object> properties;

    private ConfiguredClassSerdes(Class<? extends Serde<?>> serdeClass, Map<String, Object> properties) {
        this.serdeClass = serdeClass;
        this.properties = properties;
    }

    /** Loads and checks the class now, so a typo fails at start, not at the first record. */
    @SuppressWarnings("unchecked")
    public static ConfiguredClassSerdes of(String className, Map<String, ?> properties) {
        Class<?> loaded;
        try {
            loaded = Class.forName(className, true, Thread.currentThread().getContextClassLoader() != null
                    ? Thread.currentThread().getContextClassLoader() : ConfiguredClassSerdes.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ConfigException(ConfluentSerdeConfig.SERDE_FORMAT, WireFormats.CLASS_PREFIX + className, "class not found on the classpath");
        }
        if (!Serde.class.isAssignableFrom(loaded)) {
            throw new ConfigException(ConfluentSerdeConfig.SERDE_FORMAT, WireFormats.CLASS_PREFIX + className,
                    "not an " + Serde.class.getName());
        }
        try {
            loaded.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new ConfigException(ConfluentSerdeConfig.SERDE_FORMAT, WireFormats.CLASS_PREFIX + className, "has no public no-argument constructor");
        }
        Map<String, Object> configured = new HashMap<>(properties);
        CONFLUENT_DEFAULTS.forEach(configured::putIfAbsent);
        return new ConfiguredClassSerdes((Class<? extends Serde<?>>) loaded, Map.copyOf(configured));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type) {
        Serde<T> serde;
        try {
            serde = (Serde<T>) serdeClass.getConstructor().newInstance();
        } catch (InstantiationException | IllegalAccessException | InvocationTargetException | NoSuchMethodException e) {
            throw new ConfigException("cannot construct " + serdeClass.getName() + " for " + type.getSimpleName() + ": " + e);
        }
        serde.configure(properties, false);
        return serde;
    }

    public Class<? extends Serde<?>> serdeClass() {
        return serdeClass;
    }

    @Override
    public String toString() {
        return "ConfiguredClassSerdes[" + serdeClass.getName() + "]";
    }
}
