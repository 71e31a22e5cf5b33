package io.settlement.app;

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

/**
 * {@code settlement run}: one instance against an external Kafka cluster, configured from
 * {@code config/*.properties} and {@code SETTLEMENT_*} environment variables. Start more
 * instances with the same {@code application.id} to scale out. It refuses to start when a topic
 * is missing or the user-keyed inputs are not co-partitioned.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run one instance against a Kafka cluster (bootstrap.servers from --config or SETTLEMENT_BOOTSTRAP_SERVERS).")
final class RunCommand implements Callable<Integer> {
    @Mixin
    SettlementCli.ConfigOptions config;

    @Option(names = "--create-topics",
            description = "Create missing topics with topic.partitions and topic.replication.factor before starting.")
    boolean createTopics;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        AppSettings settings = config.load(AppSettings.RUN_DEFAULTS, Map.of());
        if (settings.authUsesHmac()) {
            throw new IllegalArgumentException("'" + AppSettings.AUTH_HMAC_SECRET_FILE + "' is for dev only: run verifies tokens with "
                    + io.settlement.http.ApiConfig.AUTH_JWKS_URL + " or " + io.settlement.http.ApiConfig.AUTH_PUBLIC_KEY_FILE + " (docs/security.md)");
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
        SettlementApp app = SettlementApp.start(settings);
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
}
