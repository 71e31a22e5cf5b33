package io.settlement.serde.confluent;

import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * Chooses the application's Avro wire format from its properties ({@code serde.format}):
 * <ul>
 *   <li>{@code single-object} (default): Avro single-object encoding, no registry;</li>
 *   <li>{@code confluent}: the Confluent wire format over the registry at {@code schema.registry.url};</li>
 *   <li>{@code class:<fqcn>}: instances of a {@code Serde} class on the classpath, e.g. Confluent's
 *       {@code SpecificAvroSerde}, configured with all the properties.</li>
 * </ul>
 */
public final class WireFormats {
    public static final String SINGLE_OBJECT = "single-object";
    public static final String CONFLUENT = "confluent";
    public static final String CLASS_PREFIX = "class:";

    private WireFormats() {}

    public static AvroSerdes fromConfig(Map<String, ?> properties) {
        String format = ConfluentSerdeConfig.string(properties, ConfluentSerdeConfig.SERDE_FORMAT).orElse(SINGLE_OBJECT);
        if (format.startsWith(CLASS_PREFIX)) {
            return ConfiguredClassSerdes.of(format.substring(CLASS_PREFIX.length()).trim(), properties);
        }
        return switch (format.toLowerCase(Locale.ROOT)) {
            case SINGLE_OBJECT -> AvroSerdes.SINGLE_OBJECT;
            case CONFLUENT -> ConfluentAvroSerdes.fromConfig(properties);
            default -> throw new ConfigException(ConfluentSerdeConfig.SERDE_FORMAT, format,
                    "expected " + SINGLE_OBJECT + ", " + CONFLUENT + " or " + CLASS_PREFIX + "<fully qualified Serde class>");
        };
    }

    /**
     * Call once at start, before the streams run: with the Confluent format, registers or
     * verifies every published topic's subject (see {@link ConfluentAvroSerdes#prepare}), so a
     * missing registry fails the start with a clear message. Nothing to do for the other formats.
     *
     * @return the subjects registered or verified (empty for the other formats)
     */
    public static List<String> prepare(AvroSerdes avro, Topics topics) {
        return avro instanceof ConfluentAvroSerdes confluent ? confluent.prepare(topics) : List.of();
    }
}
