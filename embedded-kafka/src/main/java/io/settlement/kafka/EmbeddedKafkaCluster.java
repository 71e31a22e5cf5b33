package io.settlement.kafka;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real replicated Kafka cluster inside this JVM, for the tests that kill a broker: {@code n}
 * KRaft nodes, each a broker and a voter of a static controller quorum, every port on 127.0.0.1.
 *
 * <p>It is as durable as production asks ({@code docs/running.md}): new topics default to
 * replication factor {@code n} and {@code min.insync.replicas} 2, and so do the cluster's own
 * offsets and transaction state topics. Those have one partition each (as on a single node), so
 * the leader of {@code __transaction_state-0} coordinates every transaction: a test can tell which
 * node that is and kill it. A node stops <em>without</em> controlled shutdown
 * ({@link #kill}): it hands no leadership over first, so the cluster sees what it sees of a
 * crashed broker — connections gone, the controller fencing it when its heartbeats stop. It
 * starts again on its own data directory ({@link #restart}) and catches up as a follower.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);

    private final Map<Integer, EmbeddedKafkaBroker> nodes;

    private EmbeddedKafkaCluster(Map<Integer, EmbeddedKafkaBroker> nodes) {
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
        // What makes a stop abrupt: the broker leaves without moving its leaderships away first.
        config.put("controlled.shutdown.enable", "false");
        config.putAll(overrides);
        Map<Integer, EmbeddedKafkaBroker> nodes = new LinkedHashMap<>();
        ports.forEach((id, p) -> nodes.put(id, EmbeddedKafkaBroker.clusterNode(dir.resolve("node-" + id), id, p[0], p[1], voters, clusterId, config)));
        // Together: a node's startup returns once it is unfenced, which needs a controller quorum, which needs a majority up.
        ExecutorService starter = Executors.newFixedThreadPool(size);
        try {
            List<Future<?>> started = new ArrayList<>();
            nodes.values().forEach(node -> started.add(starter.submit((Runnable) node::start)));
            for (Future<?> future : started) {
                future.get();
            }
        } catch (Exception e) {
            nodes.values().forEach(EmbeddedKafkaBroker::close);
            throw new IllegalStateException("cannot start a Kafka cluster of " + size + " nodes", e);
        } finally {
            starter.shutdownNow();
        }
        EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(nodes);
        log.info("Kafka cluster of {} nodes up at {}", size, cluster.bootstrapServers());
        return cluster;
    }

    /** Every running node's listener. */
    public synchronized String bootstrapServers() {
        return nodes.values().stream().filter(EmbeddedKafkaBroker::isRunning).map(EmbeddedKafkaBroker::bootstrapServers)
                .collect(Collectors.joining(","));
    }

    /** Every node's listener, running or not: what clients are configured with, as they would be in production. */
    public String allBootstrapServers() {
        return nodes.values().stream().map(EmbeddedKafkaBroker::bootstrapServers).collect(Collectors.joining(","));
    }

    public List<Integer> nodeIds() {
        return List.copyOf(nodes.keySet());
    }

    /** An admin client for the whole cluster; the caller closes it. */
    public Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, allBootstrapServers());
        return Admin.create(properties);
    }

    /** Stops node {@code id} without controlled shutdown: its partitions' leadership moves only once the controller fences it. */
    public synchronized void kill(int id) {
        node(id).close();
    }

    /** Starts node {@code id} again on its data directory and ports; returns once it is unfenced. */
    public void restart(int id) {
        EmbeddedKafkaBroker node;
        synchronized (this) {
            node = node(id);
        }
        node.start();
    }

    public synchronized boolean isRunning(int id) {
        return node(id).isRunning();
    }

    private EmbeddedKafkaBroker node(int id) {
        EmbeddedKafkaBroker node = nodes.get(id);
        if (node == null) {
            throw new IllegalArgumentException("no node " + id + " in " + nodes.keySet());
        }
        return node;
    }

    @Override
    public synchronized void close() {
        for (EmbeddedKafkaBroker node : nodes.values()) {
            try {
                node.close();
            } catch (RuntimeException e) {
                log.warn("node {} did not stop cleanly", node.nodeId(), e);
            }
        }
    }
}
