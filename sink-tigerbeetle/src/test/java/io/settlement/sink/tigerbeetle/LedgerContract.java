package io.settlement.sink.tigerbeetle;

import static io.settlement.sink.tigerbeetle.Journal.BTC;
import static org.assertj.core.api.Assertions.assertThat;

import com.tigerbeetle.CreateAccountResult;
import com.tigerbeetle.CreateTransferResult;
import io.settlement.avro.AccountType;
import io.settlement.avro.Bucket;
import io.settlement.avro.CommandKind;
import io.settlement.avro.JournalEntry;
import io.settlement.sink.tigerbeetle.EntryOutcome.Status;
import io.settlement.sink.tigerbeetle.LedgerClient.AccountError;
import io.settlement.sink.tigerbeetle.LedgerClient.LedgerBalance;
import io.settlement.sink.tigerbeetle.LedgerClient.Pending;
import io.settlement.sink.tigerbeetle.LedgerClient.TransferError;
import io.settlement.sink.tigerbeetle.server.RealTigerBeetle;
import java.math.BigInteger;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the sink and reconcile rely on from TigerBeetle, as cases that run unchanged against the
 * real server ({@link RealLedgerContractTest}) and against {@link FakeLedger}
 * ({@link FakeLedgerContractTest}), so the fake the unit tests use cannot drift from the real
 * thing. Every case uses owners of its own: the real server is shared by the whole test run.
 */
abstract class LedgerContract {
    /** The ledger under test, fresh or shared. */
    abstract LedgerClient ledger();

    private final long alice = RealTigerBeetle.owners(2);
    private final long bob = alice + 1;

    private List<EntryOutcome> apply(JournalEntry... entries) {
        List<MappedEntry> mapped = java.util.Arrays.stream(entries).map(LedgerMapping::map).toList();
        Set<LedgerAccount> accounts = new LinkedHashSet<>();
        mapped.forEach(entry -> accounts.addAll(entry.accounts()));
        assertThat(ledger().createAccounts(LedgerMapping.accountBatch(accounts)))
                .allSatisfy(error -> assertThat(error.result()).isEqualTo(CreateAccountResult.Exists));
        return TransferResults.attribute(mapped, ledger().createTransfers(LedgerMapping.transferBatch(mapped)));
    }

    private String id(String name) {
        return alice + "-" + name;
    }

    private BigInteger balance(LedgerAccountKey key) {
        List<LedgerBalance> found = ledger().lookupAccounts(List.of(LedgerMapping.accountId(key)));
        assertThat(found).hasSizeLessThanOrEqualTo(1);
        return found.isEmpty() ? null : found.get(0).postedBalance();
    }

    private static LedgerAccountKey key(long owner, AccountType type, Bucket bucket) {
        return Journal.btc(owner, type, bucket);
    }

