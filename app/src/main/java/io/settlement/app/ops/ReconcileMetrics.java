package io.settlement.app.ops;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The outcome of {@code settlement reconcile} as Prometheus metrics, pushed to a Prometheus
 * Pushgateway: reconcile is a command that runs and ends, so nothing could scrape it. The alert
 * {@code SettlementReconcileDifferences} reads them.
 * <ul>
 *   <li>{@value #DIFFERENCES}: accounts whose TigerBeetle balance differs from the stores' in the last run;</li>
 *   <li>{@value #LAST_RUN}: when that run compared the ledgers (seconds since the epoch).</li>
 * </ul>
 * The push replaces the group {@code job="settlement_reconcile"} (HTTP PUT), so the gateway
 * always holds the last run.
 */
public final class ReconcileMetrics {
    public static final String DIFFERENCES = "settlement_reconcile_differences";
    public static final String LAST_RUN = "settlement_reconcile_last_run_timestamp_seconds";
    /** Every metric a push carries. */
    public static final List<String> NAMES = List.of(DIFFERENCES, LAST_RUN);
    public static final String JOB = "settlement_reconcile";
    static final Duration PUSH_TIMEOUT = Duration.ofSeconds(10);

    private ReconcileMetrics() {}

    /** The metrics in Prometheus' text format. */
    public static String text(int differences, Instant ranAt) {
        return "# HELP " + DIFFERENCES + " Accounts whose TigerBeetle balance differs from the stores' in the last reconcile.\n"
                + "# TYPE " + DIFFERENCES + " gauge\n"
                + DIFFERENCES + " " + differences + "\n"
                + "# HELP " + LAST_RUN + " When the last reconcile compared the ledgers.\n"
                + "# TYPE " + LAST_RUN + " gauge\n"
                + LAST_RUN + " " + String.format(Locale.ROOT, "%.3f", ranAt.toEpochMilli() / 1000.0) + "\n";
    }

    /**
     * Replaces the job's metrics on the Pushgateway at {@code gateway} (e.g. {@code http://pushgateway:9091}).
     *
     * @throws IOException when the gateway does not answer or refuses
     */
    public static void push(URI gateway, int differences, Instant ranAt) throws IOException {
        URI target = URI.create(gateway.toString().replaceAll("/+$", "") + "/metrics/job/" + JOB);
        HttpRequest request = HttpRequest.newBuilder(target).timeout(PUSH_TIMEOUT)
                .header("Content-Type", "text/plain; version=0.0.4")
                .PUT(HttpRequest.BodyPublishers.ofString(text(differences, ranAt))).build();
        HttpResponse<String> response;
        try {
            response = HttpClient.newBuilder().connectTimeout(PUSH_TIMEOUT).build().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while pushing to " + target, e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException("the Pushgateway at " + target + " answered " + response.statusCode() + ": " + response.body());
        }
    }
}
