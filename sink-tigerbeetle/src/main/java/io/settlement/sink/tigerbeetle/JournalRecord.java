package io.settlement.sink.tigerbeetle;

import org.apache.kafka.common.TopicPartition;

/**
 * One journal record as the TigerBeetle sink read it: where it is, and either its entry mapped to
 * a chain of transfers or why it cannot be ({@code unmappable}, which halts its partition).
 */
record JournalRecord(TopicPartition partition, long offset, long timestamp, String entryId, MappedEntry mapped,
                     EntryOutcome unmappable) {

    /** The transfers it adds to a request (none for an unmappable record). */
    int events() {
        return mapped == null ? 0 : mapped.size();
    }
}
