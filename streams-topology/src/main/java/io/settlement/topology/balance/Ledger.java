package io.settlement.topology.balance;

import io.settlement.avro.Account;
import io.settlement.avro.AccountType;
import io.settlement.avro.BalanceAfter;
import io.settlement.avro.Bucket;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.Posting;
import io.settlement.avro.Reason;
import io.settlement.avro.Wallet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The double-entry book of one balance task over the {@code balances} store. It checks a step's
 * {@link Postings} against the current balances (no user bucket may go negative, no amount may
 * overflow), and only if all of them fit, writes the new balances with their {@code seq}, and
 * hands one journal entry, with each user account it moved as it stands after, to {@link LedgerEvents}.
 * It is the only writer of balances, and writes them when flushed ({@link #flush}). Not
 * thread-safe: one instance per task.
 */
public final class Ledger {
    /** A step touches at most two accounts per posting, and the accounts whose room it changes. */
    static final int ACCOUNTS_MAX = 2 * Postings.POSTINGS_MAX + Postings.ROOM_CHANGES_MAX;

    private static final Wallet[] WALLET_OF_TYPE = walletOfType();

    private final KeyValueStore<BalanceKey, Balance> balances;
    /**
     * The balances the steps since the last {@link #flush} wrote, not yet in the store: the steps
     * of one input (a chained trade's steps applied in place, a seller's debit and credit) often
     * touch the same accounts, and each account then costs the store and its changelog one write.
     */
    private final Map<BalanceKey, Balance> written = new LinkedHashMap<>();

    // The working set of one step: the accounts it touches, before and after.
    private final BalanceKey[] keys = new BalanceKey[ACCOUNTS_MAX];
    private final Balance[] before = new Balance[ACCOUNTS_MAX];
    private final long[] available = new long[ACCOUNTS_MAX];
    private final long[] frozen = new long[ACCOUNTS_MAX];
    private final long[] pending = new long[ACCOUNTS_MAX];
    private final long[] incoming = new long[ACCOUNTS_MAX];
    private int accounts;

    public Ledger(KeyValueStore<BalanceKey, Balance> balances) {
        this.balances = balances;
    }

    /** The balance of one account, zero if it never moved. */
    public Balance balance(BalanceKey key) {
        Balance balance = written.get(key);
        if (balance == null) {
            balance = balances.get(key);
        }
        return balance == null ? Balance.ZERO : balance;
    }

    /**
     * Writes what the steps since the last flush changed into the store, each account once. The
     * balance processor flushes after every input and every punctuation, inside the same
     * transaction as the steps' other outputs.
     */
    public void flush() {
        if (written.isEmpty()) {
            return;
        }
        written.forEach(balances::put);
        written.clear();
    }

    /**
     * Applies the postings and room changes as one step, or none of them: returns
     * {@link Outcome#ACCEPTED} after writing, or a rejection (INSUFFICIENT_AVAILABLE/FROZEN/PENDING,
     * AMOUNT_OVERFLOW) having written nothing. An empty step is accepted and writes nothing.
     */
    public Outcome post(Postings postings, Step step, LedgerEvents events) {
        if (postings.size == 0 && postings.roomChanges == 0) {
            return Outcome.ACCEPTED;
        }
        accounts = 0;
        try {
            for (int i = 0; i < postings.size; i++) {
                move(slot(postings.debit[i]), postings.debitBucket[i], -postings.amount[i]);
                move(slot(postings.credit[i]), postings.creditBucket[i], postings.amount[i]);
            }
            for (int r = 0; r < postings.roomChanges; r++) {
                int a = slot(postings.roomKey[r]);
                long delta = postings.roomDelta[r];
                // Releasing room clamps at zero: a leg sent before room was kept releases none.
                incoming[a] = delta > 0 ? Math.addExact(incoming[a], delta) : Math.max(0, incoming[a] + delta);
            }
        } catch (ArithmeticException overflow) {
            return overflow(postings);
        }
        for (int a = 0; a < accounts; a++) {
            Outcome refused = refusal(a, postings);
            if (refused != null) {
                clear();
                return refused;
            }
        }
        assertConserved(postings);
        write(postings, step, events);
        return Outcome.ACCEPTED;
    }

    private Outcome overflow(Postings postings) {
        clear();
        return Outcome.rejected(Reason.AMOUNT_OVERFLOW, "a balance of " + postings.asset.code() + " would overflow");
    }

    private int slot(BalanceKey key) {
        for (int a = 0; a < accounts; a++) {
            if (keys[a].equals(key)) {
                return a;
            }
        }
        Balance current = balance(key);
        keys[accounts] = key;
        before[accounts] = current;
        available[accounts] = current.available();
        frozen[accounts] = current.frozen();
        pending[accounts] = current.pending();
        incoming[accounts] = current.incoming();
        return accounts++;
    }

    private void move(int a, Bucket bucket, long delta) {
        if (isSystem(keys[a])) {
            // A task's share of a system account: kept modulo 2^64 (see Balance), never refused.
            available[a] += delta;
            return;
        }
        switch (bucket) {
            case AVAILABLE -> available[a] = Math.addExact(available[a], delta);
            case FROZEN -> frozen[a] = Math.addExact(frozen[a], delta);
            case PENDING -> pending[a] = Math.addExact(pending[a], delta);
            default -> throw new IllegalStateException("unknown bucket " + bucket);
        }
    }

    /** Why account {@code a} cannot take the step: a bucket short, or more than a long can hold with the room it keeps. */
    private Outcome refusal(int a, Postings postings) {
        if (isSystem(keys[a])) {
            return null;
        }
        String account = keys[a].type() + " of " + postings.asset.code();
        if (available[a] < 0) {
            return Outcome.rejected(Reason.INSUFFICIENT_AVAILABLE, account + ": available " + before[a].available() + " is short by " + -available[a]);
        }
        if (frozen[a] < 0) {
            return Outcome.rejected(Reason.INSUFFICIENT_FROZEN, account + ": frozen " + before[a].frozen() + " is short by " + -frozen[a]);
        }
        if (pending[a] < 0) {
            return Outcome.rejected(Reason.INSUFFICIENT_PENDING, account + ": pending " + before[a].pending() + " is short by " + -pending[a]);
        }
        if (grows(a) && !fitsInLong(available[a], frozen[a], pending[a], incoming[a])) {
            return Outcome.rejected(Reason.AMOUNT_OVERFLOW, keys[a].type() + " account of asset " + keys[a].assetId()
                    + " cannot hold more: its balance and the room kept for trades in flight would exceed " + Long.MAX_VALUE);
        }
        return null;
    }

    /** Whether the step adds to what account {@code a} holds or keeps room for (every value here is >= 0). */
    private boolean grows(int a) {
        try {
            long delta = Math.addExact(Math.addExact(available[a] - before[a].available(), frozen[a] - before[a].frozen()),
                    Math.addExact(pending[a] - before[a].pending(), incoming[a] - before[a].incoming()));
            return delta > 0;
        } catch (ArithmeticException huge) {
            return true;
        }
    }

    /** Whether the sum of four values, each >= 0, fits in a long. */
    static boolean fitsInLong(long available, long frozen, long pending, long incoming) {
        if (frozen > Long.MAX_VALUE - available) {
            return false;
        }
        long total = available + frozen;
        if (pending > Long.MAX_VALUE - total) {
            return false;
        }
        return incoming <= Long.MAX_VALUE - (total + pending);
    }

    /** Postings move money, they never make it: the touched accounts' total is unchanged. */
    private void assertConserved(Postings postings) {
        long delta = 0;
        for (int a = 0; a < accounts; a++) {
            delta += (available[a] - before[a].available()) + (frozen[a] - before[a].frozen()) + (pending[a] - before[a].pending());
        }
        if (delta != 0) {
            throw new IllegalStateException("postings of " + postings.asset.code() + " do not balance: debits and credits differ by " + delta);
        }
    }

    private void write(Postings postings, Step step, LedgerEvents events) {
        List<BalanceAfter> moved = new ArrayList<>(accounts);
        for (int a = 0; a < accounts; a++) {
            boolean changed = available[a] != before[a].available() || frozen[a] != before[a].frozen() || pending[a] != before[a].pending();
            Balance after = new Balance(available[a], frozen[a], pending[a], changed ? before[a].seq() + 1 : before[a].seq(), incoming[a]);
            if (!isSystem(keys[a]) && (after.available() < 0 || after.frozen() < 0 || after.pending() < 0 || after.incoming() < 0)) {
                throw new IllegalStateException("user balance about to go negative: " + keys[a] + " " + after);
            }
            written.put(keys[a], after);
            if (changed && !isSystem(keys[a])) {
                moved.add(new BalanceAfter(keys[a].ownerId(), WALLET_OF_TYPE[keys[a].type().ordinal()], after.available(), after.frozen(),
                        after.pending(), after.seq()));
            }
        }
        if (postings.size > 0) {
            events.journalEntry(journalEntry(postings, step, Instant.ofEpochMilli(step.timeMs()), moved));
        }
        clear();
    }

    private void clear() {
        for (int a = 0; a < accounts; a++) {
            keys[a] = null;
            before[a] = null;
        }
        accounts = 0;
    }

    private static JournalEntry journalEntry(Postings postings, Step step, Instant at, List<BalanceAfter> moved) {
        List<Posting> list = new ArrayList<>(postings.size);
        for (int i = 0; i < postings.size; i++) {
            list.add(new Posting(account(postings.debit[i], postings.debitBucket[i]), account(postings.credit[i], postings.creditBucket[i]),
                    postings.asset.code(), postings.asset.id(), postings.amount[i]));
        }
        return new JournalEntry(step.entryId(), step.commandId(), step.kind(), step.userId(), list, at, moved);
    }

    private static Account account(BalanceKey key, Bucket bucket) {
        return new Account(key.ownerId(), key.type(), bucket);
    }

    static boolean isSystem(BalanceKey key) {
        return key.ownerId() == BalanceKey.SYSTEM_OWNER;
    }

    private static Wallet[] walletOfType() {
        Wallet[] wallets = new Wallet[AccountType.values().length];
        wallets[AccountType.FUNDING.ordinal()] = Wallet.FUNDING;
        wallets[AccountType.SPOT.ordinal()] = Wallet.SPOT;
        return wallets;
    }

    /** The account type of a user's wallet. */
    public static AccountType accountOf(Wallet wallet) {
        return wallet == Wallet.FUNDING ? AccountType.FUNDING : AccountType.SPOT;
    }
}
