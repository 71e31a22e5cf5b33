package io.settlement.bench;

import io.settlement.kafka.EmbeddedKafkaBroker;
import io.settlement.testsupport.ForkedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A fresh single-node KRaft broker in a JVM of its own, for {@code bench --broker process}: the
 * broker's CPU then leaves the benchmark's process, so the ceiling and the engine no longer share
 * one JVM's heap, GC and threads with it. The child prints {@value #READY} and its bootstrap
 * servers to its log file, and runs until its standard input closes (the bench ended, or died:
 * either way the pipe closes, so no broker outlives its bench).
 */
final class BrokerProcess implements AutoCloseable {
    static final String READY = "BENCH-BROKER-READY ";
    /** How long the child may take to print its bootstrap servers. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** The child's heap. */
    private static final String HEAP = "-Xmx1g";

    private final ForkedProcess process;
    private final String bootstrapServers;

    private BrokerProcess(ForkedProcess process, String bootstrapServers) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
    }

    /** The child's main: {@code BrokerProcess <data dir>}. */
    public static void main(String[] args) throws IOException {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startOnFreePorts(Path.of(args[0]))) {
            System.out.println(READY + broker.bootstrapServers());
            System.out.flush();
            while (System.in.read() >= 0) {
                // runs until the bench closes the pipe
            }
        }
    }

    /** Starts the child on a fresh {@code dataDir/kafka} and waits until its broker listens. */
    static BrokerProcess start(Path dataDir) {
        Path kafkaDir = dataDir.resolve("kafka");
        BenchCluster.deleteRecursively(kafkaDir);
        Path log = dataDir.resolve("broker-process.log");
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the broker process", e);
        }
        ForkedProcess process = ForkedProcess.start("the broker process", List.of(ForkedProcess.java(), HEAP, "-cp",
                System.getProperty("java.class.path"), BrokerProcess.class.getName(), kafkaDir.toString()), null, log)
                .awaitLine(READY, START_TIMEOUT);
        String bootstrap = process.output().lines().filter(line -> line.startsWith(READY)).findFirst().orElseThrow()
                .substring(READY.length()).trim();
        return new BrokerProcess(process, bootstrap);
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    ProcessHandle handle() {
        return process.handle();
    }

    /** The child's CPU time so far, or 0 where the platform does not say. */
    long cpuNanos() {
        return process.handle().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    @Override
    public void close() {
        process.closeInput();
        if (!process.waitForExit(Duration.ofSeconds(30))) {
            process.kill();
        }
    }
}
