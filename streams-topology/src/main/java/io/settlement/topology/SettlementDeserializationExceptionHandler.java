package io.settlement.topology;

import io.settlement.contract.UnauthenticatedRecordException;
import java.nio.charset.StandardCharsets;
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
 *
 * <p>An internal record whose authentication tag does not verify ({@link UnauthenticatedRecordException})
 * is dead-lettered like any unreadable record, with the reason
 * {@value UnauthenticatedRecordException#REASON} in {@link DeadLetterHeaders#REASON}, so an
 * operator can tell a forgery (or a key missing from the configuration) from a broken record.
 */
public class SettlementDeserializationExceptionHandler extends LogAndContinueExceptionHandler {
    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (Stream.iterate((Throwable) exception, Objects::nonNull, Throwable::getCause).anyMatch(RetriableException.class::isInstance)) {
            return Response.fail();
        }
        Response response = super.handleError(context, record, exception);
        if (Stream.iterate((Throwable) exception, Objects::nonNull, Throwable::getCause).anyMatch(UnauthenticatedRecordException.class::isInstance)) {
            response.deadLetterQueueRecords().forEach(deadLetter -> deadLetter.headers()
                    .add(DeadLetterHeaders.REASON, UnauthenticatedRecordException.REASON.getBytes(StandardCharsets.UTF_8)));
        }
        return response;
    }
}
