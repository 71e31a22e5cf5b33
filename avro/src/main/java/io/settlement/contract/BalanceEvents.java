package io.settlement.contract;

import io.settlement.avro.Account;
import io.settlement.avro.AccountType;
import io.settlement.avro.BalanceAfter;
import io.settlement.avro.BalanceEvent;
import io.settlement.avro.Bucket;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.Posting;
import io.settlement.avro.Wallet;
import java.util.ArrayList;
import java.util.List;

/**
 * The balance events of a journal entry: one per user account it moved, with the balance after
 * it (the entry's {@code balances}) and what its postings moved in each bucket. The one
 * derivation of {@code balance.events} (when the engine writes them) and of the ScyllaDB sink's
 * balance history, so both say exactly the same.
 */
public final class BalanceEvents {
    private BalanceEvents() {}

    /** The events of {@code entry}, in the order of its {@code balances}; none for an entry written before balances were journaled. */
    public static List<BalanceEvent> of(JournalEntry entry) {
        List<BalanceAfter> balances = entry.getBalances();
        if (balances.isEmpty() || entry.getPostings().isEmpty()) {
            return List.of();
        }
        Posting first = entry.getPostings().get(0);
        List<BalanceEvent> events = new ArrayList<>(balances.size());
        for (BalanceAfter after : balances) {
            long[] delta = deltas(entry.getPostings(), after.getUserId(), typeOf(after.getWallet()));
            events.add(new BalanceEvent(after.getUserId(), after.getWallet(), first.getAsset(), first.getAssetId(),
                    after.getAvailable(), after.getFrozen(), after.getPending(), after.getSeq(), delta[0], delta[1], delta[2],
                    entry.getKind(), entry.getCommandId(), entry.getEntryId(), entry.getCreatedAt()));
        }
        return events;
    }

    /** What the postings moved in the account's AVAILABLE, FROZEN and PENDING buckets. */
    private static long[] deltas(List<Posting> postings, long userId, AccountType type) {
        long[] delta = new long[3];
        for (Posting posting : postings) {
            if (is(posting.getDebit(), userId, type)) {
                delta[index(posting.getDebit().getBucket())] -= posting.getAmount();
            }
            if (is(posting.getCredit(), userId, type)) {
                delta[index(posting.getCredit().getBucket())] += posting.getAmount();
            }
        }
        return delta;
    }

    private static int index(Bucket bucket) {
        return switch (bucket) {
            case AVAILABLE -> 0;
            case FROZEN -> 1;
            case PENDING -> 2;
        };
    }

    private static boolean is(Account account, long userId, AccountType type) {
        return account.getOwnerId() == userId && account.getType() == type;
    }

    private static AccountType typeOf(Wallet wallet) {
        return wallet == Wallet.FUNDING ? AccountType.FUNDING : AccountType.SPOT;
    }
}
