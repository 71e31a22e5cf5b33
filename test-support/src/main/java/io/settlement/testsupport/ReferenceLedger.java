package io.settlement.testsupport;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The balances the tests expect, kept apart from the engine: every account (owner, wallet,
 * asset) with its three buckets, in minor units, moved with exact arithmetic (an overflow throws).
 * Owners are user ids, or {@link #SYSTEM} for the system accounts (wallets such as
 * {@code EXTERNAL}, {@code CLEARING} and {@code FEES}). It knows no rules: a test's model decides
 * what a command, a trade or a leg does, and books it here; the tests then compare what the engine
 * shows with {@link #available}, {@link #frozen}, {@link #pending} or {@link #accounts}.
 *
 * <p>Thread-safe: concurrent producers may book while the test reads. Wallet and asset are names
 * ({@code "SPOT"}, {@code "BTC"}); a test that works with asset ids books their text.
 */
public final class ReferenceLedger {
    /** The owner of the system accounts. */
    public static final long SYSTEM = 0;

    /** One account. */
    public record Account(long owner, String wallet, String asset) implements Comparable<Account> {
        @Override
        public int compareTo(Account other) {
            int byOwner = Long.compare(owner, other.owner);
            if (byOwner != 0) {
                return byOwner;
            }
            int byWallet = wallet.compareTo(other.wallet);
            return byWallet != 0 ? byWallet : asset.compareTo(other.asset);
        }
    }

    /** An account's buckets. */
    public record Buckets(long available, long frozen, long pending) {
        public static final Buckets ZERO = new Buckets(0, 0, 0);

        public long total() {
            return Math.addExact(Math.addExact(available, frozen), pending);
        }

        Buckets plus(Buckets delta) {
            return new Buckets(Math.addExact(available, delta.available), Math.addExact(frozen, delta.frozen),
                    Math.addExact(pending, delta.pending));
        }
    }

    private final Map<Account, Buckets> accounts = new ConcurrentHashMap<>();
    /** Whether a user bucket may go below zero; false: the booking that would do it throws. */
    private final boolean negativeUserBuckets;

    private ReferenceLedger(boolean negativeUserBuckets) {
        this.negativeUserBuckets = negativeUserBuckets;
    }

    /** A ledger in which no user bucket may go below zero: a booking that would do it throws. */
    public static ReferenceLedger nonNegative() {
        return new ReferenceLedger(false);
    }

    /** A ledger that books whatever it is told (a model that checks its own rules, or counts what it expects). */
    public static ReferenceLedger unchecked() {
        return new ReferenceLedger(true);
    }

    /** Adds {@code amount} (negative: takes it) to the available bucket. */
    public void addAvailable(long owner, String wallet, String asset, long amount) {
        book(new Account(owner, wallet, asset), new Buckets(amount, 0, 0));
    }

    /** Adds {@code amount} (negative: takes it) to the frozen bucket. */
    public void addFrozen(long owner, String wallet, String asset, long amount) {
        book(new Account(owner, wallet, asset), new Buckets(0, amount, 0));
    }

    /** Adds {@code amount} (negative: takes it) to the pending bucket. */
    public void addPending(long owner, String wallet, String asset, long amount) {
        book(new Account(owner, wallet, asset), new Buckets(0, 0, amount));
    }

    /** Lists the account (zero when new) among {@link #accounts()}, so a comparison over them covers it. */
    public void touch(long owner, String wallet, String asset) {
        book(new Account(owner, wallet, asset), Buckets.ZERO);
    }

    /** Moves {@code amount} from available to frozen in one account (negative: back). */
    public void freeze(long owner, String wallet, String asset, long amount) {
        book(new Account(owner, wallet, asset), new Buckets(-amount, amount, 0));
    }

    /** Moves {@code amount} of available from one wallet of {@code owner} to another. */
    public void transfer(long owner, String from, String to, String asset, long amount) {
        addAvailable(owner, from, asset, -amount);
        addAvailable(owner, to, asset, amount);
    }

    /** Adds {@code amount} to a system account (available; system accounts may be negative). */
    public void addSystem(String wallet, String asset, long amount) {
        addAvailable(SYSTEM, wallet, asset, amount);
    }

    /** Adds {@code delta} to the account; a booking that throws leaves it as it was. */
    private void book(Account account, Buckets delta) {
        accounts.compute(account, (key, before) -> {
            Buckets after = (before == null ? Buckets.ZERO : before).plus(delta);
            if (!negativeUserBuckets && account.owner() != SYSTEM
                    && (after.available() < 0 || after.frozen() < 0 || after.pending() < 0)) {
                throw new IllegalStateException("model account " + account + " would be negative: " + after);
            }
            return after;
        });
    }

    public Buckets buckets(long owner, String wallet, String asset) {
        return accounts.getOrDefault(new Account(owner, wallet, asset), Buckets.ZERO);
    }

    public long available(long owner, String wallet, String asset) {
        return buckets(owner, wallet, asset).available();
    }

    public long frozen(long owner, String wallet, String asset) {
        return buckets(owner, wallet, asset).frozen();
    }

    public long pending(long owner, String wallet, String asset) {
        return buckets(owner, wallet, asset).pending();
    }

    /** A system account's balance. */
    public long system(String wallet, String asset) {
        return available(SYSTEM, wallet, asset);
    }

    /** Every account booked so far (a snapshot, ordered by owner, wallet, asset), zero ones included. */
    public Map<Account, Buckets> accounts() {
        return new TreeMap<>(accounts);
    }

    /** The accounts that {@code which} selects. */
    public Map<Account, Buckets> accounts(Predicate<Account> which) {
        Map<Account, Buckets> selected = new TreeMap<>();
        accounts.forEach((account, buckets) -> {
            if (which.test(account)) {
                selected.put(account, buckets);
            }
        });
        return selected;
    }

    /** The sum of every bucket of every account, per asset; zero for each asset when system accounts are booked too. */
    public Map<String, Long> totalPerAsset(Predicate<Account> which) {
        Map<String, Long> totals = new TreeMap<>();
        accounts.forEach((account, buckets) -> {
            if (which.test(account)) {
                totals.merge(account.asset(), buckets.total(), Math::addExact);
            }
        });
        return totals;
    }
}
