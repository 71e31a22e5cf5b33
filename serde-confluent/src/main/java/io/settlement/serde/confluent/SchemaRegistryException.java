package io.settlement.serde.confluent;

import org.apache.kafka.common.errors.SerializationException;

/**
 * The schema registry answered, and refused: an incompatible schema (HTTP 409, error code 409),
 * an invalid one (422, 42201), an unknown subject (404, 40401), version (40402) or schema id
 * (40403), a failed authentication (401). Retrying cannot help, so it is a
 * {@link SerializationException}: a record that needs this schema cannot be written or read.
 */
public class SchemaRegistryException extends SerializationException {
    /** Confluent's error code for an incompatible schema. */
    public static final int INCOMPATIBLE_SCHEMA = 409;
    /** Confluent's error code for an unknown subject. */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** Confluent's error code for an unknown schema (under a subject, or by id). */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** Confluent's error code for schema text the registry cannot parse. */
    public static final int INVALID_SCHEMA = 42201;

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(String message, int httpStatus, int errorCode) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    /** The HTTP status of the registry's answer. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The registry's {@code error_code} (the HTTP status when the body carried none). */
    public int errorCode() {
        return errorCode;
    }
}
