package io.settlement.sink.tigerbeetle;

import io.settlement.avro.JournalEntry;
import java.util.List;

/**
 * A journal entry mapped to one chain of TigerBeetle transfers (every transfer but the last
 * {@code linked}), with the accounts the chain touches.
 */
public record MappedEntry(JournalEntry entry, List<LedgerTransfer> chain, List<LedgerAccount> accounts) {
    public MappedEntry {
        chain = List.copyOf(chain);
        accounts = List.copyOf(accounts);
        if (chain.isEmpty()) {
            throw new IllegalStateException("entry " + entry.getEntryId() + " maps to an empty chain");
        }
    }

    public String entryId() {
        return entry.getEntryId();
    }

    public int size() {
        return chain.size();
    }
}
