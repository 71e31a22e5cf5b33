package io.settlement.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class SettlementDeserializationExceptionHandlerTest {
    private final SettlementDeserializationExceptionHandler handler = configured();
    private final ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("balance.operations", 0, 1L, new byte[8], new byte[] {0, 0, 0, 0, 9});

    @Test
    void anUnreadableRecordIsDeadLetteredAndTheStreamGoesOn() {
        DeserializationExceptionHandler.Response response = handler.handleError(context(), record, new SerializationException("unknown magic byte"));

        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).singleElement().satisfies(deadLetter -> {
            assertThat(deadLetter.topic()).isEqualTo("settlement.dlq");
            assertThat(deadLetter.value()).isEqualTo(record.value());
        });
    }

    @Test
    void aTransientFailureOutsideTheRecordStopsTheTaskInsteadOfDeadLetteringAGoodRecord() {
        // e.g. the schema registry unreachable: the serde throws a RetriableException, possibly wrapped
        DeserializationExceptionHandler.Response direct = handler.handleError(context(), record, new RetriableException("registry down") { });
        DeserializationExceptionHandler.Response wrapped = handler.handleError(context(), record,
                new IllegalStateException("wrapper", new RetriableException("registry down") { }));

        assertThat(direct.result()).isEqualTo(DeserializationExceptionHandler.Result.FAIL);
        assertThat(direct.deadLetterQueueRecords()).isEmpty();
        assertThat(wrapped.result()).isEqualTo(DeserializationExceptionHandler.Result.FAIL);
    }

    private static SettlementDeserializationExceptionHandler configured() {
        SettlementDeserializationExceptionHandler handler = new SettlementDeserializationExceptionHandler();
        handler.configure(Map.of("errors.dead.letter.queue.topic.name", "settlement.dlq"));
        return handler;
    }

    private static ErrorHandlerContext context() {
        return new ErrorHandlerContext() {
            public String topic() { return "balance.operations"; }
            public int partition() { return 0; }
            public long offset() { return 1; }
            public Headers headers() { return new RecordHeaders(); }
            public String processorNodeId() { return "balance.operations-source"; }
            public TaskId taskId() { return new TaskId(0, 0); }
            public long timestamp() { return 0; }
            public byte[] sourceRawKey() { return new byte[8]; }
            public byte[] sourceRawValue() { return new byte[] {0, 0, 0, 0, 9}; }
        };
    }
}
