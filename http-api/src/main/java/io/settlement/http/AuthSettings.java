package io.settlement.http;

import java.net.URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How bearer tokens are verified: one key source, the expected issuer and audience, and the
 * clock skew allowed on {@code exp} and {@code nbf}. Production ({@code run}) uses an asymmetric
 * key from a JWKS URL or a PEM file; an HMAC secret is for {@code dev} and tests only.
 *
 * @param jwksUrl the identity provider's JWKS document (RS/PS/ES algorithms), or empty
 * @param publicKey an RSA or EC public key, or empty
 * @param hmacSecret an HS256 secret of at least 32 bytes, or empty
 * @param issuer the required {@code iss}
 * @param audience the required {@code aud} (one of the token's audiences)
 * @param clockSkew the tolerance on {@code exp} and {@code nbf}
 */
public record AuthSettings(Optional<URL> jwksUrl, Optional<PublicKey> publicKey, Optional<byte[]> hmacSecret,
                           String issuer, String audience, Duration clockSkew) {
    /** The clock skew when none is configured. */
    public static final long CLOCK_SKEW_SECONDS_DEFAULT = 60;
    /** The smallest HS256 secret accepted (RFC 7518 section 3.2: at least the hash size). */
    public static final int HMAC_SECRET_BYTES_MIN = 32;

    public AuthSettings {
        Objects.requireNonNull(jwksUrl, "jwksUrl");
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(hmacSecret, "hmacSecret");
        int sources = (jwksUrl.isPresent() ? 1 : 0) + (publicKey.isPresent() ? 1 : 0) + (hmacSecret.isPresent() ? 1 : 0);
        if (sources != 1) {
            throw new IllegalArgumentException("exactly one of a JWKS URL, a public key or an HMAC secret verifies tokens, "
                    + sources + " given");
        }
        if (hmacSecret.isPresent() && hmacSecret.get().length < HMAC_SECRET_BYTES_MIN) {
            throw new IllegalArgumentException("an HMAC secret needs at least " + HMAC_SECRET_BYTES_MIN + " bytes");
        }
        if (issuer == null || issuer.isBlank() || audience == null || audience.isBlank()) {
            throw new IllegalArgumentException("the token issuer and audience must be configured");
        }
        if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("the clock skew must be 0..600 s, was " + clockSkew);
        }
    }

    public static AuthSettings jwks(URL url, String issuer, String audience, Duration clockSkew) {
        return new AuthSettings(Optional.of(url), Optional.empty(), Optional.empty(), issuer, audience, clockSkew);
    }

    public static AuthSettings publicKey(PublicKey key, String issuer, String audience, Duration clockSkew) {
        return new AuthSettings(Optional.empty(), Optional.of(key), Optional.empty(), issuer, audience, clockSkew);
    }

    public static AuthSettings hmac(byte[] secret, String issuer, String audience) {
        return new AuthSettings(Optional.empty(), Optional.empty(), Optional.of(secret.clone()), issuer, audience,
                Duration.ofSeconds(CLOCK_SKEW_SECONDS_DEFAULT));
    }

    /** An RSA or EC public key from PEM text ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo). */
    public static PublicKey parsePem(String pem) {
        String body = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the token public key is not PEM (-----BEGIN PUBLIC KEY-----, base64)", e);
        }
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("the token public key is neither an RSA nor an EC public key");
    }
}
