package io.settlement.liabilities;

import java.util.List;

/**
 * What one user needs to check that they are counted in one asset's total: their leaf (user id,
 * amount, salt) and the siblings from the leaf up to the root, lowest first. The snapshot id
 * and the asset say which published root it is checked against.
 */
public record InclusionProof(String snapshotId, String asset, Leaf leaf, List<Sibling> path) {
    public InclusionProof {
        path = List.copyOf(path);
    }
}
