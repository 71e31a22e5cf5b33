package io.settlement.bench;

import java.nio.ByteBuffer;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends a workload's prepared records, as fast as the producer takes them or paced at a fixed
 * rate, for at most a given time. Every record carries its slot in header {@value #SLOT_HEADER}
 * (the pass-through ceiling reads it back; the settlement topology answers by command id), so
 * the ceiling and the settlement runs send records of the same size.
 */
final class CommandSender implements AutoCloseable {
    static final String SLOT_HEADER = "bench.slot";
    /** Producer batching like an upstream service's: small linger, the same compression as the topology's outputs. */
    private static final int LINGER_MS = 5;
    private static final int BATCH_BYTES = 64 * 1024;

    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

    CommandSender(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES);
        properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        this.producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Sends the workload's commands to their own topics, or all to {@code topicOverride} (the ceiling).
     *
     * @param ratePerSecond commands per second, or 0 for full speed
     * @param durationMaxNanos stop sending after this long
     * @return how many commands were sent (a prefix of the workload)
     */
    int send(Workload workload, String topicOverride, RunTracker tracker, double ratePerSecond, long durationMaxNanos) {
        long startNanos = System.nanoTime();
        double intervalNanos = ratePerSecond > 0 ? 1e9 / ratePerSecond : 0;
        int sent = 0;
        for (PreparedCommand command : workload.commands()) {
            long now = System.nanoTime();
            if (now - startNanos > durationMaxNanos) {
                break;
            }
            if (intervalNanos > 0) {
                long due = startNanos + (long) (sent * intervalNanos);
                while ((now = System.nanoTime()) < due) {
                    LockSupport.parkNanos(due - now);
                }
            }
            RecordHeaders headers = new RecordHeaders();
            headers.add(SLOT_HEADER, ByteBuffer.allocate(Integer.BYTES).putInt(command.slot()).array());
            String topic = topicOverride != null ? topicOverride : command.topic();
            tracker.sent(command.slot(), System.nanoTime());
            producer.send(new ProducerRecord<>(topic, command.partition(), null, command.key(), command.value(), headers), (metadata, e) -> {
                if (e != null) {
                    failed.incrementAndGet();
                    firstFailure.compareAndSet(null, e);
                }
            });
            sent++;
        }
        producer.flush();
        return sent;
    }

    long failedSends() {
        return failed.get();
    }

    Exception firstFailure() {
        return firstFailure.get();
    }

    static int slotFromHeader(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record) {
        var header = record.headers().lastHeader(SLOT_HEADER);
        return header == null ? -1 : ByteBuffer.wrap(header.value()).getInt();
    }

    @Override
    public void close() {
        producer.close();
    }
}
