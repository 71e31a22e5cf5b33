package io.settlement.serde.confluent;

import org.apache.kafka.common.errors.RetriableException;

/**
 * The schema registry could not be reached or kept failing (connection refused, timeouts,
 * HTTP 5xx) through every retry. This is broken infrastructure, not a bad record, so it is
 * deliberately <em>not</em> a {@code SerializationException} but a {@link RetriableException}:
 * the streams deserialization handler ({@code SettlementDeserializationExceptionHandler}) does
 * not route a good record to {@code settlement.dlq} because the registry is down, it fails the
 * task instead; under exactly-once nothing is committed, and the record is read again once the
 * stream restarts and the registry answers.
 */
public class SchemaRegistryUnavailableException extends RetriableException {
    public SchemaRegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
