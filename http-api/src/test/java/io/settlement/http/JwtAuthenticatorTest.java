package io.settlement.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The production key sources: an RSA or EC public key from PEM, and a JWKS document over HTTP. */
class JwtAuthenticatorTest {
    static final String ISSUER = "https://idp.example.test/";
    static final String AUDIENCE = "settlement-api";

    @Test
    void anRsaPublicKeyFromPemVerifiesRs256TokensAndRefusesAnHmacTokenSignedWithItsBytes() throws Exception {
        // given an RSA key pair, the public half as PEM
        KeyPair pair = TokenMinter.rsaKeyPair();
        JwtAuthenticator authenticator = new JwtAuthenticator(AuthSettings.publicKey(
                AuthSettings.parsePem(TokenMinter.publicKeyPem(pair.getPublic())), ISSUER, AUDIENCE, Duration.ofSeconds(60)));
        // when a user token and a service token signed with the private half arrive, then they are accepted
        assertThat(authenticator.authenticate("Bearer " + token(new RSASSASigner(pair.getPrivate()), JWSAlgorithm.RS256, "42", null)))
                .isEqualTo(new Caller("42", Caller.Role.USER));
        assertThat(authenticator.authenticate("Bearer " + token(new RSASSASigner(pair.getPrivate()), JWSAlgorithm.PS256, "gw",
                JwtAuthenticator.SCOPE_SERVICE))).isEqualTo(new Caller("gw", Caller.Role.SERVICE));
        // and the classic confusion attack, HS256 keyed with the public key's bytes, is refused
        String confused = token(new MACSigner(pair.getPublic().getEncoded()), JWSAlgorithm.HS256, "42", null);
        assertThatThrownBy(() -> authenticator.authenticate("Bearer " + confused))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
    }

