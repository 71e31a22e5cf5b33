package io.settlement.sink.tigerbeetle.reconcile;

import io.settlement.sink.tigerbeetle.LedgerAccountKey;
import java.math.BigInteger;

/**
 * One account on which the stores and TigerBeetle disagree.
 *
 * @param account the account (one bucket)
 * @param store   the stores' balance (system accounts: the sum over all tasks)
 * @param ledger  TigerBeetle's posted balance (credits - debits), or null when TigerBeetle has no such account
 * @param what    what differs, in words
 */
public record BalanceDifference(LedgerAccountKey account, BigInteger store, BigInteger ledger, String what) {
    @Override
    public String toString() {
        return account + ": store " + store + ", TigerBeetle " + (ledger == null ? "(no account)" : ledger) + " (" + what + ")";
    }
}
