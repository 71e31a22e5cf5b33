package io.settlement.sink.tigerbeetle;

import com.tigerbeetle.TransferBatch;
import io.settlement.sink.tigerbeetle.LedgerClient.AccountError;
import io.settlement.sink.tigerbeetle.LedgerClient.Pending;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * One create_transfers request of the TigerBeetle sink: the journal records it carries (in offset
 * order per partition; an unmappable record carries no transfer, only its outcome), the
 * create_accounts requests sent ahead for the accounts its entries need, and its transfers.
 */
final class LedgerRequest {
    /** A create_accounts request sent ahead: its accounts, and the answer to wait for. */
    record AccountsSent(List<LedgerAccount> accounts, Pending<List<AccountError>> answer) {}

    private final List<JournalRecord> records;
    private final List<AccountsSent> accounts;
    private final List<MappedEntry> entries;
    private final TransferBatch transfers;

    LedgerRequest(List<JournalRecord> records, List<AccountsSent> accounts) {
        this.records = List.copyOf(records);
        this.accounts = List.copyOf(accounts);
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

    List<AccountsSent> accountsSent() {
        return accounts;
    }

    /** The chains, in the order of {@link #transfers()}. */
    List<MappedEntry> entries() {
        return entries;
    }

    /** The create_transfers request; null when every record is unmappable. */
    TransferBatch transfers() {
        return transfers;
    }

    /**
     * This request without the records of {@code partition} (halted or read again), or null when
     * none is left. The accounts sent ahead stay: the remaining entries may need them.
     */
    LedgerRequest without(TopicPartition partition) {
        if (records.stream().noneMatch(record -> record.partition().equals(partition))) {
            return this;
        }
        List<JournalRecord> kept = records.stream().filter(record -> !record.partition().equals(partition)).toList();
        return kept.isEmpty() ? null : new LedgerRequest(kept, accounts);
    }
}
