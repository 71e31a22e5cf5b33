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
 */
public interface LedgerClient extends AutoCloseable {

    /** The failures of one create_accounts request, by event index; an absent index is {@code ok}. */
    List<AccountError> createAccounts(AccountBatch accounts);

    /** The failures of one create_transfers request, by event index; an absent index is {@code ok}. */
    List<TransferError> createTransfers(TransferBatch transfers);

    /** The accounts that exist among {@code ids} (any number; split into requests as needed). */
    List<LedgerBalance> lookupAccounts(List<LedgerId> ids);

    @Override
    void close();

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
