package io.settlement.liabilities;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The trees of every asset at one cut: built from what each user is owed per asset, each leaf
 * salted with {@link Salt#derive} from the snapshot's secret. A user owed 0 of an asset gets no
 * leaf in its tree: there is nothing to prove, and leaving them out keeps the leaf count to the
 * users actually owed something.
 */
public final class LiabilitiesSnapshot {
    /** What a snapshot id may be: safe as it is in a URL path segment, so the snapshot command and the HTTP route accept the same ids. */
    public static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private final String snapshotId;
    private final Instant time;
    private final SortedMap<Integer, Long> cut;
    private final SortedMap<String, SumTree> trees = new TreeMap<>();

    private LiabilitiesSnapshot(String snapshotId, Instant time, SortedMap<Integer, Long> cut) {
        this.snapshotId = snapshotId;
        this.time = time;
        this.cut = cut;
    }

    /**
     * @param owed per asset, per user id, what the user is owed (minor units)
     * @throws IllegalArgumentException when an amount is negative or an asset's total overflows a long (naming the asset)
     */
    public static LiabilitiesSnapshot build(String snapshotId, Instant time, Map<Integer, Long> cut, byte[] secret,
                                            Map<String, Map<Long, Long>> owed) {
        LiabilitiesSnapshot snapshot = new LiabilitiesSnapshot(snapshotId, time, new TreeMap<>(cut));
        owed.forEach((asset, users) -> {
            List<Leaf> leaves = new ArrayList<>();
            users.forEach((user, amount) -> {
                if (amount != 0) {
                    leaves.add(new Leaf(user, amount, Salt.derive(secret, snapshotId, asset, user)));
                }
            });
            try {
                snapshot.trees.put(asset, SumTree.build(leaves));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(asset + ": " + e.getMessage(), e);
            }
        });
        return snapshot;
    }

    public SortedMap<String, SumTree> trees() {
        return java.util.Collections.unmodifiableSortedMap(trees);
    }

    /** @throws IllegalArgumentException when there is no such asset or the user has no leaf in it */
    public InclusionProof proof(String asset, long userId) {
        SumTree tree = trees.get(asset);
        if (tree == null) {
            throw new IllegalArgumentException("no asset " + asset + " in snapshot " + snapshotId);
        }
        return tree.proof(snapshotId, asset, userId);
    }

    public SnapshotSummary summary() {
        List<SnapshotSummary.AssetRoot> roots = new ArrayList<>();
        trees.forEach((asset, tree) -> roots.add(new SnapshotSummary.AssetRoot(asset, tree.root(), tree.leafCount())));
        return new SnapshotSummary(snapshotId, time, cut, roots);
    }
}
