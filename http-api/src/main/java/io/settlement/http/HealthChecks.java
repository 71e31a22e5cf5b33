package io.settlement.http;

import io.settlement.sink.Health;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The components {@code GET /health} reports beside the Kafka Streams state: the app registers
 * one supplier per sink (ScyllaDB, TigerBeetle, ...) at any time, before or after the API starts.
 * A supplier must answer quickly from state it already has; it is called on every health request.
 */
public final class HealthChecks {
    private final Map<String, Supplier<Health>> components = new ConcurrentHashMap<>();

    public HealthChecks register(String name, Supplier<Health> health) {
        components.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(health, "health"));
        return this;
    }

    public void unregister(String name) {
        components.remove(name);
    }

    /** Every component's health now, by name; a supplier that throws is reported down with the exception. */
    public Map<String, Health> snapshot() {
        Map<String, Health> result = new TreeMap<>();
        components.forEach((name, supplier) -> {
            Health health;
            try {
                health = Objects.requireNonNullElse(supplier.get(), Health.down("no answer"));
            } catch (RuntimeException e) {
                health = Health.down(e.toString());
            }
            result.put(name, health);
        });
        return result;
    }
}
