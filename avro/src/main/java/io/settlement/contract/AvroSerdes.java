package io.settlement.contract;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Chooses the wire format of the Avro values of every topic. The default is Avro's
 * single-object encoding ({@link SingleObjectSerde}); a registry-backed format plugs in here.
 */
@FunctionalInterface
public interface AvroSerdes {
    <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type);

    /** Avro single-object encoding: needs no registry, the schema fingerprint travels in each record. */
    AvroSerdes SINGLE_OBJECT = SingleObjectSerde::new;
}
