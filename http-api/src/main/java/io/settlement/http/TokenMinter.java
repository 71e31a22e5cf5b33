package io.settlement.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * Mints tokens: HS256 with a dev secret (for {@code dev}, the {@code token} command and tests), or
 * RS256 with a key pair of one's own, standing in for an identity provider where {@code run} is
 * started by a test or a benchmark ({@link #rsa}, {@link #publicKeyPem}). Production tokens come
 * from the identity provider, never from here.
 */
public final class TokenMinter {
    private final JWSSigner signer;
    private final JWSAlgorithm algorithm;
    private final String issuer;
    private final String audience;

    public TokenMinter(byte[] secret, String issuer, String audience) {
        this(hmacSigner(secret), JWSAlgorithm.HS256, issuer, audience);
    }

    private TokenMinter(JWSSigner signer, JWSAlgorithm algorithm, String issuer, String audience) {
        this.signer = signer;
        this.algorithm = algorithm;
        this.issuer = issuer;
        this.audience = audience;
    }

    /** RS256 tokens signed with {@code privateKey}; {@code run} verifies them with the public half ({@code auth.public.key.file}). */
    public static TokenMinter rsa(PrivateKey privateKey, String issuer, String audience) {
        return new TokenMinter(new RSASSASigner(privateKey), JWSAlgorithm.RS256, issuer, audience);
    }

    /** A fresh 2048-bit RSA key pair. */
    public static KeyPair rsaKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has RSA", e);
        }
    }

    /** {@code key} as the PEM text {@code auth.public.key.file} reads ({@code -----BEGIN PUBLIC KEY-----}). */
    public static String publicKeyPem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    private static MACSigner hmacSigner(byte[] secret) {
        try {
            return new MACSigner(secret);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("the HMAC secret is too short: " + e.getMessage(), e);
        }
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
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).build(), claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
        return jwt.serialize();
    }
}
