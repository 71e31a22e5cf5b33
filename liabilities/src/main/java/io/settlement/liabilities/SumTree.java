package io.settlement.liabilities;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Merkle sum tree of one asset (docs/liabilities.md). Leaves are sorted by their hash
 * (unsigned, byte by byte) so that a leaf's position says nothing about the user or the amount;
 * a level of odd length is completed with {@link Hashing#EMPTY}. No leaves: the root is
 * {@link Hashing#EMPTY}. One leaf: the root is that leaf.
 */
public final class SumTree {
    /** levels.get(0) are the sorted leaves, the last level is the root; every level but the last has even length. */
    private final List<List<Node>> levels;
    private final Map<Long, Leaf> leaves = new HashMap<>();
    private final Map<Long, Integer> positions = new HashMap<>();
    private final int leafCount;

    private SumTree(List<List<Node>> levels, int leafCount) {
        this.levels = levels;
        this.leafCount = leafCount;
    }

    /**
     * Builds the tree of these leaves.
     *
     * @throws IllegalArgumentException when an amount is negative, a user appears twice, or the total overflows a long
     */
    public static SumTree build(List<Leaf> leaves) {
        Set<Long> users = new HashSet<>();
        long total = 0;
        for (Leaf leaf : leaves) {
            if (leaf.amount() < 0) {
                // A negative leaf would lower the published total below what is owed to everyone else.
                throw new IllegalArgumentException("user " + leaf.userId() + " has a negative amount " + leaf.amount()
                        + ": a liability is never negative");
            }
            if (!users.add(leaf.userId())) {
                throw new IllegalArgumentException("user " + leaf.userId() + " appears twice: one leaf per user");
            }
            try {
                total = Math.addExact(total, leaf.amount());
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("the total of " + leaves.size() + " leaves overflows a long ("
                        + Long.MAX_VALUE + ")", e);
            }
        }
        List<Node> level = new ArrayList<>(leaves.size());
        Map<Node, Leaf> byNode = new HashMap<>();
        for (Leaf leaf : leaves) {
            Node node = leaf.node();
            level.add(node);
            byNode.put(node, leaf);
        }
        level.sort((a, b) -> Arrays.compareUnsigned(a.hash(), b.hash()));
        List<List<Node>> levels = new ArrayList<>();
        if (level.isEmpty()) {
            level.add(Hashing.EMPTY);
        }
        while (level.size() > 1) {
            if (level.size() % 2 == 1) {
                level.add(Hashing.EMPTY);
            }
            levels.add(level);
            List<Node> up = new ArrayList<>(level.size() / 2);
            for (int i = 0; i < level.size(); i += 2) {
                // Cannot overflow: every sum is at most the total, checked above.
                up.add(Hashing.parent(level.get(i), level.get(i + 1)));
            }
            level = up;
        }
        levels.add(level);
        SumTree tree = new SumTree(levels, leaves.size());
        List<Node> bottom = levels.get(0);
        for (int i = 0; i < leaves.size(); i++) {
            Leaf leaf = byNode.get(bottom.get(i));
            tree.leaves.put(leaf.userId(), leaf);
            tree.positions.put(leaf.userId(), i);
        }
        return tree;
    }

    public Node root() {
        return levels.get(levels.size() - 1).get(0);
    }

    public int leafCount() {
        return leafCount;
    }

    /** The user ids of the leaves. */
    public Set<Long> users() {
        return Set.copyOf(leaves.keySet());
    }

    /**
     * The leaf of one user and the siblings from it up to the root.
     *
     * @throws IllegalArgumentException when the user has no leaf in this tree
     */
    public InclusionProof proof(String snapshotId, String asset, long userId) {
        Integer position = positions.get(userId);
        if (position == null) {
            throw new IllegalArgumentException("user " + userId + " has no leaf in the " + asset + " tree of " + snapshotId);
        }
        List<Sibling> path = new ArrayList<>();
        int i = position;
        for (int height = 0; height < levels.size() - 1; height++) {
            List<Node> level = levels.get(height);
            boolean right = i % 2 == 1;
            path.add(new Sibling(right ? Sibling.Side.LEFT : Sibling.Side.RIGHT, level.get(right ? i - 1 : i + 1)));
            i /= 2;
        }
        return new InclusionProof(snapshotId, asset, leaves.get(userId), path);
    }
}
