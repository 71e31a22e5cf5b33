package io.settlement.app;

import io.settlement.sink.tigerbeetle.StoreBalance;
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
    /** How long reading the changelog to its end may take. */
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(120);
    /** One poll's wait. */
    static final Duration POLL_TIMEOUT = Duration.ofMillis(500);

    private StoreBalances() {}

    /** The changelog topic of the balances store of {@code applicationId} (Kafka Streams' naming). */
    public static String changelogTopic(String applicationId) {
        return applicationId + "-" + StoreNames.BALANCES + "-changelog";
    }

    /**
     * Reads every account, sorted by owner, type and asset (system shares by partition).
     *
     * @throws IllegalArgumentException when the changelog topic does not exist (wrong {@code application.id}, or no instance ever ran)
     * @throws IllegalStateException when the changelog cannot be read to its end within {@link #READ_TIMEOUT}
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
        String topic = changelogTopic(settings.applicationId());
        Properties props = new Properties();
        props.putAll(settings.kafkaClientProperties());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        Map<TopicPartition, Map<BalanceKey, Balance>> accounts = new HashMap<>();
        SortedMap<Integer, Long> cut = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, READ_TIMEOUT);
            if (partitions == null || partitions.isEmpty()) {
                throw new IllegalArgumentException("no topic " + topic + " on " + settings.bootstrapServers()
                        + ": is application.id right (" + settings.applicationId() + "), and has an instance run?");
            }
            List<TopicPartition> assigned = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, READ_TIMEOUT);
            ends.forEach((partition, end) -> cut.put(partition.partition(), end));
            while (!atEnd(consumer, ends)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + READ_TIMEOUT);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL_TIMEOUT)) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() >= ends.get(partition)) {
                        // Past the cut: committed after the end offsets were taken; not part of this read.
                        continue;
                    }
                    BalanceKey key = BalanceKey.fromBytes(record.key());
                    Map<BalanceKey, Balance> ofPartition = accounts.computeIfAbsent(partition, p -> new HashMap<>());
                    if (record.value() == null) {
                        ofPartition.remove(key);
                    } else {
                        ofPartition.put(key, Balance.SERDE.deserializer().deserialize(topic, record.value()));
                    }
                }
            }
        }
        List<StoreBalance> rows = new ArrayList<>();
        accounts.values().forEach(ofPartition -> ofPartition.forEach((key, balance) -> rows.add(new StoreBalance(
                key.ownerId(), key.type(), key.assetId(), balance.available(), balance.frozen(), balance.pending(), balance.seq()))));
        rows.sort(Comparator.comparingLong(StoreBalance::ownerId).thenComparing(StoreBalance::type)
                .thenComparingInt(StoreBalance::assetId));
        return new AtCut(cut, rows);
    }

    private static boolean atEnd(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }
}
