package io.settlement.sink.tigerbeetle;

import com.tigerbeetle.AccountBatch;
import com.tigerbeetle.AccountFlags;
import com.tigerbeetle.CreateAccountResult;
import com.tigerbeetle.CreateTransferResult;
import com.tigerbeetle.TransferBatch;
import com.tigerbeetle.TransferFlags;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An in-memory stand-in for a TigerBeetle cluster, for the tests a real server cannot serve
 * quickly or at all (stepping the sink with Kafka's {@code MockConsumer}, failures on demand).
 * {@link LedgerContract} runs the same cases against it and the real server, so it cannot drift
 * from TigerBeetle. It reads the real request batches and follows TigerBeetle's documented rules for what
 * the sink uses: {@code exists} / {@code exists_with_different_*}, accounts that must exist and
 * share the ledger, {@code debits_must_not_exceed_credits}, and linked chains (applied whole or
 * rolled back; the first failing event carries the cause, the others
 * {@code linked_event_failed}; a request ending in a linked event is
 * {@code linked_event_chain_open}). It can also be told to fail the next calls as unavailable.
 */
final class FakeLedger implements LedgerClient {
    private record Account(int ledger, int code, int flags, long userData64, int userData32) {}

    private record Transfer(LedgerId debit, LedgerId credit, long amount, int ledger, int code, int flags,
                            LedgerId userData128, long userData64, int userData32) {}

    private static final class Totals {
        BigInteger debitsPosted = BigInteger.ZERO;
        BigInteger creditsPosted = BigInteger.ZERO;
    }

    private final Map<LedgerId, Account> accounts = new LinkedHashMap<>();
    private final Map<LedgerId, Totals> totals = new HashMap<>();
    private final Map<LedgerId, Transfer> transfers = new LinkedHashMap<>();
    final List<Integer> transferRequestSizes = new ArrayList<>();
    final List<List<Integer>> transferRequestFlags = new ArrayList<>();
    int unavailableCalls;
    int calls;

    /** The next {@code n} calls throw {@link LedgerUnavailableException}. */
    FakeLedger failNext(int n) {
        unavailableCalls = n;
        return this;
    }

    private void maybeUnavailable(String operation) {
        calls++;
        if (unavailableCalls > 0) {
            unavailableCalls--;
            throw new LedgerUnavailableException(operation + ": no answer (fake)", null);
        }
    }

    @Override
    public synchronized List<AccountError> createAccounts(AccountBatch batch) {
        maybeUnavailable("create_accounts");
        List<AccountError> errors = new ArrayList<>();
        batch.beforeFirst();
        while (batch.next()) {
            LedgerId id = LedgerId.of(batch.getId());
            Account account = new Account(batch.getLedger(), batch.getCode(), batch.getFlags(), batch.getUserData64(), batch.getUserData32());
            CreateAccountResult result = createAccount(id, account);
            if (result != CreateAccountResult.Ok) {
                errors.add(new AccountError(batch.getPosition(), result));
            }
        }
        return errors;
    }

    private CreateAccountResult createAccount(LedgerId id, Account account) {
        if (account.ledger() == 0) {
            return CreateAccountResult.LedgerMustNotBeZero;
        }
        if (account.code() == 0) {
            return CreateAccountResult.CodeMustNotBeZero;
        }
        Account existing = accounts.get(id);
        if (existing != null) {
            if (existing.flags() != account.flags()) {
                return CreateAccountResult.ExistsWithDifferentFlags;
            }
            if (existing.userData64() != account.userData64()) {
                return CreateAccountResult.ExistsWithDifferentUserData64;
            }
            if (existing.userData32() != account.userData32()) {
                return CreateAccountResult.ExistsWithDifferentUserData32;
            }
            if (existing.ledger() != account.ledger()) {
                return CreateAccountResult.ExistsWithDifferentLedger;
            }
            if (existing.code() != account.code()) {
                return CreateAccountResult.ExistsWithDifferentCode;
            }
            return CreateAccountResult.Exists;
        }
        accounts.put(id, account);
        totals.put(id, new Totals());
        return CreateAccountResult.Ok;
    }

    @Override
    public synchronized List<TransferError> createTransfers(TransferBatch batch) {
        maybeUnavailable("create_transfers");
        List<Transfer> events = new ArrayList<>();
        List<LedgerId> ids = new ArrayList<>();
        List<Integer> flags = new ArrayList<>();
        batch.beforeFirst();
        while (batch.next()) {
            ids.add(LedgerId.of(batch.getId()));
            events.add(new Transfer(LedgerId.of(batch.getDebitAccountId()), LedgerId.of(batch.getCreditAccountId()),
                    batch.getAmount().longValueExact(), batch.getLedger(), batch.getCode(), batch.getFlags(),
                    LedgerId.of(batch.getUserData128()), batch.getUserData64(), batch.getUserData32()));
            flags.add(batch.getFlags());
        }
        transferRequestSizes.add(events.size());
        transferRequestFlags.add(flags);

        CreateTransferResult[] results = new CreateTransferResult[events.size()];
        int chainStart = -1;
        List<Integer> applied = new ArrayList<>();
        boolean chainBroken = false;
        for (int i = 0; i < events.size(); i++) {
            Transfer event = events.get(i);
            boolean linked = TransferFlags.hasLinked(event.flags());
            if (chainStart < 0 && linked) {
                chainStart = i;
                chainBroken = false;
                applied.clear();
            }
            CreateTransferResult result;
            if (chainBroken) {
                result = CreateTransferResult.LinkedEventFailed;
            } else if (linked && i == events.size() - 1) {
                result = CreateTransferResult.LinkedEventChainOpen;
            } else {
                result = createTransfer(ids.get(i), event);
            }
            results[i] = result;
            if (result == CreateTransferResult.Ok) {
                if (chainStart >= 0) {
                    applied.add(i);
                }
            } else if (chainStart >= 0 && !chainBroken) {
                chainBroken = true;
                for (int j = applied.size() - 1; j >= 0; j--) {
                    undo(ids.get(applied.get(j)), events.get(applied.get(j)));
                }
                for (int j = chainStart; j < i; j++) {
                    results[j] = CreateTransferResult.LinkedEventFailed;
                }
            }
            if (!linked) {
                chainStart = -1;
                chainBroken = false;
            }
        }
        List<TransferError> errors = new ArrayList<>();
        for (int i = 0; i < results.length; i++) {
            if (results[i] != CreateTransferResult.Ok) {
                errors.add(new TransferError(i, results[i]));
            }
        }
        return errors;
    }

    private CreateTransferResult createTransfer(LedgerId id, Transfer transfer) {
        Transfer existing = transfers.get(id);
        if (existing != null) {
            if (existing.flags() != transfer.flags()) {
                return CreateTransferResult.ExistsWithDifferentFlags;
            }
            if (!existing.debit().equals(transfer.debit())) {
                return CreateTransferResult.ExistsWithDifferentDebitAccountId;
            }
            if (!existing.credit().equals(transfer.credit())) {
                return CreateTransferResult.ExistsWithDifferentCreditAccountId;
            }
            if (existing.amount() != transfer.amount()) {
                return CreateTransferResult.ExistsWithDifferentAmount;
            }
            if (!existing.equals(transfer)) {
                return CreateTransferResult.ExistsWithDifferentUserData128;
            }
            return CreateTransferResult.Exists;
        }
        if (transfer.debit().equals(transfer.credit())) {
            return CreateTransferResult.AccountsMustBeDifferent;
        }
        if (transfer.amount() == 0) {
            return CreateTransferResult.AmountMustNotBeZero;
        }
        if (transfer.code() == 0) {
            return CreateTransferResult.CodeMustNotBeZero;
        }
        Account debit = accounts.get(transfer.debit());
        Account credit = accounts.get(transfer.credit());
        if (debit == null) {
            return CreateTransferResult.DebitAccountNotFound;
        }
        if (credit == null) {
            return CreateTransferResult.CreditAccountNotFound;
        }
        if (debit.ledger() != credit.ledger()) {
            return CreateTransferResult.AccountsMustHaveTheSameLedger;
        }
        if (transfer.ledger() != debit.ledger()) {
            return CreateTransferResult.TransferMustHaveTheSameLedgerAsAccounts;
        }
        Totals debitTotals = totals.get(transfer.debit());
        BigInteger amount = BigInteger.valueOf(transfer.amount());
        if (AccountFlags.hasDebitsMustNotExceedCredits(debit.flags())
                && debitTotals.debitsPosted.add(amount).compareTo(debitTotals.creditsPosted) > 0) {
            return CreateTransferResult.ExceedsCredits;
        }
        debitTotals.debitsPosted = debitTotals.debitsPosted.add(amount);
        Totals creditTotals = totals.get(transfer.credit());
        creditTotals.creditsPosted = creditTotals.creditsPosted.add(amount);
        transfers.put(id, transfer);
        return CreateTransferResult.Ok;
    }

    private void undo(LedgerId id, Transfer transfer) {
        BigInteger amount = BigInteger.valueOf(transfer.amount());
        Totals debitTotals = totals.get(transfer.debit());
        debitTotals.debitsPosted = debitTotals.debitsPosted.subtract(amount);
        Totals creditTotals = totals.get(transfer.credit());
        creditTotals.creditsPosted = creditTotals.creditsPosted.subtract(amount);
        transfers.remove(id);
    }

    @Override
    public synchronized List<LedgerBalance> lookupAccounts(List<LedgerId> ids) {
        maybeUnavailable("lookup_accounts");
        List<LedgerBalance> found = new ArrayList<>();
        for (LedgerId id : ids) {
            Account account = accounts.get(id);
            if (account != null) {
                Totals t = totals.get(id);
                found.add(new LedgerBalance(id, account.ledger(), account.code(), account.flags(),
                        BigInteger.ZERO, t.debitsPosted, BigInteger.ZERO, t.creditsPosted));
            }
        }
        return found;
    }

    /** The posted balance of an account, or null when there is no such account. */
    synchronized BigInteger balance(LedgerAccountKey key) {
        Totals t = totals.get(LedgerMapping.accountId(key));
        return t == null ? null : t.creditsPosted.subtract(t.debitsPosted);
    }

    synchronized int transferCount() {
        return transfers.size();
    }

    int accountCount() {
        return accounts.size();
    }

    /** Records an account as another writer might have made it, to provoke a disagreement. */
    void putAccount(LedgerAccountKey key, int flags) {
        LedgerAccount account = LedgerMapping.account(key);
        accounts.put(account.id(), new Account(account.ledger(), account.code(), flags, key.ownerId(), key.assetId()));
        totals.put(account.id(), new Totals());
    }

    @Override
    public void close() {
    }
}
