package io.settlement.http;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Runs before every route: {@code /health} is open; every other request (an unknown route
 * included, so nothing is learned without a token) needs a valid bearer token, whose
 * {@link Caller} the routes then check for role and ownership. A POST also takes one request
 * from its principal's {@link PostRateLimit} bucket: none left is 429 {@code RATE_LIMITED} with
 * {@code Retry-After}. A forwarded lookup carries the caller's own token, so the owning instance
 * authenticates and checks it again.
 */
final class Gatekeeper {
    static final String HEALTH_PATH = "/health";
    private static final String CALLER_ATTRIBUTE = "settlement.caller";

    private final JwtAuthenticator authenticator;
    private final PostRateLimit rateLimit;
    private final MeterRegistry registry;

    Gatekeeper(ApiSecurity security, MeterRegistry registry) {
        this.authenticator = security.authenticator();
        this.rateLimit = new PostRateLimit(security.postsPerSecond(), security.postBurst(), security.principalsMax());
        this.registry = registry;
        for (Caller.Role role : Caller.Role.values()) {
            registry.counter("settlement.http.rate.limited", "role", role.name());
        }
        registry.counter("settlement.http.auth.refused");
        registry.gauge("settlement.http.rate.limit.principals", rateLimit, PostRateLimit::principals);
    }

    /** {@code /health} and the orchestrator's probes under it ({@code /health/live}, {@code /health/ready}) take no token. */
    static boolean isProbe(String path) {
        return path.equals(HEALTH_PATH) || path.startsWith(HEALTH_PATH + "/");
    }

    void check(Context ctx) {
        if (isProbe(ctx.path())) {
            return;
        }
        Caller caller;
        try {
            caller = authenticator.authenticate(ctx.header("Authorization"));
        } catch (ApiError e) {
            registry.counter("settlement.http.auth.refused").increment();
            throw e;
        }
        ctx.attribute(CALLER_ATTRIBUTE, caller);
        if (ctx.method() == HandlerType.POST) {
            long retryAfterSeconds = rateLimit.acquire(caller.principal(), System.nanoTime());
            if (retryAfterSeconds > 0) {
                registry.counter("settlement.http.rate.limited", "role", caller.role().name()).increment();
                ctx.header("Retry-After", Long.toString(retryAfterSeconds));
                throw new ApiError(ErrorCode.RATE_LIMITED, caller.principal() + " sent more than its POST rate limit");
            }
        }
    }

    /** The authenticated caller of a request that passed {@link #check}. */
    static Caller caller(Context ctx) {
        Caller caller = ctx.attribute(CALLER_ATTRIBUTE);
        if (caller == null) {
            throw new IllegalStateException("no caller on " + ctx.path() + ": the gatekeeper did not run");
        }
        return caller;
    }
}
