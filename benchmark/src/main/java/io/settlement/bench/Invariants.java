package io.settlement.bench;

import io.settlement.avro.AccountType;
import io.settlement.topology.StoreNames;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * invariants 1 and 2 (docs/topology.md, "Invariants"), read from the running instance's {@code balances}
 * stores through interactive queries (all partitions: this instance owns them all): no user
 * bucket is negative, and per asset the sum over every account, system accounts of every task
 * included, is zero. It first waits, with a deadline, until no trade is in flight (the global
 * CLEARING balance of every asset is zero), since credit legs may still be travelling when the
 * trade's result is out.
 */
final class Invariants {
    /** How long to wait for in-flight trades to finish clearing. */
    static final long CLEARING_WAIT_MS = 60_000;
    private static final long RETRY_PAUSE_NANOS = 50_000_000;

    record Check(boolean ok, long accounts, long users, Map<Integer, Long> sumByAsset, Map<Integer, Long> clearingByAsset, List<String> violations) {}

    private Invariants() {}

    static Check check(KafkaStreams streams) {
        long deadline = System.currentTimeMillis() + CLEARING_WAIT_MS;
        Check check;
        while (true) {
            try {
                check = read(streams);
                boolean clearingSettled = check.clearingByAsset().values().stream().allMatch(sum -> sum == 0);
                if (clearingSettled || System.currentTimeMillis() > deadline) {
                    break;
                }
            } catch (InvalidStateStoreException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
            }
            LockSupport.parkNanos(RETRY_PAUSE_NANOS);
        }
        return check;
    }

    private static Check read(KafkaStreams streams) {
        ReadOnlyKeyValueStore<BalanceKey, Balance> balances = streams.store(
                StoreQueryParameters.fromNameAndType(StoreNames.BALANCES, QueryableStoreTypes.<BalanceKey, Balance>keyValueStore()));
        Map<Integer, Long> sum = new TreeMap<>();
        Map<Integer, Long> clearing = new TreeMap<>();
        List<String> violations = new ArrayList<>();
        long accounts = 0;
        java.util.Set<Long> users = new java.util.HashSet<>();
        try (KeyValueIterator<BalanceKey, Balance> all = balances.all()) {
            while (all.hasNext()) {
                KeyValue<BalanceKey, Balance> entry = all.next();
                BalanceKey key = entry.key;
                Balance balance = entry.value;
                accounts++;
                // System accounts are per-task shares kept modulo 2^64: plain long addition sums them exactly.
                long total = balance.available() + balance.frozen() + balance.pending();
                sum.merge(key.assetId(), total, Long::sum);
                if (key.type() == AccountType.CLEARING) {
                    clearing.merge(key.assetId(), total, Long::sum);
                }
                if (key.ownerId() != BalanceKey.SYSTEM_OWNER) {
                    users.add(key.ownerId());
                    if (balance.available() < 0 || balance.frozen() < 0 || balance.pending() < 0) {
                        violations.add("negative bucket: " + key + " = " + balance);
                    }
                }
            }
        }
        sum.forEach((asset, total) -> {
            if (total != 0) {
                violations.add("asset " + asset + ": the sum over all accounts is " + total + ", not 0");
            }
        });
        clearing.forEach((asset, total) -> {
            if (total != 0) {
                violations.add("asset " + asset + ": CLEARING holds " + total + " after every trade was answered");
            }
        });
        if (accounts == 0) {
            violations.add("the balances stores are empty");
        }
        return new Check(violations.isEmpty(), accounts, users.size(), sum, clearing, violations.size() > 20 ? violations.subList(0, 20) : violations);
    }
}
