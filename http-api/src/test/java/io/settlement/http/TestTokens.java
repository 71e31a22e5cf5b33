package io.settlement.http;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The HS256 key the tests' API instances verify with, and tokens minted with it. */
final class TestTokens {
    static final String ISSUER = "settlement-test";
    static final String AUDIENCE = "settlement-api";
    static final byte[] SECRET = "test-secret-of-at-least-thirty-two-bytes!".getBytes(StandardCharsets.UTF_8);
    static final TokenMinter MINTER = new TokenMinter(SECRET, ISSUER, AUDIENCE);
    static final ApiSecurity SECURITY = ApiSecurity.of(AuthSettings.hmac(SECRET, ISSUER, AUDIENCE));
    private static final Duration TTL = Duration.ofHours(1);

    private TestTokens() {}

    static String service() {
        return MINTER.service("wallet-service", TTL);
    }

    static String operator() {
        return MINTER.operator("ops", TTL);
    }

    static String user(long userId) {
        return MINTER.user(userId, TTL);
    }
}