    @Test
    void aSingleConfiguredPublicKeyVerifiesTokensWhoseHeaderNamesAKeyIdAndStillRefusesOtherKeys() throws Exception {
        // given a single RSA public key and a single EC public key configured, neither with a kid of its own
        KeyPair rsa = TokenMinter.rsaKeyPair();
        JwtAuthenticator rsaAuthenticator = new JwtAuthenticator(AuthSettings.publicKey(
                AuthSettings.parsePem(TokenMinter.publicKeyPem(rsa.getPublic())), ISSUER, AUDIENCE, Duration.ofSeconds(60)));
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = generator.generateKeyPair();
        JwtAuthenticator ecAuthenticator = new JwtAuthenticator(AuthSettings.publicKey(
                AuthSettings.parsePem(TokenMinter.publicKeyPem(ec.getPublic())), ISSUER, AUDIENCE, Duration.ofSeconds(60)));

        // when tokens arrive whose headers carry the kid their identity provider set, as every provider does
        String rsaToken = withKeyId(new RSASSASigner(rsa.getPrivate()), JWSAlgorithm.RS256, "idp-2026-01", "42");
        String ecToken = withKeyId(new ECDSASigner((ECPrivateKey) ec.getPrivate()), JWSAlgorithm.ES256, "any-kid", "43");
        String otherKey = withKeyId(new RSASSASigner(TokenMinter.rsaKeyPair().getPrivate()), JWSAlgorithm.RS256, "idp-2026-01", "42");

        // then the configured key verifies them, whatever the kid
        assertThat(rsaAuthenticator.authenticate("Bearer " + rsaToken)).isEqualTo(new Caller("42", Caller.Role.USER));
        assertThat(ecAuthenticator.authenticate("Bearer " + ecToken)).isEqualTo(new Caller("43", Caller.Role.USER));
        // and a token with the same kid signed by another key is refused as wrongly signed, as is one of the other family
        assertThatThrownBy(() -> rsaAuthenticator.authenticate("Bearer " + otherKey))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.getMessage()).contains("signature invalid"));
        assertThatThrownBy(() -> ecAuthenticator.authenticate("Bearer " + rsaToken))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
    }

    @Test
    void eachRefusalSaysWhyInFullAndNamesNoJavaType() throws Exception {
        // given an HMAC authenticator on a clock the test moves, and tokens wrong in one way each
        byte[] secret = new byte[32];
        java.util.Arrays.fill(secret, (byte) 7);
        long[] now = {System.currentTimeMillis()};
        JwtAuthenticator authenticator = new JwtAuthenticator(AuthSettings.hmac(secret, ISSUER, AUDIENCE), () -> now[0]);
        String valid = token(new MACSigner(secret), JWSAlgorithm.HS256, "42", null);
        byte[] otherSecret = new byte[32];
        String wrongKey = token(new MACSigner(otherSecret), JWSAlgorithm.HS256, "42", null);
        SignedJWT otherIssuer = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256),
                new JWTClaimsSet.Builder(claims("42", null)).issuer("https://someone-else.example.test/").build());
        otherIssuer.sign(new MACSigner(secret));
        String expiry = SignedJWT.parse(valid).getJWTClaimsSet().getExpirationTime().toInstant().toString();

        // when each is presented, then the message says why, past the first 40 characters
        assertThat(refusal(authenticator, wrongKey)).contains("signature invalid");
        assertThat(refusal(authenticator, otherIssuer.serialize())).contains("iss", "https://someone-else.example.test/", ISSUER);
        assertThat(refusal(authenticator, "not-a-jwt")).contains("not a JWT");
        now[0] += Duration.ofMinutes(10).toMillis();
        String expired = refusal(authenticator, valid);
        assertThat(expired).contains("expired at " + expiry);
        // and no message names a Java type or carries a stack trace
        for (String message : List.of(refusal(authenticator, wrongKey), refusal(authenticator, "a.b.c"), expired)) {
            assertThat(message).doesNotContain("java.", "Exception", "\n\tat ");
        }
    }

    @Test
    void anEcPublicKeyFromPemVerifiesEs256Tokens() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        JwtAuthenticator authenticator = new JwtAuthenticator(AuthSettings.publicKey(
                AuthSettings.parsePem(TokenMinter.publicKeyPem(pair.getPublic())), ISSUER, AUDIENCE, Duration.ofSeconds(60)));
        String token = token(new ECDSASigner((ECPrivateKey) pair.getPrivate()), JWSAlgorithm.ES256, "ops", JwtAuthenticator.SCOPE_OPERATOR);
        assertThat(authenticator.authenticate("Bearer " + token)).isEqualTo(new Caller("ops", Caller.Role.OPERATOR));
    }

    @Test
    void aJwksUrlIsFetchedAndItsKeyVerifiesTokensByKeyId() throws Exception {
        // given an identity provider serving its JWKS on 127.0.0.1
        KeyPair pair = TokenMinter.rsaKeyPair();
        RSAKey jwk = new RSAKey.Builder((RSAPublicKey) pair.getPublic()).keyID("key-1").build();
        byte[] jwks = new JWKSet(jwk).toString().getBytes(StandardCharsets.UTF_8);
        HttpServer idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        idp.createContext("/.well-known/jwks.json", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, jwks.length);
            exchange.getResponseBody().write(jwks);
            exchange.close();
        });
        idp.start();
        try {
            URI url = URI.create("http://127.0.0.1:" + idp.getAddress().getPort() + "/.well-known/jwks.json");
            JwtAuthenticator authenticator = new JwtAuthenticator(AuthSettings.jwks(url.toURL(), ISSUER, AUDIENCE, Duration.ofSeconds(60)));
            // when a token signed by that key (and one by another key with the same kid) arrive
            SignedJWT good = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("key-1").build(), claims("42", null));
            good.sign(new RSASSASigner(pair.getPrivate()));
            SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("key-1").build(), claims("42", null));
            forged.sign(new RSASSASigner(TokenMinter.rsaKeyPair().getPrivate()));
            // then the first is the user, the second refused
            assertThat(authenticator.authenticate("Bearer " + good.serialize())).isEqualTo(new Caller("42", Caller.Role.USER));
            assertThatThrownBy(() -> authenticator.authenticate("Bearer " + forged.serialize()))
                    .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
        } finally {
            idp.stop(0);
        }
    }

    @Test
    void settingsRefuseNoKeyTwoKeysAShortSecretAndAMissingIssuer() throws Exception {
        assertThatThrownBy(() -> AuthSettings.hmac(new byte[16], ISSUER, AUDIENCE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuthSettings.hmac(new byte[32], " ", AUDIENCE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuthSettings.parsePem("-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AuthSettings(java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(),
                ISSUER, AUDIENCE, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRememberedTokenStillExpiresAndOnlyTokensThatVerifiedAreRemembered() throws Exception {
        // given an authenticator on a clock the test moves, and a token valid for 5 minutes
        byte[] secret = new byte[32];
        java.util.Arrays.fill(secret, (byte) 7);
        long[] now = {System.currentTimeMillis()};
        JwtAuthenticator authenticator = new JwtAuthenticator(AuthSettings.hmac(secret, ISSUER, AUDIENCE), () -> now[0]);
        String token = "Bearer " + token(new MACSigner(secret), JWSAlgorithm.HS256, "42", null);

        // when it is used twice, then both answer the same caller and it is remembered once
        assertThat(authenticator.authenticate(token)).isEqualTo(new Caller("42", Caller.Role.USER));
        assertThat(authenticator.authenticate(token)).isEqualTo(new Caller("42", Caller.Role.USER));
        assertThat(authenticator.rememberedTokens()).isEqualTo(1);

        // when the clock passes the memory's minute, the token is verified again, and still accepted
        now[0] += JwtAuthenticator.REMEMBERED_FOR.toMillis() + 1;
        assertThat(authenticator.authenticate(token)).isEqualTo(new Caller("42", Caller.Role.USER));

        // when it passes exp and the clock skew, the remembered token is refused like any expired one
        now[0] += Duration.ofMinutes(5).plusSeconds(AuthSettings.CLOCK_SKEW_SECONDS_DEFAULT).toMillis();
        assertThatThrownBy(() -> authenticator.authenticate(token))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
        assertThat(authenticator.rememberedTokens()).isZero();

        // and thousands of forged tokens (a valid one's claims with another signature) leave nothing behind
        String valid = token.substring("Bearer ".length());
        String unsigned = valid.substring(0, valid.lastIndexOf('.') + 1);
        for (int i = 0; i < 5_000; i++) {
            String forged = "Bearer " + unsigned + java.util.Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(java.nio.ByteBuffer.allocate(32).putInt(i).array());
            assertThatThrownBy(() -> authenticator.authenticate(forged)).isInstanceOf(ApiError.class);
        }
        assertThat(authenticator.rememberedTokens()).isZero();
    }

    private static String refusal(JwtAuthenticator authenticator, String token) {
        try {
            authenticator.authenticate("Bearer " + token);
        } catch (ApiError e) {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
            return e.getMessage();
        }
        throw new AssertionError("the token was accepted: " + token);
    }

    private static String withKeyId(JWSSigner signer, JWSAlgorithm algorithm, String keyId, String subject) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(keyId).build(), claims(subject, null));
        jwt.sign(signer);
        return jwt.serialize();
    }

    private static JWTClaimsSet claims(String subject, String scope) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject(subject)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))));
        if (scope != null) {
            builder.claim("scope", scope);
        }
        return builder.build();
    }

    private static String token(JWSSigner signer, JWSAlgorithm algorithm, String subject, String scope) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims(subject, scope));
        jwt.sign(signer);
        return jwt.serialize();
    }
}
