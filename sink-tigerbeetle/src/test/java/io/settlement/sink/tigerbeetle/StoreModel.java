package io.settlement.sink.tigerbeetle;

import io.settlement.avro.Bucket;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.Posting;
import io.settlement.sink.tigerbeetle.reconcile.StoreBalance;
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
 * one account per system account and asset.
 */
final class StoreModel {
    private record Row(int task, long owner, io.settlement.avro.AccountType type, int asset) {}

    private final Map<Row, long[]> rows = new LinkedHashMap<>();

    /** Applies an entry in the task that owns its user. */
    void apply(int task, JournalEntry entry) {
        for (Posting posting : entry.getPostings()) {
            move(task, posting.getDebit(), posting.getAssetId(), -posting.getAmount());
            move(task, posting.getCredit(), posting.getAssetId(), posting.getAmount());
        }
    }

    private void move(int task, io.settlement.avro.Account account, int asset, long amount) {
        long[] buckets = rows.computeIfAbsent(new Row(task, account.getOwnerId(), account.getType(), asset), row -> new long[3]);
        int bucket = account.getBucket() == Bucket.AVAILABLE ? 0 : account.getBucket() == Bucket.FROZEN ? 1 : 2;
        buckets[bucket] = Math.addExact(buckets[bucket], amount);
    }

    /** Every row of every task, system shares one row per task, as the API and IQ would list them. */
    List<StoreBalance> rows() {
        List<StoreBalance> list = new ArrayList<>();
        rows.forEach((row, buckets) -> list.add(new StoreBalance(row.owner(), row.type(), row.asset(), buckets[0], buckets[1], buckets[2])));
        return list;
    }
}
