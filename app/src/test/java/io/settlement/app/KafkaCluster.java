package io.settlement.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.concurrent.TimeUnit;
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
 * <p>Each node runs in a JVM of its own ({@link ClusterNode}), started with this JVM's java and
 * classpath, its output in {@code dir/node-<id>.log}. {@link #kill} ends one with SIGKILL, as the
 * kernel ends a crashed broker: no controlled shutdown, nothing flushed, no clean-shutdown marker,
 * so the cluster sees a crash (connections gone, the controller fencing the node when its
 * heartbeats stop) and the node's next start ({@link #restart}) recovers its logs before it
 * catches up as a follower.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
    /** How long a node may take to start (log recovery included) on a loaded machine. */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    /** How long a node may take to stop cleanly before it is killed. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** The file Kafka writes when it stops cleanly and looks for at start; a crashed node has none. */
    public static final String CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";

    private final Map<Integer, ForkedNode> nodes;

    private EmbeddedKafkaCluster(Map<Integer, ForkedNode> nodes) {
        this.nodes = nodes;
    }

    /** Starts {@code size} nodes (ids 1..size), their data under {@code dir/node-<id>}, with these broker settings over the defaults. */
    public static EmbeddedKafkaCluster start(Path dir, int size, Map<String, String> overrides) {
        if (size < 3) {
            throw new IllegalArgumentException("a replicated cluster with min.insync.replicas 2 that survives a broker needs 3 nodes or more");
        }
        Map<Integer, int[]> ports = new LinkedHashMap<>();
        for (int id = 1; id <= size; id++) {
            ports.put(id, new int[] {LocalPorts.freePort(EmbeddedKafkaBroker.HOST), LocalPorts.freePort(EmbeddedKafkaBroker.HOST)});
        }
        String voters = ports.entrySet().stream()
                .map(e -> e.getKey() + "@" + EmbeddedKafkaBroker.host() + ":" + e.getValue()[1]).collect(Collectors.joining(","));
        String clusterId = Uuid.randomUuid().toString();
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
        Map<Integer, ForkedNode> nodes = new LinkedHashMap<>();
        try {
            Files.createDirectories(dir);
            for (Map.Entry<Integer, int[]> entry : ports.entrySet()) {
                int id = entry.getKey();
                Map<String, String> settings = new HashMap<>(config);
                settings.put(ClusterNode.NODE_ID, String.valueOf(id));
                settings.put(ClusterNode.DATA_DIR, dir.resolve("node-" + id).toAbsolutePath().toString());
                settings.put(ClusterNode.BROKER_PORT, String.valueOf(entry.getValue()[0]));
                settings.put(ClusterNode.CONTROLLER_PORT, String.valueOf(entry.getValue()[1]));
                settings.put(ClusterNode.QUORUM_VOTERS, voters);
                settings.put(ClusterNode.CLUSTER_ID, clusterId);
                nodes.put(id, ForkedNode.prepare(dir, id, entry.getValue()[0], settings));
            }
            // Together: a node is ready once it is unfenced, which needs a controller quorum, which needs a majority up.
            nodes.values().forEach(ForkedNode::launch);
            for (ForkedNode node : nodes.values()) {
                node.awaitReady();
            }
        } catch (IOException | RuntimeException e) {
            nodes.values().forEach(ForkedNode::stop);
            throw new IllegalStateException("cannot start a Kafka cluster of " + size + " nodes", e);
        }
        EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(nodes);
        log.info("Kafka cluster of {} nodes up at {}", size, cluster.bootstrapServers());
        return cluster;
    }

    /** Every running node's listener. */
    public synchronized String bootstrapServers() {
        return nodes.values().stream().filter(ForkedNode::isRunning).map(ForkedNode::bootstrapServers)
                .collect(Collectors.joining(","));
    }

    /** Every node's listener, running or not: what clients are configured with, as they would be in production. */
    public String allBootstrapServers() {
        return nodes.values().stream().map(ForkedNode::bootstrapServers).collect(Collectors.joining(","));
    }

    public List<Integer> nodeIds() {
        return List.copyOf(nodes.keySet());
    }

    /** Node {@code id}'s data directory (its log dir and metadata log). */
    public Path dataDir(int id) {
        return Path.of(node(id).settings.get(ClusterNode.DATA_DIR));
    }

    /** An admin client for the whole cluster; the caller closes it. */
    public Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, allBootstrapServers());
        return Admin.create(properties);
    }

    /** Ends node {@code id}'s process with SIGKILL and waits until it is gone: a crash, not a shutdown. */
    public synchronized void kill(int id) {
        node(id).kill();
    }

    /** Starts node {@code id} again on its data directory and ports; returns once it is unfenced. */
    public void restart(int id) {
        ForkedNode node;
        synchronized (this) {
            node = node(id);
            node.launch();
        }
        node.awaitReady();
    }

    public synchronized boolean isRunning(int id) {
        return node(id).isRunning();
    }

    private ForkedNode node(int id) {
        ForkedNode node = nodes.get(id);
        if (node == null) {
            throw new IllegalArgumentException("no node " + id + " in " + nodes.keySet());
        }
        return node;
    }

    @Override
    public synchronized void close() {
        nodes.values().forEach(ForkedNode::endInput);
        nodes.values().forEach(ForkedNode::stop);
    }

    /** A node's process: how to start it, its output file, and the running process if any. */
    private static final class ForkedNode {
        private final int id;
        private final int brokerPort;
        private final Map<String, String> settings;
        private final Path propertiesFile;
        private final Path output;
        private Process process;
        private long outputStart;

        private ForkedNode(int id, int brokerPort, Map<String, String> settings, Path propertiesFile, Path output) {
            this.id = id;
            this.brokerPort = brokerPort;
            this.settings = settings;
            this.propertiesFile = propertiesFile;
            this.output = output;
        }

        static ForkedNode prepare(Path dir, int id, int brokerPort, Map<String, String> settings) throws IOException {
            Properties properties = new Properties();
            properties.putAll(settings);
            Path file = dir.resolve("node-" + id + ".properties");
            try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                properties.store(writer, "node " + id + " of an EmbeddedKafkaCluster");
            }
            return new ForkedNode(id, brokerPort, Map.copyOf(settings), file, dir.resolve("node-" + id + ".log"));
        }

        String bootstrapServers() {
            return EmbeddedKafkaBroker.host() + ":" + brokerPort;
        }

        synchronized boolean isRunning() {
            return process != null && process.isAlive();
        }

        synchronized void launch() {
            if (isRunning()) {
                throw new IllegalStateException("node " + id + " is running already");
            }
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                    "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                    ClusterNode.class.getName(), propertiesFile.toString());
            try {
                outputStart = Files.exists(output) ? Files.size(output) : 0;
                process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start node " + id + " of the cluster", e);
            }
        }

        /** Waits until this start of the node printed its ready line; fails with the tail of its output if it ended or took too long. */
        void awaitReady() {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                String since = outputSinceStart();
                if (since.contains(ClusterNode.READY + id)) {
                    return;
                }
                synchronized (this) {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("node " + id + " ended while starting:\n" + tail(since));
                    }
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while node " + id + " started", e);
                }
            }
            throw new IllegalStateException("node " + id + " not ready within " + START_TIMEOUT + ":\n" + tail(outputSinceStart()));
        }

        synchronized void kill() {
            if (process == null) {
                return;
            }
            process.destroyForcibly();
            awaitExit(STOP_TIMEOUT);
            log.info("Kafka node {} killed (SIGKILL)", id);
        }

        /** Ends its standard input, on which the node begins to stop cleanly. */
        synchronized void endInput() {
            if (!isRunning()) {
                return;
            }
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // the pipe is gone already: stop's kill ends it
            }
        }

        /** Stops the node cleanly ({@link #endInput}); kills it if it does not stop within the timeout. */
        synchronized void stop() {
            if (!isRunning()) {
                return;
            }
            endInput();
            if (!awaitExit(STOP_TIMEOUT)) {
                log.warn("Kafka node {} did not stop within {}; killing it", id, STOP_TIMEOUT);
                kill();
            }
        }

        private boolean awaitExit(Duration timeout) {
            try {
                return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        private String outputSinceStart() {
            try {
                if (!Files.exists(output)) {
                    return "";
                }
                byte[] all = Files.readAllBytes(output);
                int from = (int) Math.min(outputStart, all.length);
                return new String(all, from, all.length - from, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(cannot read " + output + ": " + e + ")";
            }
        }

        private String tail(String text) {
            List<String> lines = text.lines().toList();
            return output + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        }
    }
}
