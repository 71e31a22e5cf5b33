package io.settlement.sink;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the proofs of liabilities are kept once a snapshot is taken (docs/liabilities.md, "Where
 * proofs are kept"), so that any instance can serve them: {@code settlement liabilities snapshot}
 * writes through it, {@code GET /api/v1/liabilities} and
 * {@code GET /api/v1/users/{id}/liabilities/{snapshot}} read through it. It lives here, beside
 * {@link History}, for the same reason: the ScyllaDB sink's module implements it, the HTTP API
 * reads through it, and neither depends on the other.
 *
 * <p>It holds text, not trees: each proof is the proof file JSON exactly as the offline verifier
 * reads it, each summary the JSON published on {@code settlement.liabilities}. The HTTP layer
 * parses and checks them; the store only keeps them, keyed so that one user's proofs of one
 * snapshot are one read.
 *
 * <p>Writing order is the caller's contract: every proof of a snapshot first, its summary last,
 * so that a snapshot that is listed has all its proofs stored. Failures are
 * {@link History.UnavailableException} (the store did not answer); calls block and are bounded by
 * the implementation's timeouts.
 */
public interface LiabilityProofs {
    /** Stores the proofs of these users of one snapshot (one per asset each is owed); returns once all are written. */
    void putProofs(String snapshotId, List<UserProofs> users);

    /** Stores a snapshot's summary: from now on it is listed. */
    void putSnapshot(Snapshot snapshot);

    /** Every stored snapshot, newest first. */
    List<Snapshot> snapshots();

    /** One stored snapshot, if there is one with this id. */
    Optional<Snapshot> snapshot(String snapshotId);

    /** One user's proofs of one snapshot, by asset code; empty when the user has none stored. */
    List<Proof> proofs(String snapshotId, long userId);

    /** One snapshot's summary: its id, time, and the published JSON. */
    record Snapshot(String snapshotId, Instant time, String summaryJson) {
        public Snapshot {
            Objects.requireNonNull(snapshotId, "snapshotId");
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(summaryJson, "summaryJson");
        }
    }

    /** One user's proof in one asset: the proof file JSON. */
    record Proof(String asset, String proofJson) {
        public Proof {
            Objects.requireNonNull(asset, "asset");
            Objects.requireNonNull(proofJson, "proofJson");
        }
    }

    /** Every proof of one user in one snapshot. */
    record UserProofs(long userId, List<Proof> proofs) {
        public UserProofs {
            proofs = List.copyOf(proofs);
        }
    }
}
