package io.settlement.http;

import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Where the HTTP API listens and how it talks to the other instances.
 *
 * @param bindHost the interface to listen on ({@code 127.0.0.1} in dev and tests)
 * @param port the port to listen on; must be the port of {@code applicationServer}
 * @param applicationServer this instance's {@code application.server} (host:port other instances forward to);
 *     a key whose active host equals it is answered locally
 * @param forwardConnectTimeout how long to wait for a TCP connection to the owning instance
 * @param forwardRequestTimeout how long to wait for the owning instance's whole answer
 * @param retryAfterSeconds the {@code Retry-After} of every 503 (rebalancing, restoring, owner unreachable)
 * @param recentSubmissionsMax how many submitted command ids this instance remembers to answer retries without publishing again
 * @param requestBodyBytesMax the largest request body accepted (larger is 413)
 */
public record HttpApiSettings(
        String bindHost,
        int port,
        HostInfo applicationServer,
        Duration forwardConnectTimeout,
        Duration forwardRequestTimeout,
        int retryAfterSeconds,
        int recentSubmissionsMax,
        long requestBodyBytesMax) {

    public static final long FORWARD_CONNECT_TIMEOUT_MS = 1_000;
    public static final long FORWARD_REQUEST_TIMEOUT_MS = 3_000;
    public static final int RETRY_AFTER_SECONDS = 1;
    public static final int RECENT_SUBMISSIONS_MAX = 100_000;
    public static final long REQUEST_BODY_BYTES_MAX = 16 * 1024;

    public HttpApiSettings {
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(applicationServer, "applicationServer");
        if (port <= 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 1..65535 (the port of application.server), was " + port);
        }
        if (applicationServer.port() != port) {
            throw new IllegalArgumentException("application.server " + applicationServer
                    + " must name the HTTP API's port " + port + ": other instances forward lookups there");
        }
        if (forwardConnectTimeout.isNegative() || forwardConnectTimeout.isZero()
                || forwardRequestTimeout.isNegative() || forwardRequestTimeout.isZero()) {
            throw new IllegalArgumentException("forward timeouts must be positive");
        }
        if (retryAfterSeconds <= 0 || recentSubmissionsMax <= 0 || requestBodyBytesMax <= 0) {
            throw new IllegalArgumentException("retryAfterSeconds, recentSubmissionsMax and requestBodyBytesMax must be positive");
        }
    }

    /** Listens on {@code bindHost:port} and advertises {@code advertisedHost:port}, with the default limits. */
    public static HttpApiSettings of(String bindHost, String advertisedHost, int port) {
        return new HttpApiSettings(bindHost, port, new HostInfo(advertisedHost, port),
                Duration.ofMillis(FORWARD_CONNECT_TIMEOUT_MS), Duration.ofMillis(FORWARD_REQUEST_TIMEOUT_MS),
                RETRY_AFTER_SECONDS, RECENT_SUBMISSIONS_MAX, REQUEST_BODY_BYTES_MAX);
    }

    /** The {@code application.server} value to put in the Kafka Streams config. */
    public String applicationServerConfig() {
        return applicationServer.host() + ':' + applicationServer.port();
    }
}
