package io.settlement.contract;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A deserializer that can also read bytes as exactly one record: every byte belongs to the
 * record, none is left over. {@link AuthenticatedSerde} tells a record written without an
 * authentication tag (by a version from before the tag) from one whose tag is wrong with it: Avro
 * binary is self-delimiting for a given writer schema (which the header names), so a record
 * followed by 32 more bytes is never itself exactly one record.
 *
 * @param <T> the record
 */
public interface WholeRecordDeserializer<T> extends Deserializer<T> {
    /**
     * The record {@code data} is, all of it.
     *
     * @throws SerializationException when it cannot be read, or bytes are left over after the record
     */
    T deserializeWhole(String topic, byte[] data);
}
