package io.settlement.topology.balance;

import io.settlement.avro.AccountType;
import io.settlement.avro.Bucket;
import io.settlement.topology.Asset;

/**
 * The postings of one command step, in one asset, before the {@link Ledger} checks and applies
 * them: each moves {@code amount} from a debit account's bucket to a credit account's bucket.
 * System accounts (EXTERNAL, FEES, CLEARING) have one balance, kept in the AVAILABLE bucket of
 * owner {@link BalanceKey#SYSTEM_OWNER}. A zero amount moves nothing and is left out.
 *
 * <p>A step may also change the room a user account keeps for trade legs still to come
 * ({@link Balance#incoming()}), in any asset: a trade DEBIT keeps room for its side's CREDIT and
 * REFUND, and whichever of those lands releases it. Room is no money and moves nothing.
 */
public final class Postings {
    /** The most postings any command step makes (a trade credit makes two). */
    public static final int POSTINGS_MAX = 4;

    final Asset asset;
    final BalanceKey[] debit = new BalanceKey[POSTINGS_MAX];
    final Bucket[] debitBucket = new Bucket[POSTINGS_MAX];
    final BalanceKey[] credit = new BalanceKey[POSTINGS_MAX];
    final Bucket[] creditBucket = new Bucket[POSTINGS_MAX];
    final long[] amount = new long[POSTINGS_MAX];
    int size;

    /** A trade leg changes the room of at most two accounts: what its side pays and what it receives. */
    static final int ROOM_CHANGES_MAX = 2;
    final BalanceKey[] roomKey = new BalanceKey[ROOM_CHANGES_MAX];
    final long[] roomDelta = new long[ROOM_CHANGES_MAX];
    int roomChanges;

    public Postings(Asset asset) {
        this.asset = asset;
    }

    /** amount moves from the user's {@code fromType.fromBucket} to their {@code toType.toBucket}. */
    public Postings userToUser(long userId, AccountType fromType, Bucket fromBucket, AccountType toType, Bucket toBucket, long amount) {
        return add(new BalanceKey(userId, fromType, asset.id()), fromBucket, new BalanceKey(userId, toType, asset.id()), toBucket, amount);
    }

    /** amount moves from a system account to the user's {@code toType.toBucket}. */
    public Postings systemToUser(AccountType system, long userId, AccountType toType, Bucket toBucket, long amount) {
        return add(systemKey(system), Bucket.AVAILABLE, new BalanceKey(userId, toType, asset.id()), toBucket, amount);
    }

    /** amount moves from the user's {@code fromType.fromBucket} to a system account. */
    public Postings userToSystem(long userId, AccountType fromType, Bucket fromBucket, AccountType system, long amount) {
        return add(new BalanceKey(userId, fromType, asset.id()), fromBucket, systemKey(system), Bucket.AVAILABLE, amount);
    }

    /** amount moves between two system accounts. */
    public Postings systemToSystem(AccountType from, AccountType to, long amount) {
        return add(systemKey(from), Bucket.AVAILABLE, systemKey(to), Bucket.AVAILABLE, amount);
    }

    /**
     * Keeps {@code amount} more room in the user account {@code key} for a leg still to come; the
     * step is rejected AMOUNT_OVERFLOW if the account cannot take it.
     */
    public Postings keepRoom(BalanceKey key, long amount) {
        return room(key, amount);
    }

    /** Releases up to {@code amount} of the room kept in {@code key}: the leg it was kept for has landed or will not come. */
    public Postings releaseRoom(BalanceKey key, long amount) {
        return room(key, -amount);
    }

    private Postings room(BalanceKey key, long delta) {
        if (key.ownerId() == BalanceKey.SYSTEM_OWNER) {
            throw new IllegalStateException("only user accounts keep room, not " + key);
        }
        if (delta == 0) {
            return this;
        }
        if (roomChanges == ROOM_CHANGES_MAX) {
            throw new IllegalStateException("more than " + ROOM_CHANGES_MAX + " room changes in one step");
        }
        roomKey[roomChanges] = key;
        roomDelta[roomChanges] = delta;
        roomChanges++;
        return this;
    }

    public int size() {
        return size;
    }

    public Asset asset() {
        return asset;
    }

    private BalanceKey systemKey(AccountType type) {
        return new BalanceKey(BalanceKey.SYSTEM_OWNER, type, asset.id());
    }

    private Postings add(BalanceKey from, Bucket fromBucket, BalanceKey to, Bucket toBucket, long amount) {
        if (amount < 0) {
            throw new IllegalStateException("a posting amount is never negative, was " + amount);
        }
        if (amount == 0) {
            return this;
        }
        if (size == POSTINGS_MAX) {
            throw new IllegalStateException("more than " + POSTINGS_MAX + " postings in one step");
        }
        debit[size] = from;
        debitBucket[size] = fromBucket;
        credit[size] = to;
        creditBucket[size] = toBucket;
        this.amount[size] = amount;
        size++;
        return this;
    }
}
