package io.settlement.http;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.TransferRequest;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A {@link CommandPublisher} over a Kafka producer. It serializes keys and values with the
 * topics' own serdes and chooses the partition itself with the contract's {@link UserPartitioner}
 * (the partitioning rule: never a client default), so a command always lands on the partition whose task owns
 * its user. It owns the producer and closes it.
 */
public final class KafkaCommandPublisher implements CommandPublisher, MeterBinder {
    /** How long one publish may wait for the broker's acknowledgement. */
    public static final long PUBLISH_TIMEOUT_MS = 5_000;

    private final Producer<byte[], byte[]> producer;
    private KafkaClientMetrics producerMetrics;
    private final Topics topics;
    private final Duration publishTimeout;
    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();

    public KafkaCommandPublisher(Producer<byte[], byte[]> producer, Topics topics, Duration publishTimeout) {
        this.producer = producer;
        this.topics = topics;
        this.publishTimeout = publishTimeout;
    }

    /**
     * A publisher with its own idempotent producer ({@code acks=all}); {@code producerConfig} needs
     * at least {@code bootstrap.servers} and may override anything else.
     */
    public static KafkaCommandPublisher create(Map<String, Object> producerConfig, Topics topics) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) PUBLISH_TIMEOUT_MS);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) PUBLISH_TIMEOUT_MS);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, PUBLISH_TIMEOUT_MS);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "settlement-http-api");
        config.putAll(producerConfig);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaCommandPublisher(new KafkaProducer<>(config), topics, Duration.ofMillis(PUBLISH_TIMEOUT_MS));
    }

    @Override
    public void publishTransfer(TransferRequest request) {
        publish(topics.transferRequests(), request.getUserId(), request);
    }

    @Override
    public void publishBalanceOperation(BalanceOperation operation) {
        publish(topics.balanceOperations(), operation.getUserId(), operation);
    }

    private <V> void publish(Topic<Long, V> topic, long userId, V value) {
        byte[] key = topic.keySerde().serializer().serialize(topic.name(), userId);
        byte[] bytes = topic.valueSerde().serializer().serialize(topic.name(), value);
        try {
            int partition = UserPartitioner.partitionOf(key, partitionCount(topic.name()));
            producer.send(new ProducerRecord<>(topic.name(), partition, key, bytes))
                    .get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("interrupted while publishing to " + topic.name(), e);
        } catch (ExecutionException e) {
            throw new PublishException("publishing to " + topic.name() + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new PublishException("publishing to " + topic.name() + " took longer than " + publishTimeout.toMillis() + " ms", e);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new PublishException("publishing to " + topic.name() + " failed: " + e, e);
        }
    }

    /**
     * The topic's partition count, read once: the user-keyed topics never change their count
     * (the application refuses to run when they are not co-partitioned).
     */
    private int partitionCount(String topic) {
        return partitionCounts.computeIfAbsent(topic, name -> {
            java.util.List<PartitionInfo> partitions = producer.partitionsFor(name);
            if (partitions == null || partitions.isEmpty()) {
                throw new org.apache.kafka.common.KafkaException("topic " + name + " has no partitions");
            }
            return partitions.size();
        });
    }

    /** Binds the producer's own metrics ({@code kafka_producer_*}, tag {@code client=http-api}) until {@link #close()}. */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        if (producerMetrics == null) {
            producerMetrics = new KafkaClientMetrics(producer, Tags.of("client", "http-api"));
            producerMetrics.bindTo(registry);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (producerMetrics != null) {
                producerMetrics.close();
            }
        }
        producer.close(Duration.ofMillis(PUBLISH_TIMEOUT_MS));
    }
}
