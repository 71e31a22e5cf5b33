package io.settlement.http;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Every {@code http.*} and {@code auth.*} setting of the HTTP API, declared once, and how they
 * become its security ({@link #apiSecurity}). docs/configuration.md is generated from
 * {@link #CONFIG_DEF}.
 */
public final class ApiConfig {
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

    private ApiConfig() {}

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
