package io.settlement.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.testsupport.FreePorts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.topology.Assets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code openapi.yaml} describes the API the code serves: every route the API registers is in it
 * and every operation in it is registered, it is served at {@value OpenApiDocument#ROUTE}, it names
 * every error code, and it protects every route but health with the bearer scheme. (That the
 * integration tests' answers match its schemas is checked on every answer, in {@link Http}.)
 * The API runs here over a Kafka Streams that is never started: no broker is needed to list routes.
 */
class OpenApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static KafkaStreams streams;
    private static HttpApi api;
    private static CommandPublisher publisher;

    @BeforeAll
    static void startTheApiWithoutABroker() throws Exception {
        Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);
        // The routes do not depend on the topology: the smallest one will do.
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("openapi-test-in").to("openapi-test-out");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "openapi-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "openapi").toString());
        streams = new KafkaStreams(builder.build(), props);
        publisher = new CommandPublisher() {
            @Override
            public void publishTransfer(io.settlement.avro.TransferRequest request) {
                throw new UnsupportedOperationException("no commands in this test");
            }

            @Override
            public void publishBalanceOperation(io.settlement.avro.BalanceOperation operation) {
                throw new UnsupportedOperationException("no commands in this test");
            }

            @Override
            public void close() {
            }
        };
        api = HttpApi.start(HttpApiConfig.of(ApiInstance.HOST, ApiInstance.HOST, FreePorts.freePort()), streams, topics,
                Assets.defaults(), publisher, new HealthChecks(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), TestTokens.SECURITY);
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
        if (streams != null) {
            streams.close();
        }
    }

    @Test
    void everyRegisteredRouteIsDocumentedAndEveryDocumentedOperationIsRegistered() {
        Set<String> registered = new TreeSet<>(api.routes());
        Set<String> documented = new TreeSet<>(OpenApiContract.DOCUMENT.operations());

        assertThat(registered).as("routes the API registers").hasSizeGreaterThanOrEqualTo(14);
        assertThat(documented).as("operations openapi.yaml describes").containsExactlyElementsOf(registered);
    }

    @Test
    void theDocumentIsServedAsItIsInTheRepository() throws Exception {
        Http.Reply reply = new Http().get("http://" + ApiInstance.HOST + ":" + api.port() + OpenApiDocument.ROUTE);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).startsWith("application/yaml");
        assertThat(reply.raw().body()).isEqualTo(Files.readString(Path.of("src/main/resources/openapi.yaml")));
    }

    @Test
    void healthIsAnsweredAsDocumentedWhileStreamsIsNotRunning() {
        // The check in Http fails the request if the 503 does not match the Health schema.
        Http.Reply reply = new Http().get("http://" + ApiInstance.HOST + ":" + api.port() + "/health");

        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.json().get("status").asText()).isEqualTo("DOWN");
    }

    @Test
    void everyErrorCodeIsInTheDocument() {
        List<String> documented = new ArrayList<>();
        OpenApiContract.DOCUMENT.root().at("/components/schemas/ErrorCode/enum").forEach(code -> documented.add(code.asText()));

        assertThat(documented).containsExactlyInAnyOrderElementsOf(Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
    }

    @Test
    void everyRouteButHealthNeedsTheBearerToken() {
        JsonNode root = OpenApiContract.DOCUMENT.root();
        assertThat(root.at("/components/securitySchemes/bearerAuth/scheme").asText()).isEqualTo("bearer");
        assertThat(root.at("/components/securitySchemes/bearerAuth/bearerFormat").asText()).isEqualTo("JWT");
        assertThat(root.at("/security/0").has("bearerAuth")).isTrue();
        root.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(operation -> {
            boolean open = operation.getValue().has("security") && operation.getValue().get("security").isEmpty();
            assertThat(open).as(operation.getKey() + " " + path.getKey() + " is open").isEqualTo(path.getKey().startsWith("/health"));
        }));
    }

    @Test
    void theCheckRejectsAnAnswerThatDoesNotMatch() throws Exception {
        // given answers that break the Error schema and the list of statuses
        JsonNode wrongType = JSON.readTree("{\"code\":\"NOT_FOUND\",\"message\":7}");
        JsonNode unknownCode = JSON.readTree("{\"code\":\"NO_SUCH_CODE\",\"message\":\"x\"}");
        JsonNode missingField = JSON.readTree("{\"user_id\":1}");

        // then each is a problem, and a matching answer is none
        assertThat(OpenApiContract.DOCUMENT.problems("GET", "/api/v1/transfers/r-1", 404, "application/json", wrongType))
                .singleElement().asString().contains("$.message").contains("says string");
        assertThat(OpenApiContract.DOCUMENT.problems("GET", "/api/v1/transfers/r-1", 404, "application/json", unknownCode))
                .singleElement().asString().contains("NO_SUCH_CODE");
        assertThat(OpenApiContract.DOCUMENT.problems("GET", "/api/v1/users/1/balances", 200, "application/json", missingField))
                .singleElement().asString().contains("'balances' is missing");
        assertThat(OpenApiContract.DOCUMENT.problems("GET", "/api/v1/users/1/balances", 418, "application/json", missingField))
                .singleElement().asString().contains("does not list");
        assertThat(OpenApiContract.DOCUMENT.problems("GET", "/api/v1/transfers/r-1", 404, "application/json",
                JSON.readTree("{\"code\":\"NOT_FOUND\",\"message\":\"no result\"}"))).isEmpty();
    }
}
