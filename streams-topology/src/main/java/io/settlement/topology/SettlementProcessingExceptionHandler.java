package io.settlement.topology;

import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Kafka Streams' log-and-continue processing handler (which sends the failed record to the
 * dead-letter topic, KIP-1034), except for a broken invariant: an {@link IllegalStateException}
 * or an {@link Error} is a bug that must stop the task (exactly-once aborts its transaction, so
 * no half-applied command survives) rather than be skipped.
 */
public class SettlementProcessingExceptionHandler extends LogAndContinueProcessingExceptionHandler {
    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (exception instanceof IllegalStateException) {
            return Response.fail();
        }
        return super.handleError(context, record, exception);
    }
}
