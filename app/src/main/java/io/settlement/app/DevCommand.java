package io.settlement.app;

import io.settlement.contract.InternalRecordKeys;
import io.settlement.http.HttpApiConfig;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.kafka.EmbeddedKafkaBroker;
import java.io.PrintWriter;
import java.nio.file.Path;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code settlement dev}: a real single-node Kafka broker in this process, the topics, the
 * topology and the HTTP API, with every byte of data under {@code ./data} so that a restart
 * (even after a kill) keeps balances. Ctrl-C stops it cleanly. One broker means one replica of
 * every topic: {@code dev} is a development mode and never checks durability the way {@code run}
 * does ({@link ClusterDurability}); it says so once in its log and in {@code /health}.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Run everything in one process on an embedded Kafka broker; data stays under --data-dir.")
final class DevCommand implements Callable<Integer> {
    /** How long the topology may take to reach RUNNING before dev mode gives up. */
    static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);

    @Mixin
    SettlementCli.ConfigOptions config;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
            description = "Kafka's log under DIR/kafka, Streams state under DIR/streams (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "9092",
            description = "The embedded broker's port on 127.0.0.1; its controller takes PORT+1 (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Spec
    CommandSpec spec;

    private static final Logger log = LoggerFactory.getLogger(DevCommand.class);

    @Override
    public Integer call() throws Exception {
        long startedAtNs = System.nanoTime();
        PrintWriter out = spec.commandLine().getOut();
        EmbeddedKafkaBroker broker;
        try {
            broker = EmbeddedKafkaBroker.start(dataDir.resolve("kafka"), kafkaPort);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot start the embedded Kafka broker on 127.0.0.1:" + kafkaPort
                    + " (controller " + (kafkaPort + 1) + "): " + rootMessage(e)
                    + ". Is another broker or dev instance running? Try --kafka-port.", e);
        }
        Path devKey = DevKey.ensure(dataDir);
        AppSettings settings = config.load(AppSettings.DEV_DEFAULTS, Map.of(
                AppSettings.BOOTSTRAP_SERVERS, broker.bootstrapServers(),
                AppSettings.STATE_DIR, dataDir.resolve("streams").toString(),
                HttpApiConfig.AUTH_HMAC_SECRET_FILE, devKey.toString()));
        if (!settings.asMap().containsKey(InternalRecordKeys.KEYS_CONFIG)) {
            // Kept under the data dir with the broker's log, so records in flight verify after a restart.
            settings = settings.with(Map.of(InternalRecordKeys.KEYS_CONFIG, DevInternalKey.ensure(dataDir)));
        }
        SettlementApp app;
        try {
            try (Admin admin = broker.admin()) {
                List<String> created = new TopicLayout(admin, Topics.create(AvroSerdes.SINGLE_OBJECT))
                        .createMissing(settings.topicPartitions(), settings.topicReplicationFactor());
                if (!created.isEmpty()) {
                    out.printf("Created topics with %d partitions: %s%n", settings.topicPartitions(), created);
                }
            }
            app = SettlementApp.start(settings);
            log.info("Dev mode: one embedded broker, so every topic has one replica and a lost disk loses everything; "
                    + "durability is not checked (run refuses such a cluster; docs/running.md)");
            app.healthChecks().register(RunCommand.DURABILITY_COMPONENT,
                    () -> io.settlement.sink.Health.up("NOT CHECKED (dev mode: one embedded broker, one replica per topic)"));
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }

        AtomicBoolean stopping = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            stopping.set(true);
            app.close();
            broker.close();
        }, "settlement-dev-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        if (!app.health().awaitRunning(STARTUP_TIMEOUT)) {
            spec.commandLine().getErr().printf("The topology did not reach RUNNING within %s (state %s); stopping.%n",
                    STARTUP_TIMEOUT, app.health().state());
            return stop(app, broker, hook);
        }
        printBanner(out, broker, app, Duration.ofNanos(System.nanoTime() - startedAtNs));

        app.health().awaitStopped(Duration.ofDays(36_500));
        if (stopping.get()) {
            return SettlementCli.EXIT_OK;
        }
        spec.commandLine().getErr().printf("Kafka Streams stopped on its own (state %s); see the log above.%n",
                app.health().state());
        return stop(app, broker, hook);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        for (int depth = 0; root.getCause() != null && depth < 16; depth++) {
            root = root.getCause();
        }
        return root.toString();
    }

    private static int stop(SettlementApp app, EmbeddedKafkaBroker broker, Thread hook) {
        Runtime.getRuntime().removeShutdownHook(hook);
        app.close();
        broker.close();
        return SettlementCli.EXIT_FAILED;
    }

    private void printBanner(PrintWriter out, EmbeddedKafkaBroker broker, SettlementApp app, Duration startup) {
        AppSettings settings = app.settings();
        String url = app.httpUrl();
        out.printf("%nSettlement Streams dev mode is up (%.1f s).%n", startup.toMillis() / 1000.0);
        out.printf("  HTTP API     : %s   (health %s/health, metrics %s/metrics; docs/http-api.md)%n", url, url, url);
        out.printf("  Kafka broker : %s (data in %s)%n", broker.bootstrapServers(), broker.dataDir());
        out.printf("  Streams      : %s, %d partitions per user-keyed topic, state in %s%n",
                settings.applicationId(), app.userPartitions(), settings.stateDir().toAbsolutePath().normalize());
        out.printf("  Sinks        : %s (docs/running.md)%n", app.sinks().summary());
        out.printf("%nWalkthrough (docs/walkthrough.md, with the answer to each command; tokens are signed with %s):%n",
                DevKey.fileUnder(dataDir));
        int httpPort = java.net.URI.create(url).getPort();
        for (String line : Walkthrough.forDev(Walkthrough.text(), "localhost:" + httpPort, broker.bootstrapServers(),
                kafkaPort == 9092, dataDir, dataDir.equals(Path.of("data")))) {
            out.println(line.isEmpty() ? "" : "  " + line);
        }
        out.printf("%nCtrl-C stops; the data stays under %s (delete it to start over).%n", dataDir.toAbsolutePath().normalize());
        out.flush();
    }
}
