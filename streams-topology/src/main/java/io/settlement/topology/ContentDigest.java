package io.settlement.topology;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The content digest that tells a retry (same id, same content) from a conflicting reuse of an
 * id: SHA-256 over a canonical encoding of the command's fields, truncated to
 * {@value #BYTES} bytes. Every field is written with its type and length, so two different
 * field sequences never encode alike, and the command's stamps ({@code created_at},
 * {@code executed_at}) are left out by the callers, so a producer that stamps a retry anew is
 * still recognised.
 *
 * <p>Why a cryptographic hash: command ids are chosen by clients, and with a fast
 * non-cryptographic mix one could compute, for any remembered command, another command with the
 * same fingerprint and have it answered as the first one's retry. Finding a second command with
 * a given 128-bit SHA-256 prefix costs about 2^128 hashes. Not thread-safe: one instance per
 * processor.
 */
public final class ContentDigest {
    /** The digest's length: 128 bits, as TigerBeetle's ids. */
    public static final int BYTES = 16;

    private static final byte LONG = 1;
    private static final byte STRING = 2;
    private static final byte NULL = 3;

    private final MessageDigest sha256;
    private final byte[] scratch = new byte[9];

    public ContentDigest() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM provides SHA-256", e);
        }
    }

    /** Starts a digest; {@code domain} separates kinds of content (a deposit and a leg never share a digest). */
    public ContentDigest begin(String domain) {
        sha256.reset();
        return add(domain);
    }

    public ContentDigest add(long value) {
        scratch[0] = LONG;
        for (int i = 0; i < 8; i++) {
            scratch[1 + i] = (byte) (value >>> (56 - 8 * i));
        }
        sha256.update(scratch, 0, 9);
        return this;
    }

    public ContentDigest add(String value) {
        if (value == null) {
            sha256.update(NULL);
            return this;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        scratch[0] = STRING;
        for (int i = 0; i < 4; i++) {
            scratch[1 + i] = (byte) (utf8.length >>> (24 - 8 * i));
        }
        sha256.update(scratch, 0, 5);
        sha256.update(utf8);
        return this;
    }

    /** The digest of what was added since {@link #begin}. */
    public byte[] finish() {
        return Arrays.copyOf(sha256.digest(), BYTES);
    }

    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
