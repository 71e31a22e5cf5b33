package io.settlement.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies a request's {@code Authorization: Bearer <JWT>} with Nimbus JOSE+JWT: the signature
 * against the configured key source (an algorithm outside the key's family, {@code none}
 * included, is refused), then {@code iss}, {@code aud}, {@code exp} (required) and {@code nbf}
 * with the configured clock skew; then the role from {@code scope} and, for a user token, a
 * {@code sub} that is a user id. Every failure is a 401 {@code UNAUTHENTICATED}.
 */
public final class JwtAuthenticator {
    /** The OAuth 2.0 scope of a service token: submits commands for any user. */
    public static final String SCOPE_SERVICE = "settlement:service";
    /** The scope of an operator token: reads anything, submits nothing. */
    public static final String SCOPE_OPERATOR = "settlement:operator";
    /** A token longer than this is refused before it is parsed. */
    public static final int TOKEN_CHARS_MAX = 8 * 1024;
    private static final String BEARER = "Bearer ";

    private final DefaultJWTProcessor<SecurityContext> processor;

    public JwtAuthenticator(AuthSettings settings) {
        processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms(settings), keySource(settings)));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                new HashSet<>(List.of(settings.audience())), new JWTClaimsSet.Builder().issuer(settings.issuer()).build(),
                new HashSet<>(List.of("sub", "exp")), new HashSet<>());
        claims.setMaxClockSkew((int) settings.clockSkew().toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    /** The caller of a request with this {@code Authorization} header, or a 401 {@link ApiError}. */
    public Caller authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw unauthenticated("a bearer token is required: Authorization: Bearer <JWT> (docs/security.md)");
        }
        if (authorization.length() > TOKEN_CHARS_MAX + BEARER.length()) {
            throw unauthenticated("the Authorization header is longer than " + TOKEN_CHARS_MAX + " characters");
        }
        if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw unauthenticated("the Authorization header must be \"Bearer <JWT>\"");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(authorization.substring(BEARER.length()).trim(), null);
        } catch (ParseException | BadJOSEException | JOSEException | RuntimeException e) {
            throw unauthenticated("the bearer token was refused: " + RequestBody.abbreviate(String.valueOf(e.getMessage())));
        }
        return callerOf(claims);
    }

    private static Caller callerOf(JWTClaimsSet claims) {
        Set<String> scopes;
        try {
            String scope = claims.getStringClaim("scope");
            scopes = scope == null ? Set.of() : new HashSet<>(Arrays.asList(scope.trim().split("\\s+")));
        } catch (ParseException e) {
            throw unauthenticated("the scope claim must be a space-separated string");
        }
        String subject = claims.getSubject();
        if (scopes.contains(SCOPE_SERVICE)) {
            return new Caller(subject, Caller.Role.SERVICE);
        }
        if (scopes.contains(SCOPE_OPERATOR)) {
            return new Caller(subject, Caller.Role.OPERATOR);
        }
        try {
            if (Long.parseLong(subject) > 0) {
                return new Caller(subject, Caller.Role.USER);
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw unauthenticated("a user token's sub must be a user id (an integer > 0), was \"" + RequestBody.abbreviate(subject) + '"');
    }

    private static ApiError unauthenticated(String message) {
        return new ApiError(ErrorCode.UNAUTHENTICATED, message);
    }

    private static Set<JWSAlgorithm> algorithms(AuthSettings settings) {
        if (settings.hmacSecret().isPresent()) {
            return Set.of(JWSAlgorithm.HS256);
        }
        if (settings.publicKey().isPresent()) {
            return settings.publicKey().get() instanceof ECPublicKey ? JWSAlgorithm.Family.EC : JWSAlgorithm.Family.RSA;
        }
        Set<JWSAlgorithm> asymmetric = new HashSet<>(JWSAlgorithm.Family.RSA);
        asymmetric.addAll(JWSAlgorithm.Family.EC);
        return asymmetric;
    }

    private static JWKSource<SecurityContext> keySource(AuthSettings settings) {
        if (settings.hmacSecret().isPresent()) {
            return new ImmutableSecret<>(settings.hmacSecret().get());
        }
        if (settings.publicKey().isPresent()) {
            return new ImmutableJWKSet<>(new JWKSet(List.of(jwkOf(settings.publicKey().get()))));
        }
        return JWKSourceBuilder.<SecurityContext>create(settings.jwksUrl().orElseThrow()).build();
    }

    private static JWK jwkOf(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            return new RSAKey.Builder(rsa).build();
        }
        if (key instanceof ECPublicKey ec) {
            return new ECKey.Builder(com.nimbusds.jose.jwk.Curve.forECParameterSpec(ec.getParams()), ec).build();
        }
        throw new IllegalArgumentException("the token public key must be RSA or EC, was " + key.getAlgorithm());
    }
}
