package io.settlement.topology.balance;

import io.settlement.avro.BalanceEvent;
import io.settlement.avro.JournalEntry;

/** Where the {@link Ledger} hands what it applied: one journal entry per step, one event per touched user account. */
public interface LedgerEvents {
    void journalEntry(JournalEntry entry);

    void balanceChanged(BalanceEvent event);
}
