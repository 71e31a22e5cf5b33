package io.settlement.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

class SettlementProcessingExceptionHandlerTest {
    private final SettlementProcessingExceptionHandler handler = configured();

    @Test
    void brokenInvariantStopsTheTask() {
        ProcessingExceptionHandler.Response response = handler.handleError(context(), new Record<>("k", "v", 0), new IllegalStateException("negative"));

        assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
    }

    @Test
    void otherFailureIsDeadLetteredAndTheStreamGoesOn() {
        ProcessingExceptionHandler.Response response = handler.handleError(context(), new Record<>("k", "v", 0), new IllegalArgumentException("odd"));

        assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).singleElement().satisfies(record -> {
            assertThat(record.topic()).isEqualTo("settlement.dlq");
            assertThat(record.headers().lastHeader(DeadLetterHeaders.EXCEPTION)).isNotNull();
        });
    }

    private static SettlementProcessingExceptionHandler configured() {
        SettlementProcessingExceptionHandler handler = new SettlementProcessingExceptionHandler();
        handler.configure(Map.of("errors.dead.letter.queue.topic.name", "settlement.dlq"));
        return handler;
    }

    private static ErrorHandlerContext context() {
        return new ErrorHandlerContext() {
            public String topic() { return "balance.operations"; }
            public int partition() { return 0; }
            public long offset() { return 1; }
            public Headers headers() { return new RecordHeaders(); }
            public String processorNodeId() { return "balance-processor"; }
            public TaskId taskId() { return new TaskId(0, 0); }
            public long timestamp() { return 0; }
            public byte[] sourceRawKey() { return new byte[8]; }
            public byte[] sourceRawValue() { return new byte[] {1}; }
        };
    }
}
