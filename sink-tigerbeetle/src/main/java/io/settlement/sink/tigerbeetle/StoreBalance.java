package io.settlement.sink.tigerbeetle;

import io.settlement.avro.AccountType;

/**
 * One row of the balance stores, as reconcile reads it: an account (owner, type, asset) and its
 * three buckets in minor units. User rows come from {@code GET /api/v1/users/{id}/balances} (or an
 * interactive query); system rows (owner 0) come once per balance task, each the task's share,
 * and reconcile adds the shares up.
 */
public record StoreBalance(long ownerId, AccountType type, int assetId, long available, long frozen, long pending) {}
