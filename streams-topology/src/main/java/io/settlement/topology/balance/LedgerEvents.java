package io.settlement.topology.balance;

import io.settlement.avro.JournalEntry;

/**
 * Where the {@link Ledger} hands what it applied: one journal entry per step, carrying each user
 * account it moved as it stands after the step (balance events derive from it,
 * {@link io.settlement.contract.BalanceEvents}).
 */
@FunctionalInterface
public interface LedgerEvents {
    void journalEntry(JournalEntry entry);
}
