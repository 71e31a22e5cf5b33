package io.settlement.app.ops;

import io.settlement.avro.SettlementResult;
import io.settlement.contract.Topic;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts what settlement.results holds rather than what the topology forwarded: a
 * {@code read_committed} consumer of the topic, in its own group {@code <application.id>-result-metrics}
 * so the instances of one application share its partitions and each result is counted by one of
 * them. Counting as the topology forwards would count a result again each time an aborted
 * transaction is processed again; an aborted result never reaches this consumer.
 *
 * <p>Offsets are committed after each batch is counted (and on revocation and close), so a
 * partition that moves to another instance resumes where it was counted. A group with no offsets
 * yet starts at the earliest retained result: the first deployment counts what the topic already
 * holds once. An instance that dies without closing may have counted up to one batch that its
 * successor counts again.
 */
public final class CommittedResults implements AutoCloseable {
    /** The consumer group's suffix after the application id. */
    public static final String GROUP_SUFFIX = "-result-metrics";
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(CommittedResults.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Deserializer<SettlementResult> values;
    private final String topic;
    private final ResultCounter counter;
    private final Thread thread;

    private CommittedResults(KafkaConsumer<byte[], byte[]> consumer, Topic<String, SettlementResult> results, ResultCounter counter) {
        this.consumer = consumer;
        this.values = results.valueSerde().deserializer();
        this.topic = results.name();
        this.counter = counter;
        this.thread = new Thread(this::run, "settlement-result-metrics");
        this.thread.setDaemon(true);
    }

    /**
     * Starts counting {@code results} into {@code counter}; {@code clientProperties} are the Kafka
     * client settings (bootstrap servers, security) the app's other clients use.
     */
    public static CommittedResults start(Properties clientProperties, String applicationId, Topic<String, SettlementResult> results,
                                         ResultCounter counter) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, applicationId + GROUP_SUFFIX);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, applicationId + GROUP_SUFFIX);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        CommittedResults committed = new CommittedResults(new KafkaConsumer<>(props), results, counter);
        committed.thread.start();
        return committed;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // The next owner resumes from here: what this instance counted is not counted again.
                    consumer.commitSync();
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
            });
            while (true) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    count(record);
                }
                if (!records.isEmpty()) {
                    consumer.commitAsync();
                }
            }
        } catch (WakeupException e) {
            // close() asked this thread to stop
        } catch (RuntimeException e) {
            log.error("settlement_results_total stopped counting: the results consumer failed", e);
        } finally {
            try {
                consumer.commitSync(CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                log.warn("could not commit the counted results' offsets on close: {}", e.toString());
            }
            consumer.close(CLOSE_TIMEOUT);
        }
    }

    private void count(ConsumerRecord<byte[], byte[]> record) {
        SettlementResult result;
        try {
            result = values.deserialize(record.topic(), record.headers(), record.value());
        } catch (RuntimeException e) {
            // Only the topology writes this topic; an unreadable record is not a result to count, nor a reason to stop.
            log.warn("an unreadable record at {}-{}@{} is not counted: {}", record.topic(), record.partition(), record.offset(), e.toString());
            return;
        }
        if (result != null) {
            counter.count(result);
        }
    }

    /** Stops counting, commits what was counted and closes the consumer. */
    @Override
    public void close() {
        consumer.wakeup();
        try {
            thread.join(CLOSE_TIMEOUT.toMillis() * 2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
