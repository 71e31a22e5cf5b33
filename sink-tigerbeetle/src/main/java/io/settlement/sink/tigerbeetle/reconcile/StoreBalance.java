package io.settlement.sink.tigerbeetle.reconcile;

import io.settlement.avro.AccountType;

/**
 * One row of the balance stores, as reconcile reads it: an account (owner, type, asset), its
 * three buckets in minor units, and its per-account sequence (how many changes the store has
 * applied to it; {@link LiveReconciler} uses it to see an account move). User rows come from the
 * stores' changelog (or an interactive query); system rows (owner 0) come once per balance task,
 * each the task's share, and reconcile adds the shares up.
 */
public record StoreBalance(long ownerId, AccountType type, int assetId, long available, long frozen, long pending, long seq) {
    /** A row whose sequence is not known (0). */
    public StoreBalance(long ownerId, AccountType type, int assetId, long available, long frozen, long pending) {
        this(ownerId, type, assetId, available, frozen, pending, 0);
    }
}
