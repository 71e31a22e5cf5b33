package io.settlement.sink.tigerbeetle;

import io.settlement.avro.Account;
import io.settlement.avro.AccountType;
import io.settlement.avro.Bucket;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.Posting;
import io.settlement.sink.tigerbeetle.reconcile.StoreBalance;
import io.settlement.testsupport.ReferenceLedger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Balance-store rows as the balance tasks keep them: per task, user rows and the task's own share
 * of each system account (owner 0; docs/topology.md, "Orders and their fills"). Applies
 * journal entries posting by posting: credit adds, debit subtracts, in the bucket named. This
 * module's tests' stand-in for the topology's stores (the sink does not depend on the topology); it
 * keeps the per-task system shares because reconcile must sum them to compare with TigerBeetle's
 * one account per system account and asset. Each task's rows are a {@link ReferenceLedger}.
 */
final class StoreModel {
    /** Each task's rows, in the order the tasks first appear: one reference ledger per task. */
    private final Map<Integer, ReferenceLedger> tasks = new LinkedHashMap<>();

    /** Applies an entry in the task that owns its user. */
    void apply(int task, JournalEntry entry) {
        ReferenceLedger rows = tasks.computeIfAbsent(task, t -> ReferenceLedger.unchecked());
        for (Posting posting : entry.getPostings()) {
            move(rows, posting.getDebit(), posting.getAssetId(), -posting.getAmount());
            move(rows, posting.getCredit(), posting.getAssetId(), posting.getAmount());
        }
    }

    private static void move(ReferenceLedger rows, Account account, int asset, long amount) {
        long owner = account.getOwnerId();
        String wallet = account.getType().name();
        String assetId = String.valueOf(asset);
        if (account.getBucket() == Bucket.AVAILABLE) {
            rows.addAvailable(owner, wallet, assetId, amount);
        } else if (account.getBucket() == Bucket.FROZEN) {
            rows.addFrozen(owner, wallet, assetId, amount);
        } else {
            rows.addPending(owner, wallet, assetId, amount);
        }
    }

    /** Every row of every task, system shares one row per task, as the API and IQ would list them. */
    List<StoreBalance> rows() {
        List<StoreBalance> list = new ArrayList<>();
        tasks.values().forEach(rows -> rows.accounts().forEach((row, buckets) -> list.add(new StoreBalance(row.owner(),
                AccountType.valueOf(row.wallet()), Integer.parseInt(row.asset()), buckets.available(), buckets.frozen(), buckets.pending()))));
        return list;
    }
}
