package io.settlement.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code reconcile --pushgateway}: the outcome reaches a Pushgateway as Prometheus text, replacing the last run's. */
class ReconcileMetricsTest {
    private HttpServer gateway;
    private final List<String> received = new ArrayList<>();
    private volatile int answer = 200;

    @BeforeEach
    void startAGatewayThatRecordsPushes() throws IOException {
        gateway = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        gateway.createContext("/", exchange -> {
            received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + "\n"
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(answer, -1);
            exchange.close();
        });
        gateway.start();
    }

    @AfterEach
    void stop() {
        gateway.stop(0);
    }

    @Test
    void pushReplacesTheJobsMetricsWithTheDifferencesAndTheTimeOfTheRun() throws Exception {
        ReconcileMetrics.push(url(), 3, Instant.parse("2026-11-28T09:00:00Z"));

        assertThat(received).singleElement().asString()
                .startsWith("PUT /metrics/job/settlement_reconcile\n")
                .contains("\nsettlement_reconcile_differences 3\n")
                .contains("\nsettlement_reconcile_last_run_timestamp_seconds 1795856400.000\n");
    }

    @Test
    void aGatewayThatRefusesIsAnError() {
        answer = 400;

        assertThatThrownBy(() -> ReconcileMetrics.push(url(), 0, Instant.now())).isInstanceOf(IOException.class).hasMessageContaining("400");
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + gateway.getAddress().getPort() + "/");
    }
}
