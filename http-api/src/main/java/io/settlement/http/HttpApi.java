package io.settlement.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settlement.contract.Topics;
import io.settlement.sink.Health;
import io.settlement.sink.History;
import io.settlement.sink.LiabilityProofs;
import io.settlement.topology.Assets;
import io.settlement.topology.RecordIds;
import io.settlement.topology.RunningStores;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of one instance (docs/http-api.md): balance and status
 * lookups over the topology's state stores (answered here or forwarded to the instance that owns
 * the key), the commands clients may submit (transfers, deposits; published with the contract's
 * partitioner), the original gateway's routes, {@code GET /health}, {@code GET /metrics} and the
 * API's own description, {@code GET /openapi.yaml} ({@link OpenApiDocument}). Every line logged
 * while a request is served carries the ids in its path ({@link RecordIds}).
 *
 * <p>How the app wires it:
 * <pre>{@code
 * HttpApiConfig settings = HttpApiConfig.of("0.0.0.0", "10.0.0.5", 8080);
 * props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, settings.applicationServerConfig());
 * KafkaStreams streams = new KafkaStreams(topology, props);
 * CommandPublisher publisher = KafkaCommandPublisher.create(Map.of("bootstrap.servers", bootstrap), topics);
 * HealthChecks health = new HealthChecks().register("scylla-sink", scyllaSink::health);
 * ApiSecurity security = ApiSecurity.of(AuthSettings.jwks(jwksUrl, issuer, audience, Duration.ofSeconds(60)));
 * streams.start();
 * Optional<History> history = ...;  // the ScyllaDB sink's history adapted, or Optional.empty() when the sink is off
 * try (HttpApi api = HttpApi.start(settings, streams, topics, assets, publisher, health, registry, security, history)) { ... }
 * }</pre>
 * Without {@code history} (the eight-argument {@code start}) the history routes answer 503; the
 * ten-argument {@code start} adds the {@code liabilities} the proof-of-liabilities routes read.
 * {@code application.server} of the Kafka Streams config must be {@code settings.applicationServerConfig()}:
 * it is how the other instances reach this one. The API binds {@link KafkaStreamsMetrics} for
 * {@code streams} to {@code registry} (do not bind it twice) and reads {@code streams.state()} for
 * {@code /health}, so the app keeps its own state listener. {@link #close()} stops the server and
 * unbinds the metrics; it closes neither the streams, the publisher nor the registry (the app owns them).
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

    /** The request line and headers together; a bearer token may take 8 KB of it. */
    static final int REQUEST_HEADER_BYTES_MAX = 16 * 1024;
    /**
     * The buffer Javalin allocates for every response to copy its body into Jetty's (pooled) output
     * buffer. Javalin's default is Jetty's output buffer size, 32 KiB: a third of all the garbage
     * of a lookup, for answers that are mostly under 1 KiB. A larger body is copied in more chunks.
     */
    static final int RESPONSE_COPY_BYTES = 4 * 1024;

    private final Javalin server;
    private final KafkaStreamsMetrics streamsMetrics;

    private HttpApi(Javalin server, KafkaStreamsMetrics streamsMetrics) {
        this.server = server;
        this.streamsMetrics = streamsMetrics;
    }

    /**
     * Starts the API without a history store: the history routes answer 503 HISTORY_UNAVAILABLE.
     * See {@link #start(HttpApiConfig, KafkaStreams, Topics, Assets, CommandPublisher, HealthChecks, PrometheusMeterRegistry, ApiSecurity, Optional)}.
     */
    public static HttpApi start(HttpApiConfig settings, KafkaStreams streams, Topics topics, Assets assets,
                                CommandPublisher publisher, HealthChecks health, PrometheusMeterRegistry registry,
                                ApiSecurity security) {
        return start(settings, streams, topics, assets, publisher, health, registry, security, Optional.empty());
    }

    /**
     * Starts the API on {@code settings.bindHost():settings.port()}; returns once it accepts requests.
     * {@code history} serves {@code GET /api/v1/users/{id}/ledger}, {@code .../trades}, {@code .../balances?as_of=}
     * and {@code .../balances/history} (empty: 503 HISTORY_UNAVAILABLE).
     */
    public static HttpApi start(HttpApiConfig settings, KafkaStreams streams, Topics topics, Assets assets,
                                CommandPublisher publisher, HealthChecks health, PrometheusMeterRegistry registry,
                                ApiSecurity security, Optional<History> history) {
        return start(settings, streams, topics, assets, publisher, health, registry, security, history, Optional.empty());
    }

    /**
     * As above; {@code liabilities} serves {@code GET /api/v1/liabilities} and
     * {@code GET /api/v1/users/{id}/liabilities/{snapshot}} (empty: 503 HISTORY_UNAVAILABLE).
     */
    public static HttpApi start(HttpApiConfig settings, KafkaStreams streams, Topics topics, Assets assets,
                                CommandPublisher publisher, HealthChecks health, PrometheusMeterRegistry registry,
                                ApiSecurity security, Optional<History> history, Optional<LiabilityProofs> liabilities) {
        return start(settings, streams, topics, assets, publisher, health, registry, security, history, liabilities,
                RunningStores.untracked());
    }

    /**
     * As above; {@code running}, the one the topology of {@code streams} was built with, tells which
     * store partitions have a running task here, so that no lookup reads another as the active
     * replica (untracked: every partition Kafka Streams serves as active).
     */
    public static HttpApi start(HttpApiConfig settings, KafkaStreams streams, Topics topics, Assets assets,
                                CommandPublisher publisher, HealthChecks health, PrometheusMeterRegistry registry,
                                ApiSecurity security, Optional<History> history, Optional<LiabilityProofs> liabilities,
                                RunningStores running) {
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(running, "running");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(liabilities, "liabilities");
        ObjectMapper json = Replies.mapper();
        StoreLookup storeLookup = new StoreLookup(streams, settings, registry, running);
        Lookups lookups = new Lookups(storeLookup, assets);
        CommandIntake intake = new CommandIntake(publisher, new RecentSubmissions(settings.recentSubmissionsMax()));
        HistoryRoutes historyRoutes = new HistoryRoutes(history, assets, json);
        V1Routes v1 = new V1Routes(lookups, intake, historyRoutes, assets, json);
        WalletCompatRoutes walletCompat = new WalletCompatRoutes(intake, assets, json);
        GatewayCompatRoutes gatewayCompat = new GatewayCompatRoutes(lookups, intake, assets, json);
        LiabilitiesRoutes liabilitiesRoutes = new LiabilitiesRoutes(liabilities, assets, json);
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        String retryAfter = Integer.toString(settings.retryAfterSeconds());
        Gatekeeper gatekeeper = new Gatekeeper(security, registry);

        Javalin server = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = settings.bindHost();
            config.jetty.port = settings.port();
            config.http.prefer405over404 = true;
            config.http.maxRequestSize = settings.requestBodyBytesMax();
            config.http.responseBufferSize = RESPONSE_COPY_BYTES;
            config.jetty.modifyHttpConfiguration(http -> http.setRequestHeaderSize(REQUEST_HEADER_BYTES_MAX));
            config.jetty.modifyServer(jetty -> jetty.setErrorHandler(new ContainerErrors()));
            Map<String, Timer> timers = new ConcurrentHashMap<>();
            config.requestLogger.http((ctx, ms) -> recordRequest(registry, timers, ctx, ms));
            // Every line written while serving a request names what it is about (docs/operations.md).
            config.routes.beforeMatched(HttpApi::putRequestIds);
            config.routes.after(ctx -> RecordIds.clear());
            config.routes.exception(ApiError.class, (e, ctx) -> error(ctx, json, retryAfter, e.code(), e.getMessage()));
            config.routes.exception(HttpResponseException.class,
                    (e, ctx) -> error(ctx, json, retryAfter, codeOf(e.getStatus()), messageOf(e, ctx)));
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, json, retryAfter, ErrorCode.INTERNAL_ERROR, e.toString());
            });
            config.routes.before(gatekeeper::check);
            v1.register(config.routes);
            walletCompat.register(config.routes);
            gatewayCompat.register(config.routes);
            historyRoutes.register(config.routes);
            liabilitiesRoutes.register(config.routes);
            config.routes.get("/health", ctx -> health(ctx, json, retryAfter, streams, health));
            config.routes.get("/health/live", ctx -> liveness(ctx, json, streams));
            config.routes.get("/health/ready", ctx -> readiness(ctx, json, retryAfter, streams));
            config.routes.get("/metrics", ctx -> metrics(ctx, registry));
            config.routes.get(OpenApiDocument.ROUTE, ctx -> ctx.contentType(OpenApiDocument.CONTENT_TYPE).result(OpenApiDocument.yaml()));
        });
        try {
            server.start();
        } catch (RuntimeException e) {
            streamsMetrics.close();
            throw e;
        }
        log.info("HTTP API listening on {}:{}, application.server {}", settings.bindHost(), server.port(), settings.applicationServer());
        return new HttpApi(server, streamsMetrics);
    }

    /** Every HTTP route this API registered, as {@code "GET /api/v1/trades/{trade_id}"}, in registration order. */
    public List<String> routes() {
        return server.unsafe.internalRouter.allHttpHandlers().stream()
                .map(parsed -> parsed.endpoint)
                .filter(endpoint -> endpoint.method.isHttpMethod())
                .map(endpoint -> endpoint.method.name() + " " + endpoint.path)
                .toList();
    }

    private static void putRequestIds(Context ctx) {
        RecordIds.clear();
        Map<String, String> path = ctx.pathParamMap();
        RecordIds.put(RecordIds.USER_ID, path.containsKey("id") && ctx.endpoint().path.startsWith("/api/v1/users/")
                ? path.get("id") : ctx.queryParam("user_id"));
        RecordIds.put(RecordIds.COMMAND_ID, path.getOrDefault("request_id", path.get("key")));
        RecordIds.put(RecordIds.TRADE_ID, path.get("trade_id"));
        RecordIds.put(RecordIds.KIND, path.get("kind"));
        if (path.containsKey("id") && path.containsKey("kind")) {
            RecordIds.put(RecordIds.COMMAND_ID, path.get("id"));
        }
    }

    /** The port the API listens on. */
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
        streamsMetrics.close();
    }

    private static void health(Context ctx, ObjectMapper json, String retryAfter, KafkaStreams streams, HealthChecks checks) {
        KafkaStreams.State state = streams.state();
        Map<String, Health> components = checks.snapshot();
        boolean running = state == KafkaStreams.State.RUNNING;
        boolean componentsHealthy = components.values().stream().allMatch(Health::healthy);
        String status = !running ? "DOWN" : componentsHealthy ? "UP" : "DEGRADED";
        if (!running) {
            ctx.header("Retry-After", retryAfter);
        }
        Replies.json(ctx, json, running ? 200 : 503, new Views.Health(status, state.name(), Views.Component.of(components)));
    }

    /**
     * Liveness for an orchestrator: 200 while this process still works (Kafka Streams created,
     * starting, running or rebalancing), 503 once the client has failed or stopped for good, when
     * only a restart helps. A rebalance is not a liveness failure.
     */
    private static void liveness(Context ctx, ObjectMapper json, KafkaStreams streams) {
        KafkaStreams.State state = streams.state();
        boolean alive = state != KafkaStreams.State.ERROR && state != KafkaStreams.State.PENDING_ERROR
                && state != KafkaStreams.State.NOT_RUNNING && state != KafkaStreams.State.PENDING_SHUTDOWN;
        Replies.json(ctx, json, alive ? 200 : 503, new Views.Health(alive ? "UP" : "DOWN", state.name(), Map.of()));
    }

    /**
     * Readiness for an orchestrator: 200 when this instance can answer lookups now (Kafka Streams
     * RUNNING: its tasks are assigned and restored), 503 with Retry-After while it starts,
     * rebalances or restores, so a load balancer sends lookups elsewhere meanwhile.
     */
    private static void readiness(Context ctx, ObjectMapper json, String retryAfter, KafkaStreams streams) {
        KafkaStreams.State state = streams.state();
        boolean ready = state == KafkaStreams.State.RUNNING;
        if (!ready) {
            ctx.header("Retry-After", retryAfter);
        }
        Replies.json(ctx, json, ready ? 200 : 503, new Views.Health(ready ? "UP" : "DOWN", state.name(), Map.of()));
    }

    private static void metrics(Context ctx, PrometheusMeterRegistry registry) {
        Gatekeeper.caller(ctx).checkServiceOrOperator("/metrics");
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape());
    }

    private static void error(Context ctx, ObjectMapper json, String retryAfter, ErrorCode code, String message) {
        if (code.retryable() && ctx.res().getHeader("Retry-After") == null) {
            ctx.header("Retry-After", retryAfter);
        }
        if (code == ErrorCode.UNAUTHENTICATED) {
            ctx.header("WWW-Authenticate", "Bearer");
        }
        Object body = GatewayCompatRoutes.isGatewayPath(ctx.path())
                ? GatewayCompatRoutes.ErrorEnvelope.of(code, message)
                : new Views.Error(code.name(), message);
        Replies.json(ctx, json, code.httpStatus(), body);
    }

    private static ErrorCode codeOf(int status) {
        switch (status) {
            case 404:
                return ErrorCode.NOT_FOUND;
            case 405:
                return ErrorCode.METHOD_NOT_ALLOWED;
            case 413:
                return ErrorCode.PAYLOAD_TOO_LARGE;
            case 401:
                return ErrorCode.UNAUTHENTICATED;
            default:
                return status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.INVALID_JSON;
        }
    }

    private static String messageOf(HttpResponseException e, Context ctx) {
        switch (e.getStatus()) {
            case 404:
                return "no route " + ctx.method() + " " + ctx.path();
            case 405:
                return ctx.method() + " is not allowed on " + ctx.path();
            default:
                return e.getMessage();
        }
    }

    /**
     * Records a request's time on its timer in {@code timers} (by method, route template and
     * status: a bounded set, as routes are templates and statuses HTTP codes), made on first use:
     * one map lookup per request instead of a builder and a registry search.
     */
    private static void recordRequest(PrometheusMeterRegistry registry, Map<String, Timer> timers, Context ctx, Float ms) {
        String route;
        try {
            route = ctx.endpoint() == null ? "unmatched" : ctx.endpoint().path;
        } catch (RuntimeException e) {
            route = "unmatched";
        }
        String method = ctx.method().name();
        String status = Integer.toString(ctx.statusCode());
        String routeTemplate = route;
        Timer timer = timers.computeIfAbsent(method + " " + route + " " + status,
                key -> Timer.builder("settlement.http.requests")
                        .description("HTTP requests by route template, method and status")
                        .tag("method", method)
                        .tag("route", routeTemplate)
                        .tag("status", status)
                        // Buckets, so latency percentiles can be computed over instances and time (histogram_quantile).
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1))
                        .maximumExpectedValue(Duration.ofSeconds(10))
                        .register(registry));
        timer.record(Duration.ofNanos((long) (ms * 1_000_000)));
    }
}
