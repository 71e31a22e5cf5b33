package io.settlement.app;

import io.settlement.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * One node of an {@link KafkaCluster} in a JVM of its own, so that a test can end it as
 * the kernel ends a crashed broker: SIGKILL, no shutdown hook, no flush, no clean-shutdown
 * marker, and a log recovery when it starts again on the same directory.
 *
 * <p>It is started with one argument, a properties file: the node's {@code node.id}, its
 * {@code data.dir}, {@code broker.port}, {@code controller.port}, the static {@code quorum.voters},
 * the {@code cluster.id}, and every other entry as a broker setting. Once the node is unfenced it
 * prints {@value #READY} and its id on standard output. It stops cleanly when its standard input
 * ends, which is also what happens when the JVM that started it dies: no orphan broker outlives
 * a test run.
 */
final class KafkaClusterNode {
    /** The line (followed by the node id) that says the node is up. */
    static final String READY = "CLUSTER-NODE-READY ";
    static final String NODE_ID = "node.id";
    static final String DATA_DIR = "data.dir";
    static final String BROKER_PORT = "broker.port";
    static final String CONTROLLER_PORT = "controller.port";
    static final String QUORUM_VOTERS = "quorum.voters";
    static final String CLUSTER_ID = "cluster.id";

    private KafkaClusterNode() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: KafkaClusterNode <node.properties>");
            System.exit(2);
        }
        Properties file = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
            file.load(reader);
        }
        Map<String, String> settings = new HashMap<>();
        file.stringPropertyNames().forEach(name -> settings.put(name, file.getProperty(name)));
        int id = Integer.parseInt(settings.remove(NODE_ID));
        EmbeddedKafkaBroker node = EmbeddedKafkaBroker.startClusterNode(Path.of(settings.remove(DATA_DIR)), id,
                Integer.parseInt(settings.remove(BROKER_PORT)), Integer.parseInt(settings.remove(CONTROLLER_PORT)),
                settings.remove(QUORUM_VOTERS), settings.remove(CLUSTER_ID), settings);
        System.out.println(READY + id);
        System.out.flush();
        awaitEndOfInput(System.in);
        node.close();
        System.exit(0);
    }

    private static void awaitEndOfInput(InputStream in) {
        try {
            while (in.read() != -1) {
                // nothing is sent on it; only its end matters
            }
        } catch (IOException e) {
            // the pipe broke: the parent is gone
        }
    }
}
