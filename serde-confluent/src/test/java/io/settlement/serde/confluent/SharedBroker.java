package io.settlement.serde.confluent;

import io.settlement.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** One in-process KRaft broker for the test classes of this JVM (tests use their own topics); stopped at exit. */
final class SharedBroker {
    private static EmbeddedKafkaBroker broker;

    private SharedBroker() {}

    static synchronized EmbeddedKafkaBroker get() {
        if (broker == null) {
            try {
                Path dataDir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "kafka-");
                broker = EmbeddedKafkaBroker.startOnFreePorts(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            EmbeddedKafkaBroker started = broker;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close));
        }
        return broker;
    }
}
