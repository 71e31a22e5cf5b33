package io.settlement.liabilities;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-user salt of a snapshot, derived rather than stored: HMAC-SHA256(secret,
 * UTF-8(snapshot_id) || 0x00 || UTF-8(asset) || 0x00 || user_id(8, big-endian)). The engine keeps
 * one secret per snapshot and can hand any user their salt again; without the secret nobody can
 * guess a salt and so test a guessed (user, amount) against a published leaf. The asset is in the
 * input so that a user owed the same amount of two assets has unrelated leaves in the two trees.
 */
public final class Salt {
    private Salt() {}

    /**
     * @throws IllegalArgumentException when the secret is shorter than 32 bytes, or an id contains a NUL
     *         (the separator: without it, "a"+"bc" and "ab"+"c" would give the same salt)
     */
    public static byte[] derive(byte[] secret, String snapshotId, String asset, long userId) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("a snapshot secret must be at least 32 bytes, was " + secret.length);
        }
        byte[] snapshot = utf8WithoutNul("snapshot id", snapshotId);
        byte[] assetBytes = utf8WithoutNul("asset", asset);
        byte[] message = ByteBuffer.allocate(snapshot.length + 1 + assetBytes.length + 1 + Long.BYTES)
                .put(snapshot).put((byte) 0).put(assetBytes).put((byte) 0).putLong(userId).array();
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    private static byte[] utf8WithoutNul(String what, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("the " + what + " must not contain NUL: " + value.replace("\0", "\\0"));
        }
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
