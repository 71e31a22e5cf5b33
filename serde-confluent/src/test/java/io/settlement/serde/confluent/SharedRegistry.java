package io.settlement.serde.confluent;

/**
 * One in-memory Apicurio Registry for every test class of this JVM that does not stop it
 * (tests use their own topic names, hence subjects); started on first use, stopped at exit.
 */
final class SharedRegistry {
    private static ApicurioRegistry registry;

    private SharedRegistry() {}

    static synchronized ApicurioRegistry get() {
        if (registry == null) {
            registry = ApicurioRegistry.inMemory().start();
            ApicurioRegistry started = registry;
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop));
        }
        return registry;
    }
}
