package io.settlement.sink.tigerbeetle;

/**
 * One posting as a TigerBeetle transfer. {@code entryRef} (user_data_128) is the same for every
 * transfer of one journal entry, {@code userId} (user_data_64) is the entry's user and
 * {@code postingIndex} (user_data_32) the posting's place in the entry, so every transfer traces
 * back to exactly one posting of one journal entry (docs/topology.md, "Invariants", 5).
 */
public record LedgerTransfer(
        LedgerId id,
        LedgerId debitAccountId,
        LedgerId creditAccountId,
        long amount,
        int ledger,
        int code,
        int flags,
        LedgerId entryRef,
        long userId,
        int postingIndex) {}
