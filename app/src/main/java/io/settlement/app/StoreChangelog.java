package io.settlement.app;

import java.time.Duration;
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
 * Reads a state store of a deployment from its changelog topic
 * {@code <application.id>-<store>-changelog}, for the operator commands that need every
 * partition's state without a running instance (reconcile, the liabilities snapshot, the overdue
 * orders). Reads with read_committed up to one cut: the end offsets recorded before reading
 * (with read_committed, the last stable offsets: no transaction left open below them), so the
 * state it hands over is one consistent cut of the store, whatever is committed meanwhile.
 */
final class StoreChangelog {
    /** How long reading a changelog to its end may take. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(120);
    /** One poll's wait. */
    static final Duration POLL_TIMEOUT = Duration.ofMillis(500);

    /** One changelog record below the cut, in offset order per partition; a null value deletes the key. */
    interface Visitor {
        void record(int partition, byte[] key, byte[] value);
    }

    private StoreChangelog() {}

    /** The changelog topic of {@code store} of {@code applicationId} (Kafka Streams' naming). */
    static String topic(String applicationId, String store) {
        return applicationId + "-" + store + "-changelog";
    }

    /**
     * Hands every record below the cut to {@code visitor} and returns the cut (partition -> end offset).
     *
     * @throws IllegalArgumentException when the changelog topic does not exist (wrong {@code application.id}, or no instance ever ran)
     * @throws IllegalStateException when the changelog cannot be read to the cut within {@link #READ_TIMEOUT}
     */
    static SortedMap<Integer, Long> read(AppSettings settings, String store, Visitor visitor) {
        String topic = topic(settings.applicationId(), store);
        Properties props = new Properties();
        props.putAll(settings.kafkaClientProperties());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
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
                    // Past the cut: committed after the end offsets were taken; not part of this read.
                    if (record.offset() < ends.get(new TopicPartition(record.topic(), record.partition()))) {
                        visitor.record(record.partition(), record.key(), record.value());
                    }
                }
            }
        }
        return cut;
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
