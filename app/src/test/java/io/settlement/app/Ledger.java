package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.BalanceEvent;
import io.settlement.avro.JournalEntry;
import io.settlement.contract.BalanceEvents;
import io.settlement.avro.SettlementResult;
import io.settlement.sink.tigerbeetle.reconcile.StoreBalance;
import io.settlement.topology.StoreNames;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import io.settlement.topology.balance.ResultRules;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The ledger as the running instances hold it (their {@code balances} stores) and as the output
 * topics tell it, with the invariants (docs/topology.md, "Invariants") checked over both.
 */
final class Ledger {
    private Ledger() {}

    /** Every account of every active task of the given instances. */
    static Map<BalanceKey, Balance> balances(List<SettlementApp> instances) {
        Map<BalanceKey, Balance> all = new HashMap<>();
        Map<BalanceKey, Long> system = new HashMap<>();
        for (SettlementApp instance : instances) {
            ReadOnlyKeyValueStore<BalanceKey, Balance> store = instance.streams().store(
                    StoreQueryParameters.fromNameAndType(StoreNames.BALANCES, QueryableStoreTypes.<BalanceKey, Balance>keyValueStore()));
            try (KeyValueIterator<BalanceKey, Balance> iterator = store.all()) {
                iterator.forEachRemaining(entry -> {
                    if (entry.key.ownerId() == BalanceKey.SYSTEM_OWNER) {
                        // Each task holds its share of a system account, kept modulo 2^64; the global balance is the sum.
                        system.merge(entry.key, entry.value.available(), Long::sum);
                    } else {
                        assertThat(all.put(entry.key, entry.value)).as("%s held by two tasks", entry.key).isNull();
                    }
                });
            }
        }
        system.forEach((key, available) -> all.put(key, new Balance(available, 0, 0, 0)));
        return all;
    }

    /** The user accounts of one user, by key. */
    static Map<BalanceKey, Balance> userBalances(List<SettlementApp> instances, long userId) {
        Map<BalanceKey, Balance> user = new TreeMap<>(java.util.Comparator.comparing(BalanceKey::toString));
        balances(instances).forEach((key, balance) -> {
            if (key.ownerId() == userId) {
                user.put(key, balance);
            }
        });
        return user;
    }

    /**
     * Every account as the {@code balances} changelog holds it, committed state only, read from
     * the broker (for instances in other JVMs): each balance task's share of a system account summed.
     */
    static Map<BalanceKey, Balance> fromChangelog(AppSettings settings) {
        Map<BalanceKey, Balance> all = new HashMap<>();
        for (StoreBalance row : StoreBalances.read(settings)) {
            BalanceKey key = new BalanceKey(row.ownerId(), row.type(), row.assetId());
            Balance balance = new Balance(row.available(), row.frozen(), row.pending(), row.seq());
            all.merge(key, balance, (a, b) -> {
                assertThat(key.ownerId()).as("%s held by two tasks", key).isEqualTo(BalanceKey.SYSTEM_OWNER);
                return new Balance(a.available() + b.available(), 0, 0, 0); // shares kept modulo 2^64: the sum is the balance
            });
        }
        return all;
    }

    /** Invariants (1) and (2) below over every account: no user bucket negative, every asset summing to zero. */
    static void assertBalanceInvariants(Map<BalanceKey, Balance> balances) {
        Map<Integer, Long> sumPerAsset = new HashMap<>();
        balances.forEach((key, balance) -> {
            if (key.ownerId() != BalanceKey.SYSTEM_OWNER) {
                assertThat(balance.available()).as("available of %s", key).isNotNegative();
                assertThat(balance.frozen()).as("frozen of %s", key).isNotNegative();
                assertThat(balance.pending()).as("pending of %s", key).isNotNegative();
            }
            sumPerAsset.merge(key.assetId(), balance.available() + balance.frozen() + balance.pending(), Long::sum);
        });
        sumPerAsset.forEach((asset, sum) -> assertThat(sum).as("sum over all accounts of asset %d", asset).isZero());
    }

    /**
     * The invariants (docs/topology.md): (1) no user bucket is negative; (2) per asset all accounts, system
     * included, sum to zero; (3) no command id has two different lasting results; and the latest
     * balance of every user account in the journal (the entries' balances) equals the store.
     */
    static void assertInvariants(List<SettlementApp> instances, TopicTail<String, SettlementResult> results,
            TopicTail<Long, JournalEntry> journal) {
        Map<BalanceKey, Balance> balances = balances(instances);
        assertBalanceInvariants(balances);

        Map<String, Set<SettlementResult>> lasting = new HashMap<>();
        for (ConsumerRecord<String, SettlementResult> record : results.records()) {
            if (ResultRules.claimsId(record.value().getKind(), record.value().getReason())) {
                lasting.computeIfAbsent(record.key(), k -> new HashSet<>()).add(record.value());
            }
        }
        lasting.forEach((key, distinct) -> assertThat(distinct).as("distinct results of %s", key).hasSize(1));

        Map<String, BalanceEvent> latest = new HashMap<>();
        for (BalanceEvent event : journal.values().stream().flatMap(entry -> BalanceEvents.of(entry).stream()).toList()) {
            latest.merge(event.getUserId() + "/" + event.getWallet() + "/" + event.getAssetId(), event,
                    (a, b) -> a.getSeq() >= b.getSeq() ? a : b);
        }
        balances.forEach((key, balance) -> {
            if (key.ownerId() != BalanceKey.SYSTEM_OWNER) {
                BalanceEvent event = latest.get(key.ownerId() + "/" + key.type() + "/" + key.assetId());
                assertThat(event).as("a balance event for %s", key).isNotNull();
                assertThat(new Balance(event.getAvailable(), event.getFrozen(), event.getPending(), event.getSeq()))
                        .as("latest balance event of %s", key).isEqualTo(balance);
            }
        });
    }
}
