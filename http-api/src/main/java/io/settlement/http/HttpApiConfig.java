package io.settlement.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The HTTP API's configuration: every {@code http.*} and {@code auth.*} setting, declared once in
 * {@link #CONFIG_DEF} (docs/configuration.md is generated from it), and where the API listens and
 * how it talks to the other instances ({@link #from}). How bearer tokens are verified is read from
 * the same keys ({@link #authSettings}, {@link #apiSecurity}) into an {@link AuthSettings}: the
 * verifier's key material, a value of its own that tests build from keys directly.
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
public record HttpApiConfig(
        String bindHost,
        int port,
        HostInfo applicationServer,
        Duration forwardConnectTimeout,
        Duration forwardRequestTimeout,
        int retryAfterSeconds,
        int recentSubmissionsMax,
        long requestBodyBytesMax) {

    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_ADVERTISED_HOST = "http.advertised.host";
    /** The identity provider's JWKS document; verifies RS/PS/ES-signed bearer tokens (docs/security.md). */
    public static final String AUTH_JWKS_URL = "auth.jwks.url";
    /** A PEM file with the RSA or EC public key that verifies bearer tokens (instead of a JWKS URL). */
    public static final String AUTH_PUBLIC_KEY_FILE = "auth.public.key.file";
    /** A file with the HS256 secret (base64): {@code dev} only ({@code run} refuses it). */
    public static final String AUTH_HMAC_SECRET_FILE = "auth.hmac.secret.file";
    public static final String AUTH_ISSUER = "auth.issuer";
    public static final String AUTH_AUDIENCE = "auth.audience";
    public static final String AUTH_CLOCK_SKEW_SECONDS = "auth.clock.skew.seconds";
    public static final String HTTP_POSTS_PER_SECOND = "http.rate.limit.posts.per.second";
    public static final String HTTP_POST_BURST = "http.rate.limit.post.burst";

    /** The HTTP API's settings: what they are, their defaults and what is valid. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(HTTP_HOST, Type.STRING, "0.0.0.0", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "The interface the HTTP API listens on.")
            .define(HTTP_PORT, Type.INT, 8080, Range.between(0, 65_535), Importance.HIGH, "The HTTP API's port.")
            .define(HTTP_ADVERTISED_HOST, Type.STRING, "", Importance.MEDIUM,
                    "The host other instances and clients reach this one on (half of application.server). "
                            + "Empty: http.host, or this machine's name when bound to all interfaces.")
            .define(AUTH_JWKS_URL, Type.STRING, "", Importance.HIGH,
                    "The identity provider's JWKS URL; verifies RS/PS/ES-signed bearer tokens. "
                            + "Set exactly one of this and auth.public.key.file.")
            .define(AUTH_PUBLIC_KEY_FILE, Type.STRING, "", Importance.HIGH,
                    "A PEM file with the RSA or EC public key that verifies bearer tokens (instead of a JWKS URL).")
            .define(AUTH_HMAC_SECRET_FILE, Type.STRING, "", Importance.LOW,
                    "A file with a base64 HS256 secret: dev only (run refuses it); dev generates it under its data dir.")
            .define(AUTH_ISSUER, Type.STRING, "", Importance.HIGH, "The iss every bearer token must carry.")
            .define(AUTH_AUDIENCE, Type.STRING, "settlement-api", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "The aud every bearer token must carry.")
            .define(AUTH_CLOCK_SKEW_SECONDS, Type.INT, (int) AuthSettings.CLOCK_SKEW_SECONDS_DEFAULT, Range.between(0, 600),
                    Importance.LOW, "Clock skew allowed on exp and nbf.")
            .define(HTTP_POSTS_PER_SECOND, Type.INT, ApiSecurity.POSTS_PER_SECOND_DEFAULT, Range.between(1, 1_000_000),
                    Importance.MEDIUM, "POSTs per second per principal (token subject), refilled continuously; more answer 429.")
            .define(HTTP_POST_BURST, Type.INT, ApiSecurity.POST_BURST_DEFAULT, Range.between(1, 1_000_000), Importance.LOW,
                    "POSTs a principal may send at once before the per-second limit applies.");

    public static final long FORWARD_CONNECT_TIMEOUT_MS = 1_000;
    public static final long FORWARD_REQUEST_TIMEOUT_MS = 3_000;
    public static final int RETRY_AFTER_SECONDS = 1;
    public static final int RECENT_SUBMISSIONS_MAX = 100_000;
    public static final long REQUEST_BODY_BYTES_MAX = 16 * 1024;

    public HttpApiConfig {
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
    public static HttpApiConfig of(String bindHost, String advertisedHost, int port) {
        return new HttpApiConfig(bindHost, port, new HostInfo(advertisedHost, port),
                Duration.ofMillis(FORWARD_CONNECT_TIMEOUT_MS), Duration.ofMillis(FORWARD_REQUEST_TIMEOUT_MS),
                RETRY_AFTER_SECONDS, RECENT_SUBMISSIONS_MAX, REQUEST_BODY_BYTES_MAX);
    }

    /**
     * Where the API listens ({@value #HTTP_HOST}, {@value #HTTP_PORT}) and what it advertises
     * ({@link #advertisedHost(Map)}), with the default limits. An {@value #HTTP_PORT} of 0 (any
     * free port) must be chosen by the caller first: application.server names the real port.
     *
     * @throws ConfigException for a value that is not valid
     * @throws IllegalArgumentException for port 0
     */
    public static HttpApiConfig from(Map<String, ?> values) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, values, false);
        return of(config.getString(HTTP_HOST), advertisedHost(values), config.getInt(HTTP_PORT));
    }

    /**
     * The host other instances and clients reach this one on (half of {@code application.server}):
     * {@value #HTTP_ADVERTISED_HOST}, else {@value #HTTP_HOST}, else this machine's name when bound to all interfaces.
     *
     * @throws ConfigException when bound to all interfaces and this machine's name cannot be resolved
     */
    public static String advertisedHost(Map<String, ?> values) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, values, false);
        String configured = config.getString(HTTP_ADVERTISED_HOST).trim();
        if (!configured.isEmpty()) {
            return configured;
        }
        String bind = config.getString(HTTP_HOST);
        if (!bind.equals("0.0.0.0") && !bind.equals("::")) {
            return bind;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            throw new ConfigException("http.host is " + bind + " and this machine's name cannot be resolved: set " + HTTP_ADVERTISED_HOST);
        }
    }

    /** The {@code application.server} value to put in the Kafka Streams config. */
    public String applicationServerConfig() {
        return applicationServer.host() + ':' + applicationServer.port();
    }

    /**
     * How bearer tokens are verified: exactly one of {@value #AUTH_JWKS_URL},
     * {@value #AUTH_PUBLIC_KEY_FILE} and {@value #AUTH_HMAC_SECRET_FILE}, with the issuer, the
     * audience and the clock skew.
     *
     * @throws ConfigException when none or several are set, the issuer is missing, or a key cannot be read
     */
    public static AuthSettings authSettings(Map<String, ?> values) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, values, false);
        String jwks = config.getString(AUTH_JWKS_URL).trim();
        String publicKey = config.getString(AUTH_PUBLIC_KEY_FILE).trim();
        String hmac = config.getString(AUTH_HMAC_SECRET_FILE).trim();
        int sources = (jwks.isEmpty() ? 0 : 1) + (publicKey.isEmpty() ? 0 : 1) + (hmac.isEmpty() ? 0 : 1);
        if (sources != 1) {
            throw new ConfigException("set exactly one of '" + AUTH_JWKS_URL + "' and '" + AUTH_PUBLIC_KEY_FILE
                    + "' (the HTTP API verifies bearer tokens with it; docs/security.md), " + sources + " set");
        }
        String issuer = config.getString(AUTH_ISSUER).trim();
        if (issuer.isEmpty()) {
            throw new ConfigException("config key '" + AUTH_ISSUER + "' is not set: the iss every bearer token must carry");
        }
        String audience = config.getString(AUTH_AUDIENCE).trim();
        Duration skew = Duration.ofSeconds(config.getInt(AUTH_CLOCK_SKEW_SECONDS));
        try {
            if (!jwks.isEmpty()) {
                return AuthSettings.jwks(URI.create(jwks).toURL(), issuer, audience, skew);
            }
            if (!publicKey.isEmpty()) {
                return AuthSettings.publicKey(AuthSettings.parsePem(Files.readString(Path.of(publicKey))), issuer, audience, skew);
            }
            return AuthSettings.hmac(hmacSecret(Path.of(hmac)), issuer, audience);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("the token verification key cannot be read: " + e.getMessage());
        }
    }

    /** The API's security: the token verifier and the per-principal POST limit. */
    public static ApiSecurity apiSecurity(Map<String, ?> values) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, values, false);
        return ApiSecurity.of(authSettings(values)).withPostLimit(config.getInt(HTTP_POSTS_PER_SECOND), config.getInt(HTTP_POST_BURST));
    }

    /** Whether bearer tokens are verified with an HMAC secret (dev only). */
    public static boolean usesHmac(Map<String, ?> values) {
        return !new AbstractConfig(CONFIG_DEF, values, false).getString(AUTH_HMAC_SECRET_FILE).isBlank();
    }

    /** The HS256 secret in {@code file}: base64 text. */
    public static byte[] hmacSecret(Path file) throws IOException {
        try {
            return Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is not a base64 secret", e);
        }
    }
}
