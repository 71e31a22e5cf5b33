package io.settlement.serde.confluent;

import io.settlement.retry.RetryPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach the schema registry: its base URLs (tried in turn on transient failures), the
 * optional basic-auth {@code user:password}, and the limits on every call.
 *
 * @param urls            Confluent-API base URLs, e.g. {@code http://registry:8081} or
 *                        {@code http://apicurio:8080/apis/ccompat/v7}
 * @param basicAuthUserInfo {@code user:password}, or empty for no authentication
 * @param connectTimeout  how long a TCP connect may take
 * @param requestTimeout  how long one request may take, answer included
 * @param attemptsMax     attempts per call (the first one plus retries) before giving up
 * @param backoffInitial  the pause after the first transient failure; it doubles per retry
 * @param backoffMax      the longest pause between two attempts
 */
public record RegistrySettings(List<URI> urls, Optional<String> basicAuthUserInfo, Duration connectTimeout,
                               Duration requestTimeout, int attemptsMax, Duration backoffInitial, Duration backoffMax) {
    public static final long CONNECT_TIMEOUT_MS_DEFAULT = 5_000;
    public static final long REQUEST_TIMEOUT_MS_DEFAULT = 10_000;
    /** One attempt and three retries: with the backoff below, about 0.7 s of waiting before giving up. */
    public static final int ATTEMPTS_MAX_DEFAULT = 4;
    public static final long BACKOFF_INITIAL_MS_DEFAULT = 100;
    public static final long BACKOFF_MAX_MS_DEFAULT = 2_000;

    public RegistrySettings {
        urls = List.copyOf(urls);
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("at least one schema registry URL is needed");
        }
        Objects.requireNonNull(basicAuthUserInfo, "basicAuthUserInfo");
        if (basicAuthUserInfo.isPresent() && basicAuthUserInfo.get().indexOf(':') < 0) {
            throw new IllegalArgumentException("basic auth user info must be user:password");
        }
        if (attemptsMax < 1) {
            throw new IllegalArgumentException("attemptsMax must be >= 1: " + attemptsMax);
        }
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(backoffInitial, "backoffInitial");
        Objects.requireNonNull(backoffMax, "backoffMax");
    }

    /** The defaults for one registry URL without authentication. */
    public static RegistrySettings of(String url) {
        return new RegistrySettings(List.of(URI.create(url)), Optional.empty(),
                Duration.ofMillis(CONNECT_TIMEOUT_MS_DEFAULT), Duration.ofMillis(REQUEST_TIMEOUT_MS_DEFAULT),
                ATTEMPTS_MAX_DEFAULT, Duration.ofMillis(BACKOFF_INITIAL_MS_DEFAULT), Duration.ofMillis(BACKOFF_MAX_MS_DEFAULT));
    }

    public RegistrySettings withBasicAuth(String userInfo) {
        return new RegistrySettings(urls, Optional.of(userInfo), connectTimeout, requestTimeout, attemptsMax, backoffInitial, backoffMax);
    }

    public RegistrySettings withRetries(int attemptsMax, Duration backoffInitial, Duration backoffMax) {
        return new RegistrySettings(urls, basicAuthUserInfo, connectTimeout, requestTimeout, attemptsMax, backoffInitial, backoffMax);
    }

    public RegistrySettings withTimeouts(Duration connectTimeout, Duration requestTimeout) {
        return new RegistrySettings(urls, basicAuthUserInfo, connectTimeout, requestTimeout, attemptsMax, backoffInitial, backoffMax);
    }

    /** How a call is retried: {@code attemptsMax} attempts, the pause doubling from {@code backoffInitial} up to {@code backoffMax}. */
    RetryPolicy retries() {
        // A maximum below the first pause caps every pause, that one too.
        long maxMs = backoffMax.toMillis();
        return new RetryPolicy(attemptsMax, Math.min(backoffInitial.toMillis(), maxMs), maxMs);
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "RegistrySettings[urls=" + urls + ", basicAuth=" + basicAuthUserInfo.map(u -> u.substring(0, u.indexOf(':')) + ":***").orElse("none")
                + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout + ", attemptsMax=" + attemptsMax
                + ", backoffInitial=" + backoffInitial + ", backoffMax=" + backoffMax + "]";
    }
}
