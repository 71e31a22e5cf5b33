package io.settlement.liabilities;

import java.util.Arrays;
import java.util.HexFormat;

/** A node of a Merkle sum tree: its hash and the sum of the amounts of the leaves below it. */
public record Node(byte[] hash, long sum) {
    public Node {
        if (hash.length != Hashing.HASH_BYTES) {
            throw new IllegalArgumentException("a hash is " + Hashing.HASH_BYTES + " bytes, was " + hash.length);
        }
        hash = hash.clone();
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    public String hashHex() {
        return HexFormat.of().formatHex(hash);
    }

    // Arrays compare by identity in a record's generated equals; two nodes are equal by content.
    @Override
    public boolean equals(Object other) {
        return other instanceof Node node && node.sum == sum && Arrays.equals(node.hash, hash);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(hash) + Long.hashCode(sum);
    }

    @Override
    public String toString() {
        return "Node[" + hashHex() + ", sum " + sum + "]";
    }
}
