package io.settlement.topology.balance;

import io.settlement.avro.Account;
import io.settlement.avro.AccountType;
import io.settlement.avro.BalanceEvent;
import io.settlement.avro.Bucket;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.Posting;
import io.settlement.avro.Reason;
import io.settlement.avro.Wallet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The double-entry book of one balance task over the {@code balances} store. It checks a step's
 * {@link Postings} against the current balances (no user bucket may go negative, no amount may
 * overflow), and only if all of them fit, writes the new balances with their {@code seq}, and
 * hands one journal entry and one balance event per touched user account to {@link LedgerEvents}.
 * It is the only writer of balances. Not thread-safe: one instance per task.
 */
public final class Ledger {
    /** A step touches at most two accounts per posting. */
    static final int ACCOUNTS_MAX = 2 * Postings.POSTINGS_MAX;

    private static final Wallet[] WALLET_OF_TYPE = walletOfType();

    private final KeyValueStore<BalanceKey, Balance> balances;

    // The working set of one step: the accounts it touches, before and after.
    private final BalanceKey[] keys = new BalanceKey[ACCOUNTS_MAX];
    private final Balance[] before = new Balance[ACCOUNTS_MAX];
    private final long[] available = new long[ACCOUNTS_MAX];
    private final long[] frozen = new long[ACCOUNTS_MAX];
    private final long[] pending = new long[ACCOUNTS_MAX];
    private int accounts;

    public Ledger(KeyValueStore<BalanceKey, Balance> balances) {
        this.balances = balances;
    }

    /** The balance of one account, zero if it never moved. */
    public Balance balance(BalanceKey key) {
        Balance balance = balances.get(key);
        return balance == null ? Balance.ZERO : balance;
    }

    /**
     * Applies the postings as one step, or none of them: returns {@link Outcome#ACCEPTED} after
     * writing, or a rejection (INSUFFICIENT_AVAILABLE/FROZEN/PENDING, AMOUNT_OVERFLOW) having
     * written nothing. Empty postings are accepted and write nothing.
     */
    public Outcome post(Postings postings, Step step, LedgerEvents events) {
        if (postings.size == 0) {
            return Outcome.ACCEPTED;
        }
        accounts = 0;
        try {
            for (int i = 0; i < postings.size; i++) {
                move(slot(postings.debit[i]), postings.debitBucket[i], -postings.amount[i]);
                move(slot(postings.credit[i]), postings.creditBucket[i], postings.amount[i]);
            }
        } catch (ArithmeticException overflow) {
            return Outcome.rejected(Reason.AMOUNT_OVERFLOW, "a balance of " + postings.asset.code() + " would overflow");
        }
        for (int a = 0; a < accounts; a++) {
            Outcome shortfall = shortfall(a, postings);
            if (shortfall != null) {
                return shortfall;
            }
        }
        assertConserved(postings);
        write(postings, step, events);
        return Outcome.ACCEPTED;
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
        return accounts++;
    }

    private void move(int a, Bucket bucket, long delta) {
        switch (bucket) {
            case AVAILABLE -> available[a] = Math.addExact(available[a], delta);
            case FROZEN -> frozen[a] = Math.addExact(frozen[a], delta);
            case PENDING -> pending[a] = Math.addExact(pending[a], delta);
            default -> throw new IllegalStateException("unknown bucket " + bucket);
        }
    }

    private Outcome shortfall(int a, Postings postings) {
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
        return null;
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
        Instant at = Instant.ofEpochMilli(step.timeMs());
        events.journalEntry(journalEntry(postings, step, at));
        for (int a = 0; a < accounts; a++) {
            Balance after = new Balance(available[a], frozen[a], pending[a], before[a].seq() + 1);
            if (!isSystem(keys[a]) && (after.available() < 0 || after.frozen() < 0 || after.pending() < 0)) {
                throw new IllegalStateException("user balance about to go negative: " + keys[a] + " " + after);
            }
            balances.put(keys[a], after);
            if (!isSystem(keys[a])) {
                events.balanceChanged(balanceEvent(keys[a], before[a], after, postings, step, at));
            }
            keys[a] = null;
            before[a] = null;
        }
        accounts = 0;
    }

    private static JournalEntry journalEntry(Postings postings, Step step, Instant at) {
        List<Posting> list = new ArrayList<>(postings.size);
        for (int i = 0; i < postings.size; i++) {
            list.add(new Posting(account(postings.debit[i], postings.debitBucket[i]), account(postings.credit[i], postings.creditBucket[i]),
                    postings.asset.code(), postings.asset.id(), postings.amount[i]));
        }
        return new JournalEntry(step.entryId(), step.commandId(), step.kind(), step.userId(), list, at);
    }

    private static Account account(BalanceKey key, Bucket bucket) {
        return new Account(key.ownerId(), key.type(), bucket);
    }

    private static BalanceEvent balanceEvent(BalanceKey key, Balance before, Balance after, Postings postings, Step step, Instant at) {
        return new BalanceEvent(key.ownerId(), WALLET_OF_TYPE[key.type().ordinal()], postings.asset.code(), postings.asset.id(),
                after.available(), after.frozen(), after.pending(), after.seq(),
                after.available() - before.available(), after.frozen() - before.frozen(), after.pending() - before.pending(),
                step.kind(), step.commandId(), step.entryId(), at);
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
