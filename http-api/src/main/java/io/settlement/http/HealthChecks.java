package io.settlement.http;

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
    private final Map<String, Supplier<ComponentHealth>> components = new ConcurrentHashMap<>();

    public HealthChecks register(String name, Supplier<ComponentHealth> health) {
        components.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(health, "health"));
        return this;
    }

    public void unregister(String name) {
        components.remove(name);
    }

    /** Every component's health now, by name; a supplier that throws is reported down with the exception. */
    public Map<String, ComponentHealth> snapshot() {
        Map<String, ComponentHealth> result = new TreeMap<>();
        components.forEach((name, supplier) -> {
            ComponentHealth health;
            try {
                health = Objects.requireNonNullElse(supplier.get(), ComponentHealth.down("no answer"));
            } catch (RuntimeException e) {
                health = ComponentHealth.down(e.toString());
            }
            result.put(name, health);
        });
        return result;
    }
}
