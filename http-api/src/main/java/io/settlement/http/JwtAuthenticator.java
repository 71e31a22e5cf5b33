package io.settlement.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies a request's {@code Authorization: Bearer <JWT>} with Nimbus JOSE+JWT: the signature
 * against the configured key source (an algorithm outside the key's family, {@code none}
 * included, is refused), then {@code iss}, {@code aud}, {@code exp} (required) and {@code nbf}
 * with the configured clock skew; then the role from {@code scope} and, for a user token, a
 * {@code sub} that is a user id. Every failure is a 401 {@code UNAUTHENTICATED} whose message
 * says why (signature invalid, expired at a time, another issuer), never how this process failed.
 *
 * <p>A token that verified is remembered for at most {@link #REMEMBERED_FOR} (and never past its
 * {@code exp} plus the clock skew): the same characters verify the same way against the same
 * keys, so within that time a repeat of it is answered with the same caller, its {@code exp}
 * checked again, without parsing and verifying it again (a fifth of a lookup's CPU on the
 * benchmark). A key withdrawn from the JWKS stops being accepted within that minute, as it does
 * within the JWKS cache's own lifetime. Only tokens that verified are remembered, at most
 * {@link #REMEMBERED_MAX} of them, so callers sending forged or random tokens cannot grow it.
 */
public final class JwtAuthenticator {
    /** The OAuth 2.0 scope of a service token: submits commands for any user. */
    public static final String SCOPE_SERVICE = "settlement:service";
    /** The scope of an operator token: reads anything, submits nothing. */
    public static final String SCOPE_OPERATOR = "settlement:operator";
    /** A token longer than this is refused before it is parsed. */
    public static final int TOKEN_CHARS_MAX = 8 * 1024;
    private static final String BEARER = "Bearer ";
    /** The longest reason a 401 gives, from a verifier's message that may quote the token's own claims. */
    static final int REASON_CHARS_MAX = 200;
    private static final Logger log = LoggerFactory.getLogger(JwtAuthenticator.class);

    /** How long a verified token is answered from memory at most. */
    static final Duration REMEMBERED_FOR = Duration.ofSeconds(60);
    /** How many verified tokens are remembered at most. */
    static final int REMEMBERED_MAX = 10_000;

    /** A token that verified: its caller, until when it may be answered from memory. */
    private record Verified(Caller caller, long untilMs) {}

    private final DefaultJWTProcessor<SecurityContext> processor;
    private final LongSupplier clockMs;
    private final long skewMs;
    private final ConcurrentHashMap<String, Verified> remembered = new ConcurrentHashMap<>();

    public JwtAuthenticator(AuthSettings settings) {
        this(settings, System::currentTimeMillis);
    }

    /** With {@code clockMs} as the time every claim is checked against (tests move it). */
    JwtAuthenticator(AuthSettings settings, LongSupplier clockMs) {
        this.clockMs = clockMs;
        this.skewMs = settings.clockSkew().toMillis();
        processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(keySelector(settings));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                new HashSet<>(List.of(settings.audience())), new JWTClaimsSet.Builder().issuer(settings.issuer()).build(),
                new HashSet<>(List.of("sub", "exp")), new HashSet<>()) {
            @Override
            protected Date currentTime() {
                return new Date(clockMs.getAsLong());
            }
        };
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
        String token = authorization.substring(BEARER.length()).trim();
        long now = clockMs.getAsLong();
        Verified known = remembered.get(token);
        if (known != null && now < known.untilMs()) {
            return known.caller();
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException | BadJOSEException | JOSEException | RuntimeException e) {
            remembered.remove(token);
            throw unauthenticated("the bearer token was refused: " + reasonOf(e, token));
        }
        Caller caller = callerOf(claims);
        remember(token, caller, Math.min(now + REMEMBERED_FOR.toMillis(), claims.getExpirationTime().getTime() + skewMs), now);
        return caller;
    }

    /** Remembers a verified token until {@code untilMs}, if there is room once the stale ones are gone. */
    private void remember(String token, Caller caller, long untilMs, long now) {
        if (remembered.size() >= REMEMBERED_MAX) {
            remembered.values().removeIf(verified -> verified.untilMs() <= now);
            if (remembered.size() >= REMEMBERED_MAX) {
                return; // full of live tokens: this one is verified again next time
            }
        }
        remembered.put(token, new Verified(caller, untilMs));
    }

    /** How many verified tokens are remembered now. */
    int rememberedTokens() {
        return remembered.size();
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

    /**
     * Why a token was refused, in words a client can act on: the verifier's own message where it
     * is about the token (an issuer, an audience, a missing claim), the time for an expired or
     * not-yet-valid one, and nothing of this process's internals (a {@link JOSEException} or an
     * unexpected exception is only logged, at debug, as callers can send anything).
     */
    private String reasonOf(Exception e, String token) {
        if (e instanceof ParseException) {
            return "not a JWT (" + bounded(e.getMessage()) + ")";
        }
        if (e instanceof BadJWSException) {
            return "signature invalid";
        }
        if (e instanceof BadJWTException) {
            // Claims are checked only once the signature verified, so the token's own times are trustworthy here.
            String message = String.valueOf(e.getMessage());
            if (message.startsWith("Expired JWT")) {
                return "expired at " + claimTime(token, JWTClaimsSet::getExpirationTime) + " (clock skew " + skewMs / 1000 + " s)";
            }
            if (message.startsWith("JWT before use time")) {
                return "not valid before " + claimTime(token, JWTClaimsSet::getNotBeforeTime) + " (clock skew " + skewMs / 1000 + " s)";
            }
            return bounded(message);
        }
        if (e instanceof BadJOSEException) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("no matching key")) {
                return "signed with an algorithm (" + algorithmOf(token) + ") or a key this API does not accept";
            }
            return bounded(message);
        }
        log.debug("a bearer token could not be verified", e);
        return "the token could not be verified";
    }

    /** A verifier's message, cut only where it would be unreasonably long for an answer. */
    private static String bounded(String message) {
        String text = String.valueOf(message);
        return text.length() <= REASON_CHARS_MAX ? text : text.substring(0, REASON_CHARS_MAX) + "...";
    }

    private static String claimTime(String token, java.util.function.Function<JWTClaimsSet, Date> claim) {
        try {
            Date time = claim.apply(JWTParser.parse(token).getJWTClaimsSet());
            return time == null ? "(no time)" : time.toInstant().toString();
        } catch (ParseException e) {
            return "(unreadable time)";
        }
    }

    private static String algorithmOf(String token) {
        try {
            return String.valueOf(JWTParser.parse(token).getHeader().getAlgorithm());
        } catch (ParseException e) {
            return "unreadable";
        }
    }

    private static ApiError unauthenticated(String message) {
        return new ApiError(ErrorCode.UNAUTHENTICATED, message);
    }

    private static Set<JWSAlgorithm> algorithms(AuthSettings settings) {
        if (settings.hmacSecret().isPresent()) {
            return Set.of(JWSAlgorithm.HS256);
        }
        Set<JWSAlgorithm> asymmetric = new HashSet<>(JWSAlgorithm.Family.RSA);
        asymmetric.addAll(JWSAlgorithm.Family.EC);
        return asymmetric;
    }

    /**
     * A JWKS is searched by the token's {@code kid} (and algorithm), as its keys are told apart by
     * it. A single configured public key has no kid of its own, while identity providers put one in
     * every token's header; matching the two would refuse every such token, so that key is offered
     * for every token of an algorithm it can verify, whatever its kid, and its signature decides.
     */
    private static JWSKeySelector<SecurityContext> keySelector(AuthSettings settings) {
        if (settings.publicKey().isPresent()) {
            PublicKey key = settings.publicKey().get();
            Set<JWSAlgorithm> accepted = algorithmsOf(key);
            return (header, context) -> accepted.contains(header.getAlgorithm()) ? List.of(key) : List.of();
        }
        return new JWSVerificationKeySelector<>(algorithms(settings), keySource(settings));
    }

    /** The RSA family for an RSA key; for an EC key, the one ES algorithm of its curve (ES256 for P-256). */
    private static Set<JWSAlgorithm> algorithmsOf(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            Curve curve = Curve.forECParameterSpec(ec.getParams());
            Set<JWSAlgorithm> accepted = new HashSet<>();
            for (JWSAlgorithm algorithm : JWSAlgorithm.Family.EC) {
                if (curve != null && Curve.forJWSAlgorithm(algorithm).contains(curve)) {
                    accepted.add(algorithm);
                }
            }
            return accepted;
        }
        if (key instanceof RSAPublicKey) {
            return JWSAlgorithm.Family.RSA;
        }
        throw new IllegalArgumentException("the token public key must be RSA or EC, was " + key.getAlgorithm());
    }

    private static JWKSource<SecurityContext> keySource(AuthSettings settings) {
        if (settings.hmacSecret().isPresent()) {
            return new ImmutableSecret<>(settings.hmacSecret().get());
        }
        return JWKSourceBuilder.<SecurityContext>create(settings.jwksUrl().orElseThrow()).build();
    }
}
