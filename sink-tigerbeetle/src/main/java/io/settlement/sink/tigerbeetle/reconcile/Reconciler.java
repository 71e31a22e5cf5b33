package io.settlement.sink.tigerbeetle.reconcile;

import com.tigerbeetle.AccountFlags;
import io.settlement.avro.Bucket;
import io.settlement.sink.tigerbeetle.LedgerAccount;
import io.settlement.sink.tigerbeetle.LedgerAccountKey;
import io.settlement.sink.tigerbeetle.LedgerClient.LedgerBalance;
import io.settlement.sink.tigerbeetle.LedgerClient;
import io.settlement.sink.tigerbeetle.LedgerId;
import io.settlement.sink.tigerbeetle.LedgerMapping;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares the balance stores with TigerBeetle (docs/topology.md, "Invariants", 5). Consumes store
 * rows ({@link StoreBalance}) and looks the same accounts up through a {@link LedgerClient};
 * produces every difference. Each store bucket is one TigerBeetle account ({@link LedgerMapping}):
 * its posted balance must equal the bucket; an account TigerBeetle does not have must be zero in
 * the store. System accounts are one TigerBeetle account per (type, asset) but one share per
 * balance task in the stores, so the shares are summed first. The sink never makes pending
 * transfers, so any pending amount is a difference too, as are flags, ledger or code other than
 * the mapping's.
 *
 * <p>The comparison is meaningful when the sink has caught up with the journal and no command is
 * being applied (otherwise the difference is the sink's lag). Accounts TigerBeetle has but no row
 * names are not seen: pass every user's rows and the system rows of every task.
 */
public final class Reconciler {
    private final LedgerClient ledger;

    public Reconciler(LedgerClient ledger) {
        this.ledger = ledger;
    }

    public List<BalanceDifference> reconcile(Collection<StoreBalance> rows) {
        Map<LedgerAccountKey, BigInteger> expected = expectedBalances(rows);
        List<LedgerAccount> accounts = expected.keySet().stream().map(LedgerMapping::account).toList();
        Map<LedgerId, LedgerBalance> found = new HashMap<>();
        for (LedgerBalance balance : ledger.lookupAccounts(accounts.stream().map(LedgerAccount::id).toList())) {
            found.put(balance.id(), balance);
        }
        List<BalanceDifference> differences = new ArrayList<>();
        for (LedgerAccount account : accounts) {
            BigInteger store = expected.get(account.key());
            LedgerBalance balance = found.get(account.id());
            if (balance == null) {
                if (store.signum() != 0) {
                    differences.add(new BalanceDifference(account.key(), store, null, "missing in TigerBeetle"));
                }
                continue;
            }
            BigInteger posted = balance.postedBalance();
            if (!posted.equals(store)) {
                differences.add(new BalanceDifference(account.key(), store, posted, "balance differs by " + posted.subtract(store)));
            }
            if (balance.debitsPending().signum() != 0 || balance.creditsPending().signum() != 0) {
                differences.add(new BalanceDifference(account.key(), store, posted, "pending amounts in TigerBeetle: debits "
                        + balance.debitsPending() + ", credits " + balance.creditsPending()));
            }
            boolean flagged = AccountFlags.hasDebitsMustNotExceedCredits(balance.flags());
            boolean shouldBeFlagged = AccountFlags.hasDebitsMustNotExceedCredits(account.flags());
            if (flagged != shouldBeFlagged || balance.ledger() != account.ledger() || balance.code() != account.code()) {
                differences.add(new BalanceDifference(account.key(), store, posted, "account definition differs: ledger "
                        + balance.ledger() + ", code " + balance.code() + ", flags " + balance.flags() + "; expected ledger "
                        + account.ledger() + ", code " + account.code() + ", flags " + account.flags()));
            }
        }
        return differences;
    }

    /** Every bucket of every row, system shares summed; a user account given twice is a caller's bug. */
    static Map<LedgerAccountKey, BigInteger> expectedBalances(Collection<StoreBalance> rows) {
        Map<LedgerAccountKey, BigInteger> expected = new LinkedHashMap<>();
        for (StoreBalance row : rows) {
            boolean system = LedgerAccountKey.isSystem(row.type());
            if (system != (row.ownerId() == LedgerAccountKey.SYSTEM_OWNER)) {
                throw new IllegalArgumentException("store row with owner " + row.ownerId() + " and type " + row.type());
            }
            LedgerAccountKey available = new LedgerAccountKey(row.ownerId(), row.type(), row.assetId(), Bucket.AVAILABLE);
            if (!system && expected.containsKey(available)) {
                throw new IllegalArgumentException("store rows name " + available + " twice");
            }
            add(expected, available, row.available());
            add(expected, new LedgerAccountKey(row.ownerId(), row.type(), row.assetId(), Bucket.FROZEN), row.frozen());
            add(expected, new LedgerAccountKey(row.ownerId(), row.type(), row.assetId(), Bucket.PENDING), row.pending());
        }
        // A task's share of a system account is kept modulo 2^64 (money crosses tasks through
        // CLEARING), so the sum of the shares is the global balance modulo 2^64: exact while the
        // asset's supply fits in a long.
        expected.replaceAll((key, sum) -> LedgerAccountKey.isSystem(key.type()) ? BigInteger.valueOf(sum.longValue()) : sum);
        return expected;
    }

    private static void add(Map<LedgerAccountKey, BigInteger> expected, LedgerAccountKey key, long amount) {
        expected.merge(key, BigInteger.valueOf(amount), BigInteger::add);
    }
}
