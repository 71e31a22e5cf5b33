package io.settlement.serde.confluent;

import org.apache.kafka.common.KafkaException;

/**
 * The schema registry could not be reached or kept failing (connection refused, timeouts,
 * HTTP 5xx) through every retry. This is broken infrastructure, not a bad record, so it is
 * deliberately <em>not</em> a {@code SerializationException}: a dead-letter handler must not
 * route a good record to {@code settlement.dlq} because the registry is down. It stops the
 * stream thread instead; under exactly-once nothing is committed, and the record is read
 * again once the registry answers.
 */
public class SchemaRegistryUnavailableException extends KafkaException {
    public SchemaRegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
