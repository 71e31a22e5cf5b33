package io.settlement.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * Mints HS256 tokens with a dev secret, for {@code dev}, the {@code token} command and tests.
 * Production tokens come from the identity provider, never from here.
 */
public final class TokenMinter {
    private final MACSigner signer;
    private final String issuer;
    private final String audience;

    public TokenMinter(byte[] secret, String issuer, String audience) {
        try {
            this.signer = new MACSigner(secret);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("the HMAC secret is too short: " + e.getMessage(), e);
        }
        this.issuer = issuer;
        this.audience = audience;
    }

    /** A user token: {@code sub} is the user id, no scope. */
    public String user(long userId, Duration ttl) {
        return mint(Long.toString(userId), null, Instant.now(), ttl);
    }

    /** A service token ({@code scope settlement:service}) named {@code name}. */
    public String service(String name, Duration ttl) {
        return mint(name, JwtAuthenticator.SCOPE_SERVICE, Instant.now(), ttl);
    }

    /** An operator token ({@code scope settlement:operator}) named {@code name}. */
    public String operator(String name, Duration ttl) {
        return mint(name, JwtAuthenticator.SCOPE_OPERATOR, Instant.now(), ttl);
    }

    /** Any token: {@code scope} may be null; issued at {@code issuedAt}, expiring {@code ttl} later. */
    public String mint(String subject, String scope, Instant issuedAt, Duration ttl) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(audience)
                .subject(subject)
                .issueTime(Date.from(issuedAt))
                .expirationTime(Date.from(issuedAt.plus(ttl)));
        if (scope != null) {
            claims.claim("scope", scope);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
        return jwt.serialize();
    }
}
