package io.settlement.sink.tigerbeetle;

import com.tigerbeetle.AccountBatch;
import com.tigerbeetle.CreateAccountResult;
import com.tigerbeetle.CreateTransferResult;
import com.tigerbeetle.TransferBatch;
import java.math.BigInteger;
import java.util.List;

/**
 * The three TigerBeetle calls the sink and reconcile make, behind a narrow interface so that
 * their result handling can be tested without a cluster. Requests are the real TigerBeetle batch
 * types; answers are plain records, because TigerBeetle's result batches cannot be built outside
 * its client. {@link TigerBeetleLedgerClient} is the one real implementation.
 *
 * <p>A method throws {@link LedgerUnavailableException} when TigerBeetle did not answer (a
 * transient failure: retrying the same request is safe because every id is deterministic), and
 * {@link IllegalStateException} for what retrying cannot fix (a client newer than its cluster,
 * a malformed request).
 *
 * <p>The two writes can also be sent without waiting ({@link #sendAccounts}, {@link #sendTransfers}),
 * so that the caller prepares its next request while TigerBeetle works on this one. A sent
 * request may go out at once (queued behind the ones before it: a TigerBeetle client session has
 * one request in flight) or only when awaited; so callers await in the order they sent, and send
 * a request that needs another's effect (transfers on new accounts, an entry after the one it
 * follows) only once that one was awaited.
 */
public interface LedgerClient extends AutoCloseable {

    /** The failures of one create_accounts request, by event index; an absent index is {@code ok}. */
    List<AccountError> createAccounts(AccountBatch accounts);

    /** The failures of one create_transfers request, by event index; an absent index is {@code ok}. */
    List<TransferError> createTransfers(TransferBatch transfers);

    /**
     * Sends create_accounts and returns at once; {@link Pending#await()} answers as
     * {@link #createAccounts} would. The default sends only when awaited.
     */
    default Pending<List<AccountError>> sendAccounts(AccountBatch accounts) {
        return () -> createAccounts(accounts);
    }

    /** Sends create_transfers and returns at once; as {@link #sendAccounts}. */
    default Pending<List<TransferError>> sendTransfers(TransferBatch transfers) {
        return () -> createTransfers(transfers);
    }

    /** The accounts that exist among {@code ids} (any number; split into requests as needed). */
    List<LedgerBalance> lookupAccounts(List<LedgerId> ids);

    @Override
    void close();

    /** A request sent and not yet answered. */
    @FunctionalInterface
    interface Pending<T> {
        /** Waits for the answer; throws as the waiting call would ({@link LedgerUnavailableException} when none came in time). */
        T await();
    }

    record AccountError(int index, CreateAccountResult result) {}

    record TransferError(int index, CreateTransferResult result) {}

    /**
     * An account as TigerBeetle has it. Totals are 128-bit in TigerBeetle and only grow, so they
     * are {@link BigInteger}s; the posted balance is {@code creditsPosted - debitsPosted}.
     */
    record LedgerBalance(LedgerId id, int ledger, int code, int flags,
                         BigInteger debitsPending, BigInteger debitsPosted,
                         BigInteger creditsPending, BigInteger creditsPosted) {
        public BigInteger postedBalance() {
            return creditsPosted.subtract(debitsPosted);
        }
    }
}
