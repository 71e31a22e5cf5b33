package io.settlement.app;

import io.settlement.sink.LiabilityProofs;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The proofs of liabilities in memory, keyed as the ScyllaDB tables are (snapshot id; snapshot id
 * and user id): the store of the app's tests, which run a real broker but no database. The
 * ScyllaDB store itself is tested over a real Cassandra in sink-scylla.
 */
final class InMemoryLiabilityProofs implements LiabilityProofs {
    private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();
    private final Map<String, List<Proof>> proofs = new ConcurrentHashMap<>();

    @Override
    public void putProofs(String snapshotId, List<UserProofs> users) {
        users.forEach(user -> proofs.put(snapshotId + "/" + user.userId(), user.proofs()));
    }

    @Override
    public void putSnapshot(Snapshot snapshot) {
        snapshots.put(snapshot.snapshotId(), snapshot);
    }

    @Override
    public List<Snapshot> snapshots() {
        return snapshots.values().stream().sorted(Comparator.comparing(Snapshot::time).reversed()).toList();
    }

    @Override
    public Optional<Snapshot> snapshot(String snapshotId) {
        return Optional.ofNullable(snapshots.get(snapshotId));
    }

    @Override
    public List<Proof> proofs(String snapshotId, long userId) {
        return proofs.getOrDefault(snapshotId + "/" + userId, List.of());
    }
}