    /** Funds alice's SPOT with 1,000,000 and maps {@code count} reservations of 1 each (one transfer each), their accounts created. */
    private List<MappedEntry> fundedReservationsOfOne(int count) {
        apply(Journal.deposit(id("d0"), alice, BTC, 1_000_000),
                Journal.transfer(id("t0"), alice, AccountType.FUNDING, AccountType.SPOT, BTC, 1_000_000));
        List<MappedEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            entries.add(LedgerMapping.map(Journal.orderReserved(id("o" + i), alice, BTC, 1)));
        }
        ledger().createAccounts(LedgerMapping.accountBatch(entries.get(0).accounts()));
        return entries;
    }

    @Test
    void accountsAreCreatedOnceAndAnOtherDefinitionOfTheSameIdIsRefused() {
        // given a user account as the mapping defines it
        LedgerAccount account = LedgerMapping.account(key(alice, AccountType.SPOT, Bucket.AVAILABLE));
        LedgerAccount unflagged = new LedgerAccount(account.key(), account.id(), account.ledger(), account.code(), 0);

        // when it is created, created again, then created without its flag
        List<AccountError> first = ledger().createAccounts(LedgerMapping.accountBatch(List.of(account)));
        List<AccountError> again = ledger().createAccounts(LedgerMapping.accountBatch(List.of(account)));
        List<AccountError> other = ledger().createAccounts(LedgerMapping.accountBatch(List.of(unflagged)));

        // then ok, exists, exists_with_different_flags; and it is there with no balance
        assertThat(first).isEmpty();
        assertThat(again).containsExactly(new AccountError(0, CreateAccountResult.Exists));
        assertThat(other).containsExactly(new AccountError(0, CreateAccountResult.ExistsWithDifferentFlags));
        List<LedgerBalance> found = ledger().lookupAccounts(List.of(account.id(), LedgerMapping.accountId(key(bob, AccountType.SPOT, Bucket.AVAILABLE))));
        assertThat(found).singleElement().satisfies(balance -> {
            assertThat(balance.id()).isEqualTo(account.id());
            assertThat(balance.ledger()).isEqualTo(BTC);
            assertThat(balance.code()).isEqualTo(account.code());
            assertThat(balance.flags()).isEqualTo(account.flags());
            assertThat(balance.postedBalance()).isZero();
            assertThat(balance.debitsPending()).isZero();
            assertThat(balance.creditsPending()).isZero();
        });
    }

    @Test
    void entriesAreAppliedAsChainsAndAReplayAnswersExistsAndMovesNothing() {
        // given a deposit, a move to SPOT, a reservation and a trade credit with a fee (a two-transfer chain)
        JournalEntry[] entries = {
                Journal.deposit(id("d1"), alice, BTC, 1_000),
                Journal.transfer(id("t1"), alice, AccountType.FUNDING, AccountType.SPOT, BTC, 600),
                Journal.orderReserved(id("o1"), alice, BTC, 200),
                Journal.tradeCredit(id("x1"), "BUYER", alice, BTC, 50, 5)};

        // when applied, then applied once more
        List<EntryOutcome> first = apply(entries);
        List<EntryOutcome> replay = apply(entries);

        // then every entry was applied, and the replay is recognised as such
        assertThat(first).extracting(EntryOutcome::status).containsOnly(Status.APPLIED);
        assertThat(replay).extracting(EntryOutcome::status).containsOnly(Status.ALREADY_APPLIED);
        // and the balances moved once
        assertThat(balance(key(alice, AccountType.FUNDING, Bucket.AVAILABLE))).isEqualTo(BigInteger.valueOf(400));
        assertThat(balance(key(alice, AccountType.SPOT, Bucket.AVAILABLE))).isEqualTo(BigInteger.valueOf(400 + 45));
        assertThat(balance(key(alice, AccountType.SPOT, Bucket.FROZEN))).isEqualTo(BigInteger.valueOf(200));
    }

    @Test
    void aReplayWithOtherContentIsExistsWithDifferentAndADisagreement() {
        // given a deposit applied
        assertThat(apply(Journal.deposit(id("d1"), alice, BTC, 100))).extracting(EntryOutcome::status).containsOnly(Status.APPLIED);

        // when an entry with the same id but another amount arrives, and one with another account
        List<TransferError> amount = ledger().createTransfers(LedgerMapping.transferBatch(
                List.of(LedgerMapping.map(Journal.deposit(id("d1"), alice, BTC, 99)))));
        apply(Journal.deposit(id("bob-seed"), bob, BTC, 1));
        List<TransferError> account = ledger().createTransfers(LedgerMapping.transferBatch(
                List.of(LedgerMapping.map(Journal.deposit(id("d1"), bob, BTC, 100)))));

        // then TigerBeetle names what differs, and the attribution calls it a disagreement
        assertThat(amount).containsExactly(new TransferError(0, CreateTransferResult.ExistsWithDifferentAmount));
        assertThat(account).containsExactly(new TransferError(0, CreateTransferResult.ExistsWithDifferentCreditAccountId));
        assertThat(TransferResults.attribute(List.of(LedgerMapping.map(Journal.deposit(id("d1"), alice, BTC, 99))), amount))
                .extracting(EntryOutcome::status).containsExactly(Status.DISAGREES);
        assertThat(balance(key(alice, AccountType.FUNDING, Bucket.AVAILABLE))).isEqualTo(BigInteger.valueOf(100));
    }

    @Test
    void anOverdraftIsRefusedByDebitsMustNotExceedCredits() {
        // given alice has 100 in SPOT
        apply(Journal.deposit(id("d1"), alice, BTC, 100), Journal.transfer(id("t1"), alice, AccountType.FUNDING, AccountType.SPOT, BTC, 100));

        // when a reservation of 101 arrives, next to one of 100 for bob who has nothing
        List<EntryOutcome> outcomes = apply(Journal.orderReserved(id("o1"), alice, BTC, 101), Journal.orderReserved(id("o2"), bob, BTC, 1));

        // then both are refused with exceeds_credits and nothing moved
        assertThat(outcomes).extracting(EntryOutcome::detail).containsExactly("posting 0: ExceedsCredits", "posting 0: ExceedsCredits");
        assertThat(balance(key(alice, AccountType.SPOT, Bucket.AVAILABLE))).isEqualTo(BigInteger.valueOf(100));
        assertThat(balance(key(alice, AccountType.SPOT, Bucket.FROZEN))).isZero();
    }

    @Test
    void aChainFailingInItsSecondTransferIsRolledBackWithLinkedEventFailedAndTheReason() {
        // given an entry whose first posting credits alice 10 and whose second takes 50 from her
        JournalEntry twoPostings = Journal.entry(CommandKind.WITHDRAW_REQUESTED, id("w1"), alice,
                Journal.posting(Journal.system(AccountType.EXTERNAL), Journal.user(alice, AccountType.FUNDING, Bucket.AVAILABLE), BTC, 10),
                Journal.posting(Journal.user(alice, AccountType.FUNDING, Bucket.AVAILABLE), Journal.user(alice, AccountType.FUNDING, Bucket.FROZEN), BTC, 50));
        MappedEntry mapped = LedgerMapping.map(twoPostings);
        ledger().createAccounts(LedgerMapping.accountBatch(mapped.accounts()));

        // when it is sent, between two good deposits
        MappedEntry before = LedgerMapping.map(Journal.deposit(id("d1"), bob, BTC, 7));
        MappedEntry after = LedgerMapping.map(Journal.deposit(id("d2"), bob, BTC, 8));
        ledger().createAccounts(LedgerMapping.accountBatch(before.accounts()));
        List<TransferError> errors = ledger().createTransfers(LedgerMapping.transferBatch(List.of(before, mapped, after)));

        // then the first transfer of the chain is linked_event_failed, the second names the cause
        assertThat(errors).containsExactly(new TransferError(1, CreateTransferResult.LinkedEventFailed),
                new TransferError(2, CreateTransferResult.ExceedsCredits));
        assertThat(TransferResults.attribute(List.of(before, mapped, after), errors)).extracting(EntryOutcome::status)
                .containsExactly(Status.APPLIED, Status.DISAGREES, Status.APPLIED);
        // and nothing of the chain stayed: alice's account has no balance, bob has both deposits
        assertThat(balance(key(alice, AccountType.FUNDING, Bucket.AVAILABLE))).isZero();
        assertThat(balance(key(bob, AccountType.FUNDING, Bucket.AVAILABLE))).isEqualTo(BigInteger.valueOf(15));
    }

    @Test
    void aRequestOfEventsPerRequestMaxTransfersIsApplied() {
        // given alice has funds, and EVENTS_PER_REQUEST_MAX single-transfer entries
        List<MappedEntry> entries = fundedReservationsOfOne(LedgerMapping.EVENTS_PER_REQUEST_MAX);

        // when one request carries them
        List<TransferError> errors = ledger().createTransfers(LedgerMapping.transferBatch(entries));

        // then every one was applied (the real client slices it as the cluster requires)
        assertThat(errors).isEmpty();
        assertThat(balance(key(alice, AccountType.SPOT, Bucket.FROZEN))).isEqualTo(BigInteger.valueOf(LedgerMapping.EVENTS_PER_REQUEST_MAX));
    }

    @Test
    void requestsSentWithoutWaitingAnswerAsTheWaitingCallsInTheOrderSent() {
        // given alice has 100 in FUNDING
        apply(Journal.deposit(id("d0"), alice, BTC, 100));
        MappedEntry bobsDeposit = LedgerMapping.map(Journal.deposit(id("d1"), bob, BTC, 7));
        MappedEntry move = LedgerMapping.map(Journal.transfer(id("t1"), alice, AccountType.FUNDING, AccountType.SPOT, BTC, 60));
        MappedEntry overdraft = LedgerMapping.map(Journal.orderReserved(id("o1"), alice, BTC, 61));
        Set<LedgerAccount> alicesAccounts = new LinkedHashSet<>(move.accounts());
        alicesAccounts.addAll(overdraft.accounts());
        ledger().createAccounts(LedgerMapping.accountBatch(alicesAccounts));

        // when bob's accounts are sent, then alice's move and a reservation beyond it, before either answer is awaited
        Pending<List<AccountError>> accounts = ledger().sendAccounts(LedgerMapping.accountBatch(bobsDeposit.accounts()));
        Pending<List<TransferError>> transfers = ledger().sendTransfers(LedgerMapping.transferBatch(List.of(move, overdraft)));
        List<AccountError> accountErrors = accounts.await();
        List<TransferError> transferErrors = transfers.await();
        // and bob's deposit is sent once its accounts were answered
        List<TransferError> depositErrors = ledger().sendTransfers(LedgerMapping.transferBatch(List.of(bobsDeposit))).await();

        // then each answers as the waiting call would: EXTERNAL existed, the reservation exceeds what the move left
        assertThat(accountErrors).containsExactly(new AccountError(0, CreateAccountResult.Exists));
        assertThat(transferErrors).containsExactly(new TransferError(1, CreateTransferResult.ExceedsCredits));
        assertThat(depositErrors).isEmpty();
        assertThat(balance(key(alice, AccountType.SPOT, Bucket.AVAILABLE))).isEqualTo(BigInteger.valueOf(60));
        assertThat(balance(key(bob, AccountType.FUNDING, Bucket.AVAILABLE))).isEqualTo(BigInteger.valueOf(7));
        // and sent again, the deposit answers exists
        assertThat(ledger().sendTransfers(LedgerMapping.transferBatch(List.of(bobsDeposit))).await())
                .containsExactly(new TransferError(0, CreateTransferResult.Exists));
    }

    @Test
    void aRequestSentWithoutWaitingOfEventsPerRequestMaxTransfersIsApplied() {
        // given alice has funds, and EVENTS_PER_REQUEST_MAX single-transfer entries
        List<MappedEntry> entries = fundedReservationsOfOne(LedgerMapping.EVENTS_PER_REQUEST_MAX);

        // when one request sent without waiting carries them
        Pending<List<TransferError>> sent = ledger().sendTransfers(LedgerMapping.transferBatch(entries));

        // then every one was applied (a cluster that takes fewer per request gets it in slices)
        assertThat(sent.await()).isEmpty();
        assertThat(balance(key(alice, AccountType.SPOT, Bucket.FROZEN))).isEqualTo(BigInteger.valueOf(LedgerMapping.EVENTS_PER_REQUEST_MAX));
    }

    @Test
    void lookupsAnswerOnlyForAccountsThatExistInAnyNumber() {
        // given three of alice's accounts exist
        apply(Journal.deposit(id("d1"), alice, BTC, 30), Journal.withdrawRequested(id("w1"), alice, BTC, 10),
                Journal.transfer(id("t1"), alice, AccountType.FUNDING, AccountType.SPOT, BTC, 5));

        // when more ids than one request holds are looked up (most of them absent)
        List<LedgerId> ids = new java.util.ArrayList<>();
        for (long owner = 0; owner < LedgerMapping.EVENTS_PER_REQUEST_MAX + 10; owner++) {
            ids.add(LedgerMapping.accountId(key(bob + 10_000_000 + owner, AccountType.SPOT, Bucket.AVAILABLE)));
        }
        ids.add(LedgerMapping.accountId(key(alice, AccountType.FUNDING, Bucket.AVAILABLE)));
        ids.add(LedgerMapping.accountId(key(alice, AccountType.FUNDING, Bucket.FROZEN)));
        ids.add(LedgerMapping.accountId(key(alice, AccountType.SPOT, Bucket.AVAILABLE)));
        Collection<LedgerBalance> found = ledger().lookupAccounts(ids);

        // then exactly the three, with their balances
        assertThat(found).extracting(LedgerBalance::postedBalance)
                .containsExactly(BigInteger.valueOf(15), BigInteger.valueOf(10), BigInteger.valueOf(5));
    }
}
