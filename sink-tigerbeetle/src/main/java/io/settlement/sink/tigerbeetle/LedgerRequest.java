package io.settlement.sink.tigerbeetle;

import com.tigerbeetle.TransferBatch;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * One create_transfers request of the TigerBeetle sink: the journal records it carries (in offset
 * order per partition; an unmappable record carries no transfer, only its outcome) and its
 * transfers, built when the request is taken so that sending it costs nothing more.
 */
final class LedgerRequest {
    private final List<JournalRecord> records;
    private final List<MappedEntry> entries;
    private final TransferBatch transfers;

    LedgerRequest(List<JournalRecord> records) {
        this.records = List.copyOf(records);
        List<MappedEntry> mapped = new ArrayList<>(this.records.size());
        for (JournalRecord record : this.records) {
            if (record.mapped() != null) {
                mapped.add(record.mapped());
            }
        }
        this.entries = mapped;
        this.transfers = entries.isEmpty() ? null : LedgerMapping.transferBatch(entries);
    }

    List<JournalRecord> records() {
        return records;
    }

    /** The chains, in the order of {@link #transfers()}. */
    List<MappedEntry> entries() {
        return entries;
    }

    /** The create_transfers request; null when every record is unmappable. */
    TransferBatch transfers() {
        return transfers;
    }

    /** This request without the records of {@code partition} (halted or read again), or null when none is left. */
    LedgerRequest without(TopicPartition partition) {
        if (records.stream().noneMatch(record -> record.partition().equals(partition))) {
            return this;
        }
        List<JournalRecord> kept = records.stream().filter(record -> !record.partition().equals(partition)).toList();
        return kept.isEmpty() ? null : new LedgerRequest(kept);
    }
}
