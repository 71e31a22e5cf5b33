package io.settlement.bench;

import io.settlement.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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

    private final Process process;
    private final String bootstrapServers;

    private BrokerProcess(Process process, String bootstrapServers) {
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
            Files.createDirectories(dataDir);
            Files.deleteIfExists(log);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process = new ProcessBuilder(List.of(java, HEAP, "-cp", System.getProperty("java.class.path"),
                    BrokerProcess.class.getName(), kafkaDir.toString()))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline && process.isAlive()) {
                String bootstrap = readyLine(log);
                if (bootstrap != null) {
                    return new BrokerProcess(process, bootstrap);
                }
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
            process.destroyForcibly();
            throw new IllegalStateException("the broker process did not start within " + START_TIMEOUT + " (exit "
                    + (process.isAlive() ? "none" : process.exitValue()) + "); its log: " + log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the broker process", e);
        }
    }

    private static String readyLine(Path log) throws IOException {
        if (!Files.exists(log)) {
            return null;
        }
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.startsWith(READY)) {
                return line.substring(READY.length()).trim();
            }
        }
        return null;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    /** The child's CPU time so far, or 0 where the platform does not say. */
    long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
