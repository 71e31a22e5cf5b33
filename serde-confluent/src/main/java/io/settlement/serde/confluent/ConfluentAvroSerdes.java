package io.settlement.serde.confluent;

import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Confluent wire format as the application's {@link AvroSerdes}: every serde shares one
 * registry client (and its caches). Pass it to {@code Topics.create}.
 */
public final class ConfluentAvroSerdes implements AvroSerdes {
    private static final Logger log = LoggerFactory.getLogger(ConfluentAvroSerdes.class);

    private final SchemaRegistryClient registry;
    private final ConfluentSerdeConfig config;

    public ConfluentAvroSerdes(SchemaRegistryClient registry, ConfluentSerdeConfig config) {
        this.registry = registry;
        this.config = config;
    }

    /** Reads {@code schema.registry.url}, auth, {@code auto.register.schemas}, ... (see {@link ConfluentSerdeConfig}). No I/O. */
    public static ConfluentAvroSerdes fromConfig(Map<String, ?> properties) {
        ConfluentSerdeConfig config = ConfluentSerdeConfig.from(properties);
        return new ConfluentAvroSerdes(new SchemaRegistryClient(config.registry()), config);
    }

    @Override
    public <T extends SpecificRecord> ConfluentAvroSerde<T> valueSerde(Class<T> type) {
        return new ConfluentAvroSerde<>(type, registry, config);
    }

    public SchemaRegistryClient registry() {
        return registry;
    }

    public ConfluentSerdeConfig config() {
        return config;
    }

    /**
     * Registers (auto-registration on) or looks up (off) the value subject of every published
     * Avro topic, so that an unreachable registry, a missing subject or an incompatible schema
     * stops the start with a clear message rather than the first record. Internal topics are
     * skipped: they keep the single-object encoding.
     *
     * @return the subjects, in the order of {@link Topics}
     */
    public List<String> prepare(Topics topics) {
        List<String> subjects = new ArrayList<>();
        for (Topic<?, ?> topic : List.of(topics.balanceOperations(), topics.transferRequests(), topics.trades(), topics.results(),
                topics.journal(), topics.balanceEvents(), topics.tradeLegs(), topics.legResults())) {
            if (topic.valueSerde() instanceof ConfluentAvroSerde<?> serde && !InternalTopics.isInternal(topic.name())) {
                int id = serde.schemaIdFor(topic.name());
                subjects.add(serde.subjectFor(topic.name()));
                log.info("Confluent wire format: topic {} writes subject {} schema id {}", topic.name(), serde.subjectFor(topic.name()), id);
            }
        }
        return subjects;
    }

    @Override
    public String toString() {
        return "ConfluentAvroSerdes[" + config.registry() + ", autoRegister=" + config.autoRegister() + ", " + config.subjectNameStrategy() + "]";
    }
}
