package io.settlement.liabilities;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The hash rules of the tree, byte for byte (docs/liabilities.md, "Hash and encoding rules").
 * Every integer is big-endian two's complement, every hash SHA-256. The ASCII tags "leaf",
 * "node" and "empty" separate the three kinds of preimage, so that no leaf can be passed off as
 * an internal node or the padding and no internal node as a leaf.
 */
public final class Hashing {
    public static final int HASH_BYTES = 32;
    public static final int SALT_BYTES = 32;

    private static final byte[] LEAF = "leaf".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NODE = "node".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_TAG = "empty".getBytes(StandardCharsets.US_ASCII);

    /** The padding node that completes a level of odd length: sum 0, hash SHA-256("empty"). */
    public static final Node EMPTY = new Node(sha256(EMPTY_TAG), 0);

    private Hashing() {}

    /** SHA-256("leaf" || salt(32) || user_id(8) || amount(8)). */
    public static byte[] leafHash(byte[] salt, long userId, long amount) {
        if (salt.length != SALT_BYTES) {
            throw new IllegalArgumentException("a salt is " + SALT_BYTES + " bytes, was " + salt.length);
        }
        return sha256(ByteBuffer.allocate(LEAF.length + SALT_BYTES + 2 * Long.BYTES)
                .put(LEAF).put(salt).putLong(userId).putLong(amount).array());
    }

    /** SHA-256("node" || left.hash(32) || left.sum(8) || right.hash(32) || right.sum(8)). */
    public static byte[] nodeHash(Node left, Node right) {
        return sha256(ByteBuffer.allocate(NODE.length + 2 * (HASH_BYTES + Long.BYTES))
                .put(NODE).put(left.hash()).putLong(left.sum()).put(right.hash()).putLong(right.sum()).array());
    }

    /**
     * The parent of two nodes. The sum is checked ({@link Math#addExact}): a sum that wrapped
     * around would let a large liability hide as a small one.
     *
     * @throws ArithmeticException when the two sums overflow a long
     */
    public static Node parent(Node left, Node right) {
        return new Node(nodeHash(left, right), Math.addExact(left.sum(), right.sum()));
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
