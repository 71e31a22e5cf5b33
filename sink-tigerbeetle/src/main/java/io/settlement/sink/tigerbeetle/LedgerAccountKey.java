package io.settlement.sink.tigerbeetle;

import io.settlement.avro.Account;
import io.settlement.avro.AccountType;
import io.settlement.avro.Bucket;

/**
 * One TigerBeetle account in our words: an owner (a user id, or 0 for the system accounts), an
 * account type, an asset and a bucket. The stores keep available, frozen and pending of an
 * (owner, type, asset) in one row; TigerBeetle keeps each bucket as an account of its own.
 */
public record LedgerAccountKey(long ownerId, AccountType type, int assetId, Bucket bucket) {
    /** The owner id of system accounts (EXTERNAL, FEES, CLEARING), as in the balance stores. */
    public static final long SYSTEM_OWNER = 0L;

    public static LedgerAccountKey of(Account account, int assetId) {
        return new LedgerAccountKey(account.getOwnerId(), account.getType(), assetId, account.getBucket());
    }

    public static boolean isSystem(AccountType type) {
        return type == AccountType.EXTERNAL || type == AccountType.FEES || type == AccountType.CLEARING;
    }

    public boolean isSystem() {
        return isSystem(type);
    }

    @Override
    public String toString() {
        return (isSystem() ? "SYSTEM" : "user " + ownerId) + " " + type + "." + bucket + " asset " + assetId;
    }
}
