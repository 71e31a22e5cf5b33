package io.settlement.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.contract.Topics;
import io.settlement.http.HealthChecks;
import io.settlement.sink.Health;
import io.settlement.sink.History;
import io.settlement.sink.LiabilityProofs;
import io.settlement.sink.SinkConsumers;
import io.settlement.sink.SinkRunner;
import io.settlement.sink.scylla.ScyllaConfig;
import io.settlement.sink.scylla.ScyllaEndpoint;
import io.settlement.sink.scylla.ScyllaLiabilities;
import io.settlement.sink.scylla.ScyllaSink;
import io.settlement.sink.tigerbeetle.TigerBeetleConfig;
import io.settlement.sink.tigerbeetle.TigerBeetleSink;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The sinks of one instance (docs/scylla.md, docs/tigerbeetle.md), each on when its database is configured and
 * off otherwise: the ScyllaDB sink ({@code scylla.contact.points}) and the TigerBeetle sink
 * ({@code tigerbeetle.addresses}). Each is a {@link io.settlement.sink.Sink} of its own module,
 * its own consumer group on the output topics, started in the background by a {@link SinkRunner}
 * and reported in {@code GET /health} under its name: {@code OFF} (healthy, not configured),
 * {@code STARTING}, or the sink's state and progress.
 *
 * <p>Every instance of a deployment runs the sinks it is configured with; instances with the same
 * sink share its consumer group, so each output partition is written by one of them.
 */
final class Sinks implements AutoCloseable {
    private final ScyllaSink scyllaSink;
    private final SinkRunner scylla;
    private final SinkRunner tigerBeetle;
    private final LiveReconcile liveReconcile;

    private Sinks(ScyllaSink scyllaSink, SinkRunner scylla, SinkRunner tigerBeetle, LiveReconcile liveReconcile) {
        this.scyllaSink = scyllaSink;
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
        ScyllaConfig scyllaConfig = settings.scyllaConfig();
        Optional<TigerBeetleConfig> ledger = settings.tigerBeetle();

        ScyllaSink scyllaSink = endpoint.map(cql -> new ScyllaSink(
                consumerProperties(settings, ScyllaSink.consumerProperties(settings.bootstrapServers())),
                topics, cql, scyllaConfig, registry)).orElse(null);
        SinkRunner scylla = scyllaSink == null ? null : SinkRunner.start(scyllaSink);
        SinkRunner tigerBeetle = ledger.map(cluster -> SinkRunner.start(new TigerBeetleSink(
                consumerProperties(settings, TigerBeetleSink.consumerProperties(settings.bootstrapServers())),
                topics, cluster, registry))).orElse(null);

        checks.register(ScyllaSink.NAME, scylla != null ? scylla::health : () -> off(AppSettings.SCYLLA_CONTACT_POINTS));
        checks.register(TigerBeetleSink.NAME, tigerBeetle != null ? tigerBeetle::health
                : () -> off(AppSettings.TIGERBEETLE_ADDRESSES));
        // Reconcile while traffic flows, next to the sink it checks.
        LiveReconcile live = ledger.map(cluster -> LiveReconcile.startPeriodic(settings, topics, cluster, registry)).orElse(null);
        return new Sinks(scyllaSink, scylla, tigerBeetle, live);
    }

    /** The health of a sink that is not configured: healthy (nothing is wrong), and saying so. */
    static Health off(String key) {
        return Health.up("OFF: not configured (" + key + " is empty)");
    }

    /**
     * The history the HTTP API serves ({@code GET /api/v1/users/{id}/ledger} and {@code .../trades}):
     * the ScyllaDB sink's tables when it is configured (503 while it is starting), none when it is off.
     */
    Optional<History> history() {
        return scyllaSink == null ? Optional.empty() : Optional.of(History.whenReady(scyllaSink::history,
                "the ScyllaDB sink is not connected yet (GET /health shows its state)"));
    }

    /**
     * Where the HTTP API reads the proofs of liabilities ({@code GET /api/v1/liabilities}, {@code GET
     * /api/v1/users/{id}/liabilities/{snapshot}}): the ScyllaDB tables {@code settlement liabilities snapshot}
     * writes, on the sink's session (503 while it is starting); none when the sink is off.
     */
    Optional<LiabilityProofs> liabilities() {
        return scyllaSink == null ? Optional.empty() : Optional.of(ScyllaLiabilities.lazy(scyllaSink::liabilities));
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
}
