package io.settlement.app;

import io.settlement.sink.tigerbeetle.reconcile.StoreBalance;
import io.settlement.topology.StoreNames;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Every account of the {@code balances} stores of a deployment, for {@code reconcile}: read from
 * the stores' changelog topic {@code <application.id>-balances-changelog} rather than from the
 * instances. Consumes the changelog from the beginning to its end with {@code read_committed};
 * produces one {@link StoreBalance} per user account and one per (balance task, system account),
 * each task's share of a system account (reconcile sums them).
 *
 * <p>Why the changelog: it holds exactly what the stores hold, every partition of every instance,
 * in one read that needs no running instance and no new HTTP route; and read_committed shows only
 * committed state, where an interactive query under exactly-once may see a transaction not yet
 * committed. The latest record per key is the account's balance (a null value deletes it).
 */
public final class StoreBalances {
    private StoreBalances() {}

    /** The changelog topic of the balances store of {@code applicationId} (Kafka Streams' naming). */
    public static String changelogTopic(String applicationId) {
        return StoreChangelog.topic(applicationId, StoreNames.BALANCES);
    }

    /**
     * Reads every account, sorted by owner, type and asset (system shares by partition).
     *
     * @throws IllegalArgumentException when the changelog topic does not exist (wrong {@code application.id}, or no instance ever ran)
     * @throws IllegalStateException when the changelog cannot be read to its end within {@link StoreChangelog#READ_TIMEOUT}
     */
    public static List<StoreBalance> read(AppSettings settings) {
        return readAtCut(settings).rows();
    }

    /**
     * Every account as of one cut: the changelog's end offsets recorded before reading (with
     * read_committed, the last stable offsets: no transaction left open below them), and the rows
     * read up to exactly those offsets. The liabilities snapshot publishes the cut with its roots.
     */
    public record AtCut(SortedMap<Integer, Long> cut, List<StoreBalance> rows) {}

    /** As {@link #read}, with the cut it was read at. */
    public static AtCut readAtCut(AppSettings settings) {
        Map<Integer, Map<BalanceKey, Balance>> accounts = new HashMap<>();
        SortedMap<Integer, Long> cut = StoreChangelog.read(settings, StoreNames.BALANCES, (partition, keyBytes, value) -> {
            BalanceKey key = BalanceKey.fromBytes(keyBytes);
            Map<BalanceKey, Balance> ofPartition = accounts.computeIfAbsent(partition, p -> new HashMap<>());
            if (value == null) {
                ofPartition.remove(key);
            } else {
                ofPartition.put(key, Balance.SERDE.deserializer().deserialize(null, value));
            }
        });
        List<StoreBalance> rows = new ArrayList<>();
        accounts.values().forEach(ofPartition -> ofPartition.forEach((key, balance) -> rows.add(new StoreBalance(
                key.ownerId(), key.type(), key.assetId(), balance.available(), balance.frozen(), balance.pending(), balance.seq()))));
        rows.sort(Comparator.comparingLong(StoreBalance::ownerId).thenComparing(StoreBalance::type)
                .thenComparingInt(StoreBalance::assetId));
        return new AtCut(cut, rows);
    }
}
