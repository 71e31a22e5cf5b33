package io.settlement.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.contract.Topics;
import io.settlement.http.ComponentHealth;
import io.settlement.http.HealthChecks;
import io.settlement.sink.History;
import io.settlement.sink.scylla.HistoryQueries;
import io.settlement.sink.scylla.ScyllaEndpoint;
import io.settlement.sink.scylla.ScyllaHistory;
import io.settlement.sink.SinkConsumers;
import io.settlement.sink.scylla.ScyllaSink;
import io.settlement.sink.scylla.ScyllaSinkService;
import io.settlement.sink.scylla.ScyllaSinkSettings;
import io.settlement.sink.tigerbeetle.TigerBeetleLedgerClient;
import io.settlement.sink.tigerbeetle.TigerBeetleSink;
import io.settlement.sink.tigerbeetle.TigerBeetleSinkSettings;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The sinks of one instance (docs/scylla.md, docs/tigerbeetle.md), each on when its database is configured and
 * off otherwise: the ScyllaDB sink ({@code scylla.contact-points}) and the TigerBeetle sink
 * ({@code tigerbeetle.addresses}). Each is its own consumer group on the output topics, started in
 * the background ({@link SinkRunner}) and reported in {@code GET /health} as {@value #SCYLLA} and
 * {@value #TIGERBEETLE}: {@code OFF} (healthy, not configured), {@code STARTING}, or the sink's state.
 *
 * <p>Every instance of a deployment runs the sinks it is configured with; instances with the same
 * sink share its consumer group, so each output partition is written by one of them.
 */
final class Sinks implements AutoCloseable {
    /** The ScyllaDB sink's name in {@code /health}. */
    static final String SCYLLA = "scylla-sink";
    /** The TigerBeetle sink's name in {@code /health}. */
    static final String TIGERBEETLE = "tigerbeetle-sink";
    /** How long stopping the TigerBeetle sink may wait for its poll under way (a request and its retries). */
    static final long TIGERBEETLE_CLOSE_TIMEOUT_MS = 30_000;

    private final SinkRunner scylla;
    private final SinkRunner tigerBeetle;
    private final LiveReconcile liveReconcile;

    private Sinks(SinkRunner scylla, SinkRunner tigerBeetle, LiveReconcile liveReconcile) {
        this.scylla = scylla;
        this.tigerBeetle = tigerBeetle;
        this.liveReconcile = liveReconcile;
    }

    /**
     * Starts the configured sinks (in the background) and registers every sink's health, off ones
     * included, with {@code checks}.
     *
     * @throws IllegalArgumentException for bad sink configuration (found before anything starts)
     */
    static Sinks start(AppSettings settings, Topics topics, MeterRegistry registry, HealthChecks checks) {
        Optional<ScyllaEndpoint> endpoint = settings.scyllaEndpoint();
        ScyllaSinkSettings scyllaSettings = settings.scyllaSinkSettings();
        Optional<TigerBeetleSettings> ledger = settings.tigerBeetle();

        SinkRunner scylla = endpoint.map(cql -> SinkRunner.start(SCYLLA, "ScyllaDB " + describe(cql),
                // Read again per attempt: host names in the contact points are resolved when they are parsed.
                () -> scyllaSink(settings, topics, settings.scyllaEndpoint().orElseThrow(), scyllaSettings, registry)))
                .orElse(null);
        SinkRunner tigerBeetle = ledger.map(cluster -> SinkRunner.start(TIGERBEETLE,
                "TigerBeetle cluster " + cluster.clusterId() + " at " + String.join(",", cluster.addresses()),
                () -> tigerBeetleSink(settings, topics, cluster, registry))).orElse(null);

        checks.register(SCYLLA, scylla != null ? scylla::health : () -> off(AppSettings.SCYLLA_CONTACT_POINTS));
        checks.register(TIGERBEETLE, tigerBeetle != null ? tigerBeetle::health : () -> off(AppSettings.TIGERBEETLE_ADDRESSES));
        // Reconcile while traffic flows, next to the sink it checks.
        LiveReconcile live = ledger.map(cluster -> LiveReconcile.startPeriodic(settings, topics, cluster, registry)).orElse(null);
        return new Sinks(scylla, tigerBeetle, live);
    }

    /** The health of a sink that is not configured: healthy (nothing is wrong), and saying so. */
    static ComponentHealth off(String key) {
        return ComponentHealth.up("OFF: not configured (" + key + " is empty)");
    }

    /** The ScyllaDB history reads, once the ScyllaDB sink runs; empty when it is off or still starting. */
    Optional<HistoryQueries> scyllaHistory() {
        if (scylla == null || !(scylla.running() instanceof ScyllaRunning running)) {
            return Optional.empty();
        }
        return Optional.of(running.service().history());
    }

    /**
     * The history the HTTP API serves ({@code GET /api/v1/users/{id}/ledger} and {@code .../trades}):
     * the ScyllaDB sink's tables when it is configured (503 while it is starting), none when it is off.
     */
    Optional<History> history() {
        return scylla == null ? Optional.empty() : Optional.of(new ScyllaHistory(this::scyllaHistory));
    }

    /** One line for people: which sinks are on, and how to turn the others on. */
    String summary() {
        return (scylla != null ? "ScyllaDB on" : "ScyllaDB off (set " + AppSettings.SCYLLA_CONTACT_POINTS + ")")
                + ", " + (tigerBeetle != null ? "TigerBeetle on" : "TigerBeetle off (set " + AppSettings.TIGERBEETLE_ADDRESSES + ")");
    }

    @Override
    public void close() {
        if (liveReconcile != null) {
            liveReconcile.close();
        }
        for (SinkRunner runner : new SinkRunner[] {scylla, tigerBeetle}) {
            if (runner != null) {
                runner.close();
            }
        }
    }

    private static SinkRunner.RunningSink scyllaSink(AppSettings settings, Topics topics, ScyllaEndpoint endpoint,
            ScyllaSinkSettings sinkSettings, MeterRegistry registry) {
        Map<String, Object> consumer = consumerProperties(settings, ScyllaSink.consumerProperties(settings.bootstrapServers()));
        return new ScyllaRunning(ScyllaSinkService.start(consumer, topics, endpoint, sinkSettings, registry));
    }

    private static SinkRunner.RunningSink tigerBeetleSink(AppSettings settings, Topics topics, TigerBeetleSettings cluster,
            MeterRegistry registry) {
        Map<String, Object> consumer = consumerProperties(settings, TigerBeetleSink.consumerProperties(settings.bootstrapServers()));
        TigerBeetleLedgerClient ledger = new TigerBeetleLedgerClient(cluster.clusterId(), cluster.resolvedAddresses(),
                cluster.requestTimeoutMs());
        // The sink's pauses between retries end at once when it is stopped.
        CountDownLatch stopping = new CountDownLatch(1);
        TigerBeetleSink sink;
        try {
            sink = new TigerBeetleSink(new KafkaConsumer<>(consumer), topics.journal(), ledger,
                    TigerBeetleSinkSettings.defaults(), registry, millis -> stopping.await(millis, TimeUnit.MILLISECONDS));
        } catch (RuntimeException e) {
            ledger.close();
            throw e;
        }
        Thread thread = new Thread(sink, "tigerbeetle-sink");
        thread.start();
        return new SinkRunner.RunningSink() {
            @Override
            public String progress() {
                return "journal to TigerBeetle";
            }

            @Override
            public State state() {
                return sink.state();
            }

            @Override
            public List<String> problems() {
                return sink.problems();
            }

            @Override
            public void close() {
                sink.close();
                stopping.countDown();
                try {
                    thread.join(TIGERBEETLE_CLOSE_TIMEOUT_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    ledger.close();
                }
            }
        };
    }

    /**
     * The sink's own consumer settings over the operator's {@code kafka.*} ones (security, for
     * example), as a static group member named after this instance's {@code application.server},
     * so a restarted instance resumes its partitions at once.
     */
    private static Map<String, Object> consumerProperties(AppSettings settings, Map<String, Object> sinkProperties) {
        Map<String, Object> properties = new HashMap<>();
        settings.kafkaClientProperties().forEach((key, value) -> properties.put((String) key, value));
        properties.putAll(sinkProperties);
        return SinkConsumers.staticMember(properties, settings.advertisedHost() + ":" + settings.httpPort());
    }

    private static String describe(ScyllaEndpoint endpoint) {
        return endpoint.contactPoints().stream().map(a -> a.getHostString() + ":" + a.getPort()).toList()
                + " (data center " + endpoint.localDatacenter() + ", keyspace " + endpoint.keyspace() + ")";
    }

    /** The running ScyllaDB sink, with its lag as progress. */
    private record ScyllaRunning(ScyllaSinkService service) implements SinkRunner.RunningSink {
        @Override
        public String progress() {
            return "lag " + service.lag() + ", rows written " + service.rowsWritten();
        }

        @Override
        public State state() {
            return service.state();
        }

        @Override
        public List<String> problems() {
            return service.problems();
        }

        @Override
        public void close() {
            service.close();
        }
    }
}
