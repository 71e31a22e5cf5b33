package io.settlement.topology;

import java.util.Objects;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/**
 * Kafka Streams' log-and-continue deserialization handler (which sends the unreadable record to
 * the dead-letter topic, KIP-1034), except when reading failed for a transient reason outside the
 * record (a {@link RetriableException}, such as a schema registry that cannot be reached): the
 * record is fine, so it must not be dead-lettered and skipped. The task fails instead; under
 * exactly-once nothing is committed, and the record is read again when the stream restarts.
 */
public class SettlementDeserializationExceptionHandler extends LogAndContinueExceptionHandler {
    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (Stream.iterate((Throwable) exception, Objects::nonNull, Throwable::getCause).anyMatch(RetriableException.class::isInstance)) {
            return Response.fail();
        }
        return super.handleError(context, record, exception);
    }
}
