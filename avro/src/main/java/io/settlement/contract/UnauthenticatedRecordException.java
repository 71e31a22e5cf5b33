package io.settlement.contract;

import org.apache.kafka.common.errors.SerializationException;

/**
 * An internal record whose tag does not verify under any configured key ({@link AuthenticatedSerde}):
 * not written by this application, or altered, or moved to another key or topic. A
 * {@link SerializationException}, so the streams runtime dead-letters it like any record it
 * cannot read; the deserialization handler adds {@link #REASON} to its headers.
 */
public class UnauthenticatedRecordException extends SerializationException {
    /** The dead-letter reason of such a record. */
    public static final String REASON = "UNAUTHENTICATED_INTERNAL_RECORD";

    public UnauthenticatedRecordException(String message) {
        super(message);
    }

    public UnauthenticatedRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
