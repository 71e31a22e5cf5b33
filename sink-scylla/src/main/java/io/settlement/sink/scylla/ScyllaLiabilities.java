package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.settlement.sink.History;
import io.settlement.sink.LiabilityProofs;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * The proofs of liabilities in ScyllaDB ({@code liabilities_snapshots}, {@code liabilities_proofs} of
 * {@code schema/settlement.cql}): one partition per (snapshot, user), so serving a user is one
 * partition read and a snapshot of millions of users is as many small partitions spread over the
 * cluster. Writes go out {@value #IN_FLIGHT_MAX} at a time, each user's proofs in one unlogged batch
 * of its one partition (applied together, no coordinator fan-out).
 *
 * <p>Failures: a driver failure, or no session yet ({@link #lazy}), is {@link History.UnavailableException}.
 */
public final class ScyllaLiabilities implements LiabilityProofs {
    /** Writes in flight at once: enough to keep a cluster busy from one client, few enough not to time out. */
    static final int IN_FLIGHT_MAX = 64;

    private final CqlSession session;
    private final String keyspace;
    private volatile Statements statements;

    /** The statements, prepared on first use. */
    private record Statements(PreparedStatement insertProof, PreparedStatement insertSnapshot, PreparedStatement selectSnapshots,
                              PreparedStatement selectSnapshot, PreparedStatement selectProofs) {}

    /**
     * @param session a session on the database (this does not close it). Nothing is prepared yet: where the
     *                schema is applied by hand and lacks these tables, the sink still starts, and only these
     *                calls fail (unavailable), saying which table is missing.
     */
    public ScyllaLiabilities(CqlSession session, String keyspace) {
        this.session = session;
        this.keyspace = keyspace;
    }

    private Statements statements() {
        Statements prepared = statements;
        if (prepared == null) {
            prepared = new Statements(
                    session.prepare("INSERT INTO " + keyspace + ".liabilities_proofs (snapshot_id, user_id, asset, proof) VALUES (?, ?, ?, ?)"),
                    session.prepare("INSERT INTO " + keyspace + ".liabilities_snapshots (snapshot_id, taken_at, summary) VALUES (?, ?, ?)"),
                    session.prepare("SELECT snapshot_id, taken_at, summary FROM " + keyspace + ".liabilities_snapshots"),
                    session.prepare("SELECT snapshot_id, taken_at, summary FROM " + keyspace + ".liabilities_snapshots WHERE snapshot_id = ?"),
                    session.prepare("SELECT asset, proof FROM " + keyspace + ".liabilities_proofs WHERE snapshot_id = ? AND user_id = ?"));
            statements = prepared;
        }
        return prepared;
    }

    /** The store on a session that may not be there yet (the sink still starting): until it is, every call is unavailable. */
    public static LiabilityProofs lazy(Supplier<Optional<LiabilityProofs>> store) {
        return new LiabilityProofs() {
            private LiabilityProofs get() {
                return store.get().orElseThrow(() -> new History.UnavailableException(
                        "the ScyllaDB sink is not connected yet (GET /health shows its state)", null));
            }

            @Override
            public void putProofs(String snapshotId, List<UserProofs> users) {
                get().putProofs(snapshotId, users);
            }

            @Override
            public void putSnapshot(Snapshot snapshot) {
                get().putSnapshot(snapshot);
            }

            @Override
            public List<Snapshot> snapshots() {
                return get().snapshots();
            }

            @Override
            public Optional<Snapshot> snapshot(String snapshotId) {
                return get().snapshot(snapshotId);
            }

            @Override
            public List<Proof> proofs(String snapshotId, long userId) {
                return get().proofs(snapshotId, userId);
            }
        };
    }

    @Override
    public void putProofs(String snapshotId, List<UserProofs> users) {
        Statements prepared = call(this::statements);
        Semaphore inFlight = new Semaphore(IN_FLIGHT_MAX);
        List<CompletableFuture<AsyncResultSet>> writes = new ArrayList<>(users.size());
        try {
            for (UserProofs user : users) {
                BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
                for (Proof proof : user.proofs()) {
                    batch.addStatement(prepared.insertProof().bind(snapshotId, user.userId(), proof.asset(), proof.proofJson()));
                }
                inFlight.acquire();
                CompletionStage<AsyncResultSet> write = session.executeAsync(batch.build());
                writes.add(write.toCompletableFuture().whenComplete((result, error) -> inFlight.release()));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new History.UnavailableException("interrupted while writing the proofs of " + snapshotId, e);
        } catch (CompletionException | DriverException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            throw new History.UnavailableException("cannot write the proofs of " + snapshotId + ": " + cause, cause);
        }
    }

    @Override
    public void putSnapshot(Snapshot snapshot) {
        call(() -> session.execute(statements().insertSnapshot().bind(snapshot.snapshotId(), snapshot.time(), snapshot.summaryJson())));
    }

    @Override
    public List<Snapshot> snapshots() {
        return call(() -> {
            List<Snapshot> all = new ArrayList<>();
            for (Row row : session.execute(statements().selectSnapshots().bind())) {
                all.add(snapshot(row));
            }
            all.sort(Comparator.comparing(Snapshot::time).thenComparing(Snapshot::snapshotId).reversed());
            return all;
        });
    }

    @Override
    public Optional<Snapshot> snapshot(String snapshotId) {
        return call(() -> Optional.ofNullable(session.execute(statements().selectSnapshot().bind(snapshotId)).one()).map(ScyllaLiabilities::snapshot));
    }

    @Override
    public List<Proof> proofs(String snapshotId, long userId) {
        return call(() -> {
            List<Proof> proofs = new ArrayList<>();
            for (Row row : session.execute(statements().selectProofs().bind(snapshotId, userId))) {
                proofs.add(new Proof(row.getString("asset"), row.getString("proof")));
            }
            return proofs;
        });
    }

    private static Snapshot snapshot(Row row) {
        return new Snapshot(row.getString("snapshot_id"), row.getInstant("taken_at"), row.getString("summary"));
    }

    private static <T> T call(Supplier<T> query) {
        try {
            return query.get();
        } catch (DriverException e) {
            throw new History.UnavailableException(e.getMessage(), e);
        }
    }
}
