package io.settlement.topology.trade;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** The headers that say why a record of the trade path went to settlement.dlq, and where from. */
final class DeadLetterHeaders {
    /** The same names as the balance path's dead letters use. */
    static final String REASON = "settlement.dlq.reason";
    static final String DETAIL = "settlement.dlq.detail";
    static final String SOURCE_TOPIC = "__streams.errors.topic";

    private DeadLetterHeaders() {}

    static Headers of(Headers original, String sourceTopic, String reason, String detail) {
        RecordHeaders headers = new RecordHeaders(original.toArray());
        headers.add(REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(DETAIL, detail.getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_TOPIC, sourceTopic.getBytes(StandardCharsets.UTF_8));
        return headers;
    }
}
