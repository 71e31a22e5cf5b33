package io.settlement.serde.confluent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.settlement.testsupport.FreePorts;
import io.settlement.avro.BalanceOperation;
import io.settlement.contract.Topics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The registry client's retries, timeouts and authentication, against a scripted HTTP server
 * (failures a real registry cannot be made to produce on demand), and against no server at all.
 */
class SchemaRegistryClientTest {
    private static final Duration FAST_BACKOFF = Duration.ofMillis(10);

    private final Deque<Answer> script = new ArrayDeque<>();
    private final List<String> authorizations = new ArrayList<>();
    private HttpServer server;

    record Answer(int status, String body) {}

    private String startScriptedRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.getRequestBody().readAllBytes();
            Answer answer = script.isEmpty() ? new Answer(500, "{\"error_code\":50001,\"message\":\"script exhausted\"}") : script.poll();
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.status(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void transientFailuresAreRetriedWithBasicAuthOnEveryAttempt() throws IOException {
        // given: two server errors, then the answer
        String url = startScriptedRegistry();
        script.add(new Answer(503, "unavailable"));
        script.add(new Answer(500, "{\"error_code\":50001,\"message\":\"store error\"}"));
        script.add(new Answer(200, "{\"id\":7}"));
        SchemaRegistryClient client = new SchemaRegistryClient(RegistrySettings.of(url).withBasicAuth("settlement:s3cret")
                .withRetries(4, FAST_BACKOFF, FAST_BACKOFF));

        // when
        int id = client.register("s-value", "\"string\"");

        // then
        assertThat(id).isEqualTo(7);
        assertThat(authorizations).hasSize(3).allMatch(("Basic " + Base64.getEncoder()
                .encodeToString("settlement:s3cret".getBytes(StandardCharsets.UTF_8)))::equals);
        // and the answer is cached: no fourth request
        assertThat(client.register("s-value", "\"string\"")).isEqualTo(7);
        assertThat(authorizations).hasSize(3);
    }

    @Test
    void aRefusalIsNotRetriedAndCarriesTheRegistrysErrorCode() throws IOException {
        String url = startScriptedRegistry();
        script.add(new Answer(401, "{\"error_code\":401,\"message\":\"Unauthorized\"}"));
        SchemaRegistryClient client = new SchemaRegistryClient(RegistrySettings.of(url).withRetries(4, FAST_BACKOFF, FAST_BACKOFF));

        assertThatThrownBy(() -> client.lookup("s-value", "\"string\""))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(401))
                .hasMessageContaining("authentication failed").hasMessageContaining("'s-value'");
        assertThat(authorizations).hasSize(1);
    }

    @Test
    void aRegistryThatKeepsFailingIsUnavailableAfterTheLastAttemptNotABadRecord() throws IOException {
        String url = startScriptedRegistry();
        SchemaRegistryClient client = new SchemaRegistryClient(RegistrySettings.of(url).withRetries(3, FAST_BACKOFF, FAST_BACKOFF));

        assertThatThrownBy(() -> client.schemaById(1))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .isNotInstanceOf(SerializationException.class)
                .hasMessageContaining("after 3 attempts").hasMessageContaining("HTTP 500");
        assertThat(authorizations).hasSize(3);
    }

    @Test
    void aSlowRegistryTimesOutAndIsRetried() throws IOException {
        // given: a registry that never answers within the request timeout
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> authorizations.add("slow request"));   // never responds
        server.start();
        SchemaRegistryClient client = new SchemaRegistryClient(RegistrySettings.of("http://127.0.0.1:" + server.getAddress().getPort())
                .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(200)).withRetries(2, FAST_BACKOFF, FAST_BACKOFF));

        assertThatThrownBy(client::checkReachable)
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("after 2 attempts").hasMessageContaining("HttpTimeoutException");
        assertThat(authorizations).hasSize(2);
    }

    @Test
    void startFailsWithAClearErrorWhenTheRegistryIsDown() {
        // given: nothing listens on the registry's port
        String url = "http://127.0.0.1:" + FreePorts.freePort();
        ConfluentAvroSerdes avro = (ConfluentAvroSerdes) WireFormats.fromConfig(Map.of("serde.format", "confluent",
                "schema.registry.url", url, "schema.registry.attempts.max", "3", "schema.registry.retry.backoff.ms", "10"));

        // when / then
        assertThatThrownBy(() -> WireFormats.prepare(avro, Topics.create(avro)))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining(url + "/subjects/balance.operations-value/versions")
                .hasMessageContaining("after 3 attempts")
                .hasMessageContaining("ConnectException")
                .hasMessageContaining("schema.registry.url");
        // a record needing the registry fails the same way, and is not mistaken for a bad record
        assertThatThrownBy(() -> avro.valueSerde(BalanceOperation.class).deserialize(Topics.BALANCE_OPERATIONS, new byte[] {0, 0, 0, 0, 9, 0}))
                .isInstanceOf(SchemaRegistryUnavailableException.class).isNotInstanceOf(SerializationException.class);
    }
}
