package io.settlement.liabilities;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.OptionalLong;

/**
 * Checks an inclusion proof against a published root, offline: recomputes every node from the
 * leaf up, each with the sum of its two children, and compares the root it reaches with the
 * published one. A sum is never negative and never overflows: a negative sibling would subtract
 * from the total what is owed to others, a wrapped one would hide a liability.
 */
public final class Verifier {
    private Verifier() {}

    /** The outcome: verified, or the first reason it is not; the recomputed root either way (null if none was reached). */
    public record Verification(boolean verified, String reason, Node root) {
        static Verification failed(String reason, Node root) {
            return new Verification(false, reason, root);
        }
    }

    public static Verification verify(InclusionProof proof, byte[] publishedRoot) {
        return verify(proof, publishedRoot, OptionalLong.empty());
    }

    /** As {@link #verify(InclusionProof, byte[])}, and the root's total must equal {@code publishedTotal} when given. */
    public static Verification verify(InclusionProof proof, byte[] publishedRoot, OptionalLong publishedTotal) {
        Leaf leaf = proof.leaf();
        if (leaf.amount() < 0) {
            return Verification.failed("the leaf's amount is negative: " + leaf.amount(), null);
        }
        Node node = leaf.node();
        int height = 0;
        for (Sibling sibling : proof.path()) {
            height++;
            if (sibling.node().sum() < 0) {
                return Verification.failed("the sibling at height " + height + " has a negative sum: " + sibling.node().sum(), null);
            }
            try {
                node = sibling.side() == Sibling.Side.LEFT ? Hashing.parent(sibling.node(), node) : Hashing.parent(node, sibling.node());
            } catch (ArithmeticException e) {
                return Verification.failed("the sum at height " + height + " overflows a long", null);
            }
        }
        if (!Arrays.equals(node.hash(), publishedRoot)) {
            return Verification.failed("the proof leads to root " + node.hashHex() + " (total " + node.sum()
                    + "), not to the published root " + HexFormat.of().formatHex(publishedRoot), node);
        }
        if (publishedTotal.isPresent() && publishedTotal.getAsLong() != node.sum()) {
            return Verification.failed("the root's total is " + node.sum() + ", not the published total "
                    + publishedTotal.getAsLong(), node);
        }
        return new Verification(true, "", node);
    }
}
