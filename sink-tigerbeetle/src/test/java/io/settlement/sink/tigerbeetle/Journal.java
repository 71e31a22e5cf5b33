package io.settlement.sink.tigerbeetle;

import io.settlement.avro.Account;
import io.settlement.avro.AccountType;
import io.settlement.avro.Bucket;
import io.settlement.avro.CommandKind;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.Posting;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Journal entries as the topology writes them (docs/topology.md, docs/trades.md):
 * one builder per kind of entry the journal can contain.
 */
final class Journal {
    static final int BTC = 1;
    static final int USDT = 2;
    static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

    private Journal() {}

    /** The TigerBeetle account key of an account of the BTC ledger, as the tests look balances up. */
    static LedgerAccountKey btc(long owner, AccountType type, Bucket bucket) {
        return new LedgerAccountKey(owner, type, BTC, bucket);
    }

    static Account user(long user, AccountType wallet, Bucket bucket) {
        return new Account(user, wallet, bucket);
    }

    static Account system(AccountType type) {
        return new Account(0L, type, Bucket.AVAILABLE);
    }

    static Posting posting(Account debit, Account credit, int assetId, long amount) {
        return new Posting(debit, credit, assetId == BTC ? "BTC" : assetId == USDT ? "USDT" : "A" + assetId, assetId, amount);
    }

    static JournalEntry entry(CommandKind kind, String commandId, long user, Posting... postings) {
        return new JournalEntry(kind + ":" + commandId, commandId, kind, user, new ArrayList<>(List.of(postings)), AT, List.of());
    }

    static JournalEntry deposit(String id, long user, int asset, long amount) {
        return entry(CommandKind.DEPOSIT, id, user,
                posting(system(AccountType.EXTERNAL), user(user, AccountType.FUNDING, Bucket.AVAILABLE), asset, amount));
    }

    static JournalEntry depositInitiated(String id, long user, int asset, long amount) {
        return entry(CommandKind.DEPOSIT_INITIATED, id, user,
                posting(system(AccountType.EXTERNAL), user(user, AccountType.FUNDING, Bucket.PENDING), asset, amount));
    }

    static JournalEntry depositConfirmed(String id, long user, int asset, long amount) {
        return entry(CommandKind.DEPOSIT_CONFIRMED, id, user,
                posting(user(user, AccountType.FUNDING, Bucket.PENDING), user(user, AccountType.FUNDING, Bucket.AVAILABLE), asset, amount));
    }

    static JournalEntry depositCancelled(String id, long user, int asset, long amount) {
        return entry(CommandKind.DEPOSIT_CANCELLED, id, user,
                posting(user(user, AccountType.FUNDING, Bucket.PENDING), system(AccountType.EXTERNAL), asset, amount));
    }

    static JournalEntry withdrawRequested(String id, long user, int asset, long amount) {
        return entry(CommandKind.WITHDRAW_REQUESTED, id, user,
                posting(user(user, AccountType.FUNDING, Bucket.AVAILABLE), user(user, AccountType.FUNDING, Bucket.FROZEN), asset, amount));
    }

    static JournalEntry withdrawConfirmed(String id, long user, int asset, long amount) {
        return entry(CommandKind.WITHDRAW_CONFIRMED, id, user,
                posting(user(user, AccountType.FUNDING, Bucket.FROZEN), system(AccountType.EXTERNAL), asset, amount));
    }

    static JournalEntry withdrawCancelled(String id, long user, int asset, long amount) {
        return entry(CommandKind.WITHDRAW_CANCELLED, id, user,
                posting(user(user, AccountType.FUNDING, Bucket.FROZEN), user(user, AccountType.FUNDING, Bucket.AVAILABLE), asset, amount));
    }

    static JournalEntry orderReserved(String id, long user, int asset, long amount) {
        return entry(CommandKind.ORDER_RESERVED, id, user,
                posting(user(user, AccountType.SPOT, Bucket.AVAILABLE), user(user, AccountType.SPOT, Bucket.FROZEN), asset, amount));
    }

    static JournalEntry orderReleased(String id, long user, int asset, long amount) {
        return entry(CommandKind.ORDER_RELEASED, id, user,
                posting(user(user, AccountType.SPOT, Bucket.FROZEN), user(user, AccountType.SPOT, Bucket.AVAILABLE), asset, amount));
    }

    static JournalEntry transfer(String id, long user, AccountType from, AccountType to, int asset, long amount) {
        return entry(CommandKind.INTERNAL_TRANSFER, id, user,
                posting(user(user, from, Bucket.AVAILABLE), user(user, to, Bucket.AVAILABLE), asset, amount));
    }

    private static JournalEntry leg(String tradeId, String side, String phase, long user, Posting... postings) {
        return new JournalEntry("TRADE:" + tradeId + "/" + side + "/" + phase, tradeId, CommandKind.TRADE, user,
                new ArrayList<>(List.of(postings)), AT, List.of());
    }

    /** A DEBIT leg: from the order's reservation (SPOT.frozen), or SPOT.available without an order. */
    static JournalEntry tradeDebit(String tradeId, String side, long user, int asset, long amount, boolean fromOrder) {
        return leg(tradeId, side, "DEBIT", user,
                posting(user(user, AccountType.SPOT, fromOrder ? Bucket.FROZEN : Bucket.AVAILABLE), system(AccountType.CLEARING), asset, amount));
    }

    /** A CREDIT leg: CLEARING to SPOT.available (amount - fee) and CLEARING to FEES (fee, when there is one). */
    static JournalEntry tradeCredit(String tradeId, String side, long user, int asset, long amount, long fee) {
        Posting credit = posting(system(AccountType.CLEARING), user(user, AccountType.SPOT, Bucket.AVAILABLE), asset, amount - fee);
        if (fee == 0) {
            return leg(tradeId, side, "CREDIT", user, credit);
        }
        return leg(tradeId, side, "CREDIT", user, credit, posting(system(AccountType.CLEARING), system(AccountType.FEES), asset, fee));
    }

    /** A REFUND leg: CLEARING back to SPOT.available. */
    static JournalEntry tradeRefund(String tradeId, String side, long user, int asset, long amount) {
        return leg(tradeId, side, "REFUND", user,
                posting(system(AccountType.CLEARING), user(user, AccountType.SPOT, Bucket.AVAILABLE), asset, amount));
    }
}
