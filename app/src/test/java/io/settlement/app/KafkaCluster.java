package io.settlement.app;

import io.settlement.kafka.EmbeddedKafkaBroker;
import io.settlement.kafka.LocalPorts;
import io.settlement.testsupport.ForkedProcess;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real replicated Kafka cluster on this machine, for the tests that kill a broker: {@code n}
 * KRaft nodes, each a broker and a voter of a static controller quorum, every port on 127.0.0.1.
 *
 * <p>It is as durable as production asks ({@code docs/running.md}): new topics default to
 * replication factor {@code n} and {@code min.insync.replicas} 2, and so do the cluster's own
 * offsets and transaction state topics. Those have one partition each (as on a single node), so
 * the leader of {@code __transaction_state-0} coordinates every transaction: a test can tell which
 * node that is and kill it.
 *
 * <p>Each node runs in a JVM of its own ({@link KafkaClusterNode}, a {@link ForkedProcess} started
 * with this JVM's classpath, its output in {@code dir/node-<id>.log}). {@link #kill} ends one with
 * SIGKILL, as the kernel ends a crashed broker: no controlled shutdown, nothing flushed, no
 * clean-shutdown marker, so the cluster sees a crash (connections gone, the controller fencing the
 * node when its heartbeats stop) and the node's next start ({@link #restart}) recovers its logs
 * before it catches up as a follower.
 */
final class KafkaCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaCluster.class);
    /** How long a node may take to start (log recovery included) on a loaded machine. */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    /** How long a node may take to stop cleanly before it is killed. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** The file Kafka writes when it stops cleanly and looks for at start; a crashed node has none. */
    static final String CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";

    private final Map<Integer, Node> nodes;

    private KafkaCluster(Map<Integer, Node> nodes) {
        this.nodes = nodes;
    }

    /** Starts {@code size} nodes (ids 1..size), their data under {@code dir/node-<id>}, with these broker settings over the defaults. */
    static KafkaCluster start(Path dir, int size, Map<String, String> overrides) {
        if (size < 3) {
            throw new IllegalArgumentException("a replicated cluster with min.insync.replicas 2 that survives a broker needs 3 nodes or more");
        }
        Map<Integer, int[]> ports = new LinkedHashMap<>();
        for (int id = 1; id <= size; id++) {
            ports.put(id, new int[] {LocalPorts.freePort(EmbeddedKafkaBroker.HOST), LocalPorts.freePort(EmbeddedKafkaBroker.HOST)});
        }
        String voters = ports.entrySet().stream()
                .map(e -> e.getKey() + "@" + EmbeddedKafkaBroker.HOST + ":" + e.getValue()[1]).collect(Collectors.joining(","));
        Map<String, String> config = new HashMap<>();
        String replicas = String.valueOf(size);
        config.put("default.replication.factor", replicas);
        config.put("min.insync.replicas", "2");
        config.put("offsets.topic.replication.factor", replicas);
        config.put("transaction.state.log.replication.factor", replicas);
        config.put("transaction.state.log.min.isr", "2");
        config.put("share.coordinator.state.topic.replication.factor", replicas);
        config.put("share.coordinator.state.topic.min.isr", "2");
        // A killed broker must not come back as leader with less than what was acknowledged.
        config.put("unclean.leader.election.enable", "false");
        // The cluster is stopped as a whole at the end: a node does not wait for a quorum to hand its leaderships over.
        config.put("controlled.shutdown.enable", "false");
        config.putAll(overrides);
        String clusterId = Uuid.randomUuid().toString();
        Map<Integer, Node> nodes = new LinkedHashMap<>();
        try {
            Files.createDirectories(dir);
            for (Map.Entry<Integer, int[]> entry : ports.entrySet()) {
                int id = entry.getKey();
                Map<String, String> settings = new HashMap<>(config);
                settings.put(KafkaClusterNode.NODE_ID, String.valueOf(id));
                settings.put(KafkaClusterNode.DATA_DIR, dir.resolve("node-" + id).toAbsolutePath().toString());
                settings.put(KafkaClusterNode.BROKER_PORT, String.valueOf(entry.getValue()[0]));
                settings.put(KafkaClusterNode.CONTROLLER_PORT, String.valueOf(entry.getValue()[1]));
                settings.put(KafkaClusterNode.QUORUM_VOTERS, voters);
                settings.put(KafkaClusterNode.CLUSTER_ID, clusterId);
                nodes.put(id, Node.prepare(dir, id, entry.getValue()[0], settings));
            }
            // Together: a node is ready once it is unfenced, which needs a controller quorum, which needs a majority up.
            nodes.values().forEach(Node::launch);
            nodes.values().forEach(Node::awaitReady);
        } catch (IOException | RuntimeException e) {
            nodes.values().forEach(Node::stop);
            throw new IllegalStateException("cannot start a Kafka cluster of " + size + " nodes", e);
        }
        KafkaCluster cluster = new KafkaCluster(nodes);
        log.info("Kafka cluster of {} nodes up at {}", size, cluster.allBootstrapServers());
        return cluster;
    }

    /** Every node's listener, running or not: what clients are configured with, as they would be in production. */
    String allBootstrapServers() {
        return nodes.values().stream().map(Node::bootstrapServers).collect(Collectors.joining(","));
    }

    /** Node {@code id}'s data directory (its log dir and metadata log). */
    Path dataDir(int id) {
        return Path.of(node(id).settings.get(KafkaClusterNode.DATA_DIR));
    }

    /** An admin client for the whole cluster; the caller closes it. */
    Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, allBootstrapServers());
        return Admin.create(properties);
    }

    /** Ends node {@code id}'s process with SIGKILL and waits until it is gone: a crash, not a shutdown. */
    synchronized void kill(int id) {
        node(id).kill();
    }

    /** Starts node {@code id} again on its data directory and ports; returns once it is unfenced. */
    void restart(int id) {
        Node node;
        synchronized (this) {
            node = node(id);
            node.launch();
        }
        node.awaitReady();
    }

    private Node node(int id) {
        Node node = nodes.get(id);
        if (node == null) {
            throw new IllegalArgumentException("no node " + id + " in " + nodes.keySet());
        }
        return node;
    }

    /** Stops every node cleanly, together; a node that does not stop in time is killed. */
    @Override
    public synchronized void close() {
        nodes.values().forEach(Node::endInput);
        nodes.values().forEach(Node::stop);
    }

    /** A node: how to start it (its settings in a properties file), and its process while it runs. */
    private static final class Node {
        private final int id;
        private final int brokerPort;
        private final Map<String, String> settings;
        private final Path propertiesFile;
        private final Path log;
        private ForkedProcess process;

        private Node(int id, int brokerPort, Map<String, String> settings, Path propertiesFile, Path log) {
            this.id = id;
            this.brokerPort = brokerPort;
            this.settings = settings;
            this.propertiesFile = propertiesFile;
            this.log = log;
        }

        static Node prepare(Path dir, int id, int brokerPort, Map<String, String> settings) throws IOException {
            Properties properties = new Properties();
            properties.putAll(settings);
            Path file = dir.resolve("node-" + id + ".properties");
            try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                properties.store(writer, "node " + id + " of a KafkaCluster");
            }
            return new Node(id, brokerPort, Map.copyOf(settings), file, dir.resolve("node-" + id + ".log"));
        }

        String bootstrapServers() {
            return EmbeddedKafkaBroker.HOST + ":" + brokerPort;
        }

        synchronized void launch() {
            if (process != null && process.isAlive()) {
                throw new IllegalStateException("node " + id + " is running already");
            }
            process = ForkedProcess.start("kafka-node-" + id, List.of(ForkedProcess.java(), "-Xmx512m",
                    "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                    KafkaClusterNode.class.getName(), propertiesFile.toString()), null, log).destroyOnExit();
        }

        /** Waits until this start of the node printed its ready line; fails with the tail of its log if it ended or took too long. */
        void awaitReady() {
            ForkedProcess started;
            synchronized (this) {
                started = process;
            }
            started.awaitLine(KafkaClusterNode.READY + id, START_TIMEOUT);
        }

        synchronized void kill() {
            if (process != null) {
                process.kill();
            }
        }

        /** Ends its standard input, on which the node begins to stop cleanly. */
        synchronized void endInput() {
            if (process != null && process.isAlive()) {
                process.closeInput();
            }
        }

        /** Stops the node cleanly ({@link #endInput}); kills it if it does not stop within the timeout. */
        synchronized void stop() {
            if (process == null || !process.isAlive()) {
                return;
            }
            endInput();
            if (!process.waitForExit(STOP_TIMEOUT)) {
                process.kill();
            }
        }
    }
}
