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
    private final String bootstrapServers;
    private final List<String> createdTopics = new ArrayList<>();

    private BenchCluster(Optional<EmbeddedKafkaBroker> broker, String bootstrapServers) {
        this.broker = broker;
        this.bootstrapServers = bootstrapServers;
    }

    static BenchCluster open(Optional<String> bootstrapServers, Path dataDir) {
        if (bootstrapServers.isPresent()) {
            return new BenchCluster(Optional.empty(), bootstrapServers.get());
        }
        deleteRecursively(dataDir.resolve("kafka"));
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startOnFreePorts(dataDir.resolve("kafka"));
        return new BenchCluster(Optional.of(broker), broker.bootstrapServers());
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    boolean embedded() {
        return broker.isPresent();
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
