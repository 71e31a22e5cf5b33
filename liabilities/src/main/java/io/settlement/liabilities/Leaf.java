package io.settlement.liabilities;

import java.util.Arrays;
import java.util.HexFormat;

/** One user's entry in one asset's tree: what the exchange owes them, and the salt that hides it. */
public record Leaf(long userId, long amount, byte[] salt) {
    public Leaf {
        if (salt.length != Hashing.SALT_BYTES) {
            throw new IllegalArgumentException("a salt is " + Hashing.SALT_BYTES + " bytes, was " + salt.length);
        }
        salt = salt.clone();
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    /** The leaf as a node: its hash and, as its sum, the amount. */
    public Node node() {
        return new Node(Hashing.leafHash(salt, userId, amount), amount);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Leaf leaf && leaf.userId == userId && leaf.amount == amount && Arrays.equals(leaf.salt, salt);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(userId) * 31 + Long.hashCode(amount) * 17 + Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
        return "Leaf[user " + userId + ", amount " + amount + ", salt " + HexFormat.of().formatHex(salt) + "]";
    }
}
