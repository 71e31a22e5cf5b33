package io.settlement.http;

import java.util.Objects;

/**
 * Who may call the API and how often: the token verifier and the per-principal limit on the
 * POST routes (docs/security.md).
 *
 * @param authenticator verifies every request's bearer token ({@code /health} excepted)
 * @param postsPerSecond the sustained POST rate allowed per principal
 * @param postBurst how many POSTs a principal may send at once
 * @param principalsMax how many principals' buckets are kept (least recently used forgotten first)
 */
public record ApiSecurity(JwtAuthenticator authenticator, int postsPerSecond, int postBurst, int principalsMax) {
    public static final int POSTS_PER_SECOND_DEFAULT = 100;
    public static final int POST_BURST_DEFAULT = 200;
    public static final int PRINCIPALS_MAX_DEFAULT = 100_000;

    public ApiSecurity {
        Objects.requireNonNull(authenticator, "authenticator");
        if (postsPerSecond <= 0 || postBurst <= 0 || principalsMax <= 0) {
            throw new IllegalArgumentException("postsPerSecond, postBurst and principalsMax must be positive");
        }
    }

    /** Tokens verified as {@code settings} say, with the default limits. */
    public static ApiSecurity of(AuthSettings settings) {
        return new ApiSecurity(new JwtAuthenticator(settings), POSTS_PER_SECOND_DEFAULT, POST_BURST_DEFAULT, PRINCIPALS_MAX_DEFAULT);
    }

    public ApiSecurity withPostLimit(int perSecond, int burst) {
        return new ApiSecurity(authenticator, perSecond, burst, principalsMax);
    }
}
