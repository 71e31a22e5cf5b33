package io.settlement.app;

import io.settlement.http.HttpApiConfig;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import io.settlement.sink.Health;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code settlement run}: one instance against an external Kafka cluster, configured from
 * {@code config/*.properties} and {@code SETTLEMENT_*} environment variables. Start more
 * instances with the same {@code application.id} to scale out. It refuses to start when a topic
 * is missing or the user-keyed inputs are not co-partitioned, and when the cluster would not keep
 * what settlement commits through a broker failure ({@link ClusterDurability}) unless told
 * {@code --allow-unsafe-durability}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run one instance against a Kafka cluster (bootstrap.servers from --config or SETTLEMENT_BOOTSTRAP_SERVERS).")
final class RunCommand implements Callable<Integer> {
    @Mixin
    SettlementCli.ConfigOptions config;

    @Option(names = "--create-topics",
            description = "Create missing topics with topic.partitions and topic.replication.factor before starting.")
    boolean createTopics;

    @Option(names = "--allow-unsafe-durability",
            description = "Start even when a topic has fewer than 3 replicas or min.insync.replicas below 2, or Kafka Streams "
                    + "would create its internal topics so (one broker, a test). Logged at WARN and shown in /health.")
    boolean allowUnsafeDurability;

    @Spec
    CommandSpec spec;

    /** The {@code /health} component that shows the durability check's outcome. */
    static final String DURABILITY_COMPONENT = "durability";

    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        AppSettings settings = config.load(AppSettings.RUN_DEFAULTS, Map.of());
        if (settings.authUsesHmac()) {
            throw new IllegalArgumentException("'" + HttpApiConfig.AUTH_HMAC_SECRET_FILE + "' is for dev only: run verifies tokens with "
                    + io.settlement.http.HttpApiConfig.AUTH_JWKS_URL + " or " + io.settlement.http.HttpApiConfig.AUTH_PUBLIC_KEY_FILE + " (docs/security.md)");
        }
        settings.authSettings();
        // No default key: a well-known one would let anyone with write access forge internal records.
        settings.internalRecordKeys();
        out.println("Settings: " + settings.describe());
        if (createTopics) {
            try (Admin admin = Admin.create(settings.kafkaClientProperties())) {
                List<String> created = new TopicLayout(admin, Topics.create(AvroSerdes.SINGLE_OBJECT))
                        .createMissing(settings.topicPartitions(), settings.topicReplicationFactor());
                if (!created.isEmpty()) {
                    out.printf("Created topics with %d partitions, replication factor %d: %s%n",
                            settings.topicPartitions(), settings.topicReplicationFactor(), created);
                }
            }
        }
        Health durability = checkDurability(settings);
        SettlementApp app = SettlementApp.start(settings);
        app.healthChecks().register(DURABILITY_COMPONENT, () -> durability);
        AtomicBoolean stopping = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            stopping.set(true);
            app.close();
        }, "settlement-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.printf("Settlement instance %s started (application %s, %d user partitions).%n",
                settings.advertisedHost() + ":" + settings.httpPort(), settings.applicationId(), app.userPartitions());
        out.flush();

        app.health().awaitStopped(Duration.ofDays(36_500));
        if (stopping.get()) {
            return SettlementCli.EXIT_OK;
        }
        spec.commandLine().getErr().printf("Kafka Streams stopped on its own (state %s); see the log above.%n",
                app.health().state());
        Runtime.getRuntime().removeShutdownHook(hook);
        app.close();
        return SettlementCli.EXIT_FAILED;
    }

    /**
     * Refuses to start on a cluster that could lose committed settlements, unless the operator
     * allowed it; the answer is what {@code /health} shows. Always UP: an operator who allowed it
     * knows, and a health check that failed for ever would only be silenced.
     */
    private Health checkDurability(AppSettings settings) {
        ClusterDurability.Report report;
        try (Admin admin = Admin.create(settings.kafkaClientProperties())) {
            report = ClusterDurability.check(admin, Topics.create(AvroSerdes.SINGLE_OBJECT).all(), settings);
        }
        if (report.safe()) {
            log.info("Durability: SAFE ({})", report.summary());
            return Health.up("SAFE (" + report.summary() + ")");
        }
        if (!allowUnsafeDurability) {
            throw new ClusterDurability.UnsafeDurabilityException(report.refusal());
        }
        log.warn("Durability is UNSAFE, started anyway with --allow-unsafe-durability: a broker failure could lose committed "
                + "settlements:{}", report.details());
        return Health.up("UNSAFE (started with --allow-unsafe-durability: " + report.summary() + ")");
    }
}
