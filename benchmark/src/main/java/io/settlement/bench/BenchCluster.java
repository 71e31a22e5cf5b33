package io.settlement.bench;

import io.settlement.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The Kafka the benchmark runs on: a fresh embedded single-node broker in {@code dataDir}
 * (deleted first, so every run starts empty), or a given cluster. On a given cluster the
 * benchmark creates its own uniquely prefixed topics and deletes them again at the end.
 */
final class BenchCluster implements AutoCloseable {
    /** How long topic administration may take. */
    private static final long ADMIN_TIMEOUT_MS = 60_000;

    private final Optional<EmbeddedKafkaBroker> broker;
    private final Optional<BrokerProcess> brokerProcess;
    private final String bootstrapServers;
    private final List<String> createdTopics = new ArrayList<>();

    private BenchCluster(Optional<EmbeddedKafkaBroker> broker, Optional<BrokerProcess> brokerProcess, String bootstrapServers) {
        this.broker = broker;
        this.brokerProcess = brokerProcess;
        this.bootstrapServers = bootstrapServers;
    }

    /** A given cluster; else a fresh broker, in this JVM or (with {@code brokerInOwnProcess}) in a JVM of its own. */
    static BenchCluster open(Optional<String> bootstrapServers, Path dataDir, boolean brokerInOwnProcess) {
        if (bootstrapServers.isPresent()) {
            return new BenchCluster(Optional.empty(), Optional.empty(), bootstrapServers.get());
        }
        if (brokerInOwnProcess) {
            BrokerProcess process = BrokerProcess.start(dataDir);
            return new BenchCluster(Optional.empty(), Optional.of(process), process.bootstrapServers());
        }
        deleteRecursively(dataDir.resolve("kafka"));
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startOnFreePorts(dataDir.resolve("kafka"));
        return new BenchCluster(Optional.of(broker), Optional.empty(), broker.bootstrapServers());
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** Whether the cluster is the bench's own fresh broker (in this JVM or its own), so its topics need no prefix. */
    boolean embedded() {
        return broker.isPresent() || brokerProcess.isPresent();
    }

    /** What the report says the cluster was. */
    String description() {
        return broker.isPresent() ? "embedded single-node KRaft broker in this JVM"
                : brokerProcess.isPresent() ? "fresh single-node KRaft broker in its own JVM (--broker process)" : bootstrapServers;
    }

    /** The broker's own process, when it has one. */
    Optional<ProcessHandle> brokerProcess() {
        return brokerProcess.map(BrokerProcess::handle);
    }

    /** The CPU the broker's own process has used so far, when it has one; 0 otherwise (in this JVM, it is in this process's CPU). */
    long brokerProcessCpuNanos() {
        return brokerProcess.map(BrokerProcess::cpuNanos).orElse(0L);
    }

    void createTopics(Map<String, Integer> partitionsByTopic) {
        try (Admin admin = admin()) {
            List<NewTopic> topics = new ArrayList<>();
            partitionsByTopic.forEach((name, partitions) -> topics.add(new NewTopic(name, Optional.of(partitions), Optional.empty())));
            admin.createTopics(topics).values().forEach((name, future) -> {
                try {
                    future.get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    createdTopics.add(name);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + name, e.getCause());
                    }
                    throw new IllegalStateException("topic " + name + " exists already; the benchmark needs fresh topics");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted creating " + name, e);
                } catch (TimeoutException e) {
                    throw new IllegalStateException("cannot create topic " + name + " within " + ADMIN_TIMEOUT_MS + " ms", e);
                }
            });
        }
    }

    Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Admin.create(properties);
    }

    @Override
    public void close() {
        if (broker.isPresent()) {
            broker.get().close();
            return;
        }
        if (brokerProcess.isPresent()) {
            brokerProcess.get().close();
            return;
        }
        if (!createdTopics.isEmpty()) {
            try (Admin admin = admin()) {
                admin.deleteTopics(createdTopics).all().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                System.err.println("could not delete the benchmark's topics " + createdTopics + ": " + e);
            }
        }
    }

    static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path each : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }
}
