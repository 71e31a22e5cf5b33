package io.settlement.topology.trade;

import io.settlement.topology.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The headers of a trade-path record sent to settlement.dlq, named like the balance path's
 * ({@link DeadLetterHeaders}): where the record came from, the reason code and an explanation.
 */
final class TradeDeadLetters {
    private TradeDeadLetters() {}

    static Headers headers(ProcessorContext<?, ?> context, String reason, String message) {
        Headers headers = new RecordHeaders();
        context.recordMetadata().ifPresent(metadata -> source(headers, metadata));
        put(headers, DeadLetterHeaders.REASON, reason);
        put(headers, DeadLetterHeaders.MESSAGE, message);
        return headers;
    }

    private static void source(Headers headers, RecordMetadata metadata) {
        put(headers, DeadLetterHeaders.TOPIC, metadata.topic());
        put(headers, DeadLetterHeaders.PARTITION, Integer.toString(metadata.partition()));
        put(headers, DeadLetterHeaders.OFFSET, Long.toString(metadata.offset()));
    }

    private static void put(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
