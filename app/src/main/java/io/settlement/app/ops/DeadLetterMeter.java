package io.settlement.app.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settlement.contract.Topics;
import io.settlement.topology.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Counts every record the topology's producer sends to {@code settlement.dlq} as
 * {@code settlement_dead_letters_total{reason, source_topic}}: the settlement reason of a
 * record the topology refused ({@code WRONG_PARTITION}, {@code NULL_VALUE}, ...), else the simple
 * name of the exception Kafka Streams' own handlers recorded ({@code SerializationException}, ...).
 * One place sees both kinds of dead letter: the records the processors forward and those the
 * runtime's handlers write never pass the same processor, but always the same producer.
 *
 * <p>Installed as the Streams producer's {@code interceptor.classes}; the meter registry comes in
 * the producer configuration under {@link ObservedProcessors#METER_REGISTRY_CONFIG}. A record is
 * counted when it is sent: a transaction that aborts and is processed again counts it again.
 */
public final class DeadLetterMeter implements ProducerInterceptor<byte[], byte[]> {
    private MeterRegistry registry = new SimpleMeterRegistry();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(ObservedProcessors.METER_REGISTRY_CONFIG) instanceof MeterRegistry configured) {
            registry = configured;
        }
    }

    @Override
    public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
        if (Topics.DEAD_LETTERS.equals(record.topic())) {
            count(record.headers());
        }
        return record;
    }

    void count(Headers headers) {
        String reason = header(headers, DeadLetterHeaders.REASON);
        if (reason == null) {
            String exception = header(headers, DeadLetterHeaders.EXCEPTION);
            reason = exception == null ? "UNKNOWN" : exception.substring(exception.lastIndexOf('.') + 1);
        }
        String source = header(headers, DeadLetterHeaders.TOPIC);
        String sourceTopic = source == null ? "unknown" : source;
        String tagReason = reason;
        counters.computeIfAbsent(reason + '|' + sourceTopic, key -> Counter.builder("settlement.dead.letters")
                .description("records sent to settlement.dlq, by reason and source topic")
                .tag("reason", tagReason).tag("source_topic", sourceTopic)
                .register(registry)).increment();
    }

    static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
    }

    @Override
    public void close() {
    }
}
