package io.settlement.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.raft.DynamicVoters;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka (broker and KRaft controller in one process) running inside this
 * JVM, from the Maven Central {@code kafka_2.13} jars. It is the embedded default of
 * {@code dev} mode and the broker of the integration tests.
 *
 * <p>The data directory is formatted on first start only (what {@code kafka-storage.sh format
 * --standalone} does); later starts on the same directory keep every topic and record, so a
 * dev instance killed and started again loses nothing that was committed. Everything binds to
 * 127.0.0.1.
 *
 * <p>{@link #startSecured} starts it as a secured cluster is run, for the tests that show what a
 * principal may do: every listener is {@code SASL_PLAINTEXT} with the PLAIN mechanism (the users
 * and passwords given), Kafka's {@code StandardAuthorizer} decides every request with no access
 * when no ACL matches, and the broker's own principal {@value #ADMIN_USER} is the only super user.
 * Clients connect with {@link #clientSecurity}.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int SINGLE_NODE_ID = 1;
    /** Every listener binds to this address. */
    public static final String HOST = "127.0.0.1";
    /** How long topic creation may take before the broker counts as broken. */
    private static final long ADMIN_TIMEOUT_MS = 30_000;
    /** How long a restarted broker may take to settle its transactions before the check gives up. */
    private static final Duration REPAIR_TIMEOUT = Duration.ofSeconds(60);

    /** How long the controller keeps a silent broker's session; bounds a restart after SIGKILL (see brokerConfig). */
    static final int BROKER_SESSION_TIMEOUT_MS = 4_000;
    static final int BROKER_HEARTBEAT_INTERVAL_MS = 500;

    /** The secured broker's own principal (inter-broker and controller traffic), its only super user. */
    public static final String ADMIN_USER = "admin";

    private final Path dataDir;
    private final int brokerPort;
    private final int controllerPort;
    private final Map<String, String> overrides;
    /** User name to password of a secured broker (with {@link #ADMIN_USER}); empty for a plaintext one. */
    private final Map<String, String> users;
    private final int nodeId;
    /** The static quorum ({@code id@host:port,...}) of a node of a multi-node cluster; null for a single node. */
    private final String quorumVoters;
    /** The cluster id every node of a multi-node cluster is formatted with; null for a single node (a fresh one). */
    private final String clusterId;
    private KafkaRaftServer server;

    private EmbeddedKafkaBroker(Path dataDir, int brokerPort, int controllerPort, Map<String, String> overrides, Map<String, String> users) {
        this(dataDir, brokerPort, controllerPort, overrides, users, SINGLE_NODE_ID, null, null);
    }

    private EmbeddedKafkaBroker(Path dataDir, int brokerPort, int controllerPort, Map<String, String> overrides, Map<String, String> users,
            int nodeId, String quorumVoters, String clusterId) {
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.overrides = Map.copyOf(overrides);
        this.users = Map.copyOf(users);
        this.nodeId = nodeId;
        this.quorumVoters = quorumVoters;
        this.clusterId = clusterId;
    }

    /**
     * Starts one node (broker and controller) of a multi-node cluster: its id, its ports, the
     * static quorum of every node's controller ({@code id@host:port,...}), the common cluster id,
     * broker settings over the defaults. Returns once the node is unfenced. The tests' three-node
     * cluster runs each node in a JVM of its own through this.
     */
    public static EmbeddedKafkaBroker startClusterNode(Path dataDir, int nodeId, int brokerPort, int controllerPort, String quorumVoters,
            String clusterId, Map<String, String> overrides) {
        return new EmbeddedKafkaBroker(dataDir, brokerPort, controllerPort, overrides, Map.of(), nodeId, quorumVoters, clusterId).startup();
    }

    /** Starts a broker on the given port (the controller on port + 1), keeping its data in {@code dataDir}. */
    public static EmbeddedKafkaBroker start(Path dataDir, int brokerPort) {
        return new EmbeddedKafkaBroker(dataDir, brokerPort, brokerPort + 1, Map.of(), Map.of()).startup();
    }

    /** Starts a broker on free ephemeral ports, for tests. */
    public static EmbeddedKafkaBroker startOnFreePorts(Path dataDir) {
        return startOnFreePorts(dataDir, Map.of());
    }

    /** As {@link #startOnFreePorts(Path)}, with broker settings over the defaults (group coordinator settings, for example). */
    public static EmbeddedKafkaBroker startOnFreePorts(Path dataDir, Map<String, String> overrides) {
        return new EmbeddedKafkaBroker(dataDir, LocalPorts.freePort(HOST), LocalPorts.freePort(HOST), overrides, Map.of()).startup();
    }

    /**
     * Starts a secured broker on free ports: SASL/PLAIN with these users (name to password; it
     * must hold {@value #ADMIN_USER}, the super user) and the {@code StandardAuthorizer}.
     */
    public static EmbeddedKafkaBroker startSecured(Path dataDir, Map<String, String> users) {
        if (!users.containsKey(ADMIN_USER)) {
            throw new IllegalArgumentException("a secured broker needs the user " + ADMIN_USER + " (its own principal)");
        }
        return new EmbeddedKafkaBroker(dataDir, LocalPorts.freePort(HOST), LocalPorts.freePort(HOST), Map.of(), users).startup();
    }

    /** The client settings of {@code user} on a secured broker: SASL_PLAINTEXT, PLAIN, its JAAS login. */
    public Map<String, Object> clientSecurity(String user) {
        String password = users.get(user);
        if (password == null) {
            throw new IllegalArgumentException("no user " + user + " on this broker");
        }
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config", plainLogin(user, password, false));
    }

    public String bootstrapServers() {
        return HOST + ":" + brokerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Creates the topics that do not exist yet; existing ones are left as they are. */
    public void createTopics(Map<String, Integer> partitionsByTopic) {
        try (Admin admin = admin()) {
            List<NewTopic> topics = new ArrayList<>();
            partitionsByTopic.forEach((name, partitions) -> topics.add(new NewTopic(name, partitions, (short) 1)));
            admin.createTopics(topics).values().forEach((name, future) -> {
                try {
                    future.get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + name, e.getCause());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("cannot create topic " + name, e);
                }
            });
        }
    }

    /** An admin client for this broker; the caller closes it. */
    public Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        if (!users.isEmpty()) {
            properties.putAll(clientSecurity(ADMIN_USER));
        }
        return Admin.create(properties);
    }

    private synchronized EmbeddedKafkaBroker startup() {
        long startedAt = System.nanoTime();
        KafkaConfig config = new KafkaConfig(brokerConfig(), false);
        try {
            boolean formatted = formatIfNeeded(config);
            KafkaRaftServer raftServer = new KafkaRaftServer(config, Time.SYSTEM);
            // Returns once the broker is unfenced and listening.
            raftServer.startup();
            server = raftServer;
            if (!formatted && users.isEmpty() && quorumVoters == null) {
                completeDecidedTransactions();
            }
            log.info("Kafka broker up at {} in {} ms (formatted={}, data={})", bootstrapServers(),
                    (System.nanoTime() - startedAt) / 1_000_000, formatted, dataDir);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Kafka data directory " + dataDir, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the embedded Kafka broker on " + bootstrapServers(), e);
        }
    }

    /**
     * After a restart, writes the markers of transactions the coordinator decided but left open
     * ({@link HangingTransactions}); without this a broker killed while a transaction committed
     * can keep that transaction open for ever on some partitions. Reports what it found; a
     * failure is logged, not thrown, so the broker still starts and the log says why readers stall.
     */
    private void completeDecidedTransactions() {
        try (Admin admin = admin()) {
            for (HangingTransactions.Finding finding : new HangingTransactions(admin, HOST, brokerPort).repair(REPAIR_TIMEOUT)) {
                if (finding.verdict() != HangingTransactions.Verdict.LEFT_OPEN) {
                    continue; // logged by the repair as it wrote the marker
                }
                if (finding.coordinatorState() == TransactionState.ONGOING) {
                    log.info("A transaction is still open after the restart; its producer's next start or its timeout ends it: {}", finding);
                } else {
                    log.warn("A transaction is open with no known outcome; read-committed readers of {} stop at offset {} until"
                            + " it is ended by hand (kafka-transactions.sh; docs/operations.md, \"A transaction hangs\"): {}", finding.partition(), finding.firstOffset(), finding);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException | RuntimeException e) {
            log.error("Could not check the broker for transactions its restart left open; if a reader stalls, see docs/operations.md, \"A transaction hangs\"", e);
        }
    }

    private Map<String, Object> brokerConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put("process.roles", "broker,controller");
        config.put("node.id", String.valueOf(nodeId));
        config.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        config.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
        config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        config.put("inter.broker.listener.name", "PLAINTEXT");
        config.put("controller.listener.names", "CONTROLLER");
        if (quorumVoters == null) {
            // A dynamic (KIP-853) quorum of one, as `kafka-storage format --standalone` sets up.
            config.put("controller.quorum.bootstrap.servers", HOST + ":" + controllerPort);
        } else {
            // A node of a cluster: every node's controller is a voter of a static quorum.
            config.put("controller.quorum.voters", quorumVoters);
        }
        config.put("log.dirs", dataDir.toString());
        // A restart after a SIGKILL: the controller (this process too) starts by giving every broker the
        // metadata log shows unfenced (this one's killed incarnation) a fresh session, and refuses the new
        // incarnation's registration (DuplicateBrokerRegistrationException, retried each heartbeat interval)
        // until that session expires: broker.session.timeout.ms, 9 s by default, was 9-10 of the 12 s such a
        // start took. 4 s with heartbeats every 0.5 s: the wait is about 5 s, and fencing the live broker
        // still takes 4 s without one of eight heartbeats getting through (docs/running.md, "`dev`: the whole service on this machine").
        config.put("broker.session.timeout.ms", String.valueOf(BROKER_SESSION_TIMEOUT_MS));
        config.put("broker.heartbeat.interval.ms", String.valueOf(BROKER_HEARTBEAT_INTERVAL_MS));
        // One node: every internal topic has replication factor 1.
        config.put("offsets.topic.replication.factor", "1");
        config.put("offsets.topic.num.partitions", "1");
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("transaction.state.log.num.partitions", "1");
        config.put("share.coordinator.state.topic.replication.factor", "1");
        config.put("share.coordinator.state.topic.min.isr", "1");
        config.put("group.initial.rebalance.delay.ms", "0");
        // Streams groups (group.protocol=streams) may set a 6 s session and 1.5 s heartbeat, as the app
        // does at start (StreamsGroupTimeouts); Kafka's defaults refuse anything under 45 s and 5 s
        // (docs/running.md, "Failover"). Static settings: a cluster sets them in server.properties.
        config.put("group.streams.min.session.timeout.ms", "6000");
        config.put("group.streams.min.heartbeat.interval.ms", "1500");
        config.put("num.partitions", "1");
        config.put("auto.create.topics.enable", "false");
        if (!users.isEmpty()) {
            secure(config);
        }
        config.putAll(overrides);
        return config;
    }

    /** Every listener SASL_PLAINTEXT with PLAIN, the broker logging in as admin, the StandardAuthorizer deciding. */
    private void secure(Map<String, Object> config) {
        config.put("listeners", "SASL_PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        config.put("advertised.listeners", "SASL_PLAINTEXT://" + HOST + ":" + brokerPort);
        config.put("listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
        config.put("inter.broker.listener.name", "SASL_PLAINTEXT");
        config.put("sasl.enabled.mechanisms", "PLAIN");
        config.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        config.put("sasl.mechanism.controller.protocol", "PLAIN");
        String login = plainLogin(ADMIN_USER, users.get(ADMIN_USER), true);
        config.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", login);
        config.put("listener.name.controller.plain.sasl.jaas.config", login);
        config.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        config.put("super.users", "User:" + ADMIN_USER);
        config.put("allow.everyone.if.no.acl.found", "false");
    }

    /** A PLAIN JAAS login as {@code user}; the broker's own also lists every user it accepts. */
    private String plainLogin(String user, String password, boolean withUsers) {
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"")
                .append(user).append("\" password=\"").append(password).append('"');
        if (withUsers) {
            users.forEach((name, secret) -> jaas.append(" user_").append(name).append("=\"").append(secret).append('"'));
        }
        return jaas.append(';').toString();
    }

    private boolean formatIfNeeded(KafkaConfig config) throws Exception {
        if (Files.exists(dataDir.resolve("meta.properties"))) {
            return false;
        }
        Files.createDirectories(dataDir);
        if (quorumVoters != null) {
            // A static quorum needs no initial voter set in the log: the configuration names it.
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setUnstableFeatureVersionsEnabled(false)
                    .setIgnoreFormatted(false)
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .addDirectory(dataDir.toString())
                    .run();
            return true;
        }
        DynamicVoters voters = DynamicVoters.parse(SINGLE_NODE_ID + "@" + HOST + ":" + controllerPort + ":" + Uuid.randomUuid());
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(SINGLE_NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setUnstableFeatureVersionsEnabled(false)
                .setIgnoreFormatted(false)
                .setControllerListenerName("CONTROLLER")
                .setMetadataLogDirectory(config.metadataLogDir())
                .addDirectory(dataDir.toString())
                .setInitialControllers(voters)
                .setHasDynamicQuorum(true)
                .run();
        return true;
    }

    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
        log.info("Kafka broker at {} stopped", bootstrapServers());
    }
}
