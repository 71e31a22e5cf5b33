package io.settlement.bench;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.ToIntFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads an output topic with {@code read_committed} from its end (as of {@link #start}) while a
 * run produces, and tells the run's {@link RunTracker} when each command's result became
 * visible: a result counts once its transaction committed, which is what a client waits for.
 */
final class ResultCollector implements AutoCloseable {
    /** How long one poll may block; bounds how late {@link #close} notices the stop. */
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(50);
    /** How long closing may wait for the collector thread. */
    private static final long JOIN_TIMEOUT_MS = 10_000;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final RunTracker tracker;
    private final ToIntFunction<ConsumerRecord<byte[], byte[]>> slotOf;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    private ResultCollector(KafkaConsumer<byte[], byte[]> consumer, RunTracker tracker, ToIntFunction<ConsumerRecord<byte[], byte[]>> slotOf) {
        this.consumer = consumer;
        this.tracker = tracker;
        this.slotOf = slotOf;
        this.thread = new Thread(this::collect, "bench-result-collector");
        this.thread.setDaemon(true);
    }

    /** Positions at the topic's current end, then collects in the background. */
    static ResultCollector start(String bootstrapServers, String topic, int partitions, RunTracker tracker,
                                 ToIntFunction<ConsumerRecord<byte[], byte[]>> slotOf) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties(bootstrapServers), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> assigned = new java.util.ArrayList<>();
        for (int partition = 0; partition < partitions; partition++) {
            assigned.add(new TopicPartition(topic, partition));
        }
        consumer.assign(assigned);
        consumer.seekToEnd(assigned);
        assigned.forEach(consumer::position);
        ResultCollector collector = new ResultCollector(consumer, tracker, slotOf);
        collector.thread.start();
        return collector;
    }

    static Properties consumerProperties(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase(java.util.Locale.ROOT));
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        return properties;
    }

    private void collect() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL_TIMEOUT)) {
                    tracker.resultRead(slotOf.applyAsInt(record), System.nanoTime());
                }
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(JOIN_TIMEOUT_MS);
        if (failure != null) {
            throw new IllegalStateException("the result collector failed", failure);
        }
    }
}
