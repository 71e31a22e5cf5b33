package io.settlement.contract;

import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic as a typed value: its name and the serdes of its keys and values. Call sites pass a
 * {@code Topic} instead of a bare name, so a topic can never be read with the wrong serde.
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
    }

    @Override
    public String toString() {
        return name;
    }
}
