package io.settlement.sink.tigerbeetle;

import static io.settlement.sink.tigerbeetle.Journal.BTC;
import static io.settlement.sink.tigerbeetle.Journal.USDT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settlement.avro.AccountType;
import io.settlement.avro.Bucket;
import io.settlement.avro.JournalEntry;
import io.settlement.sink.tigerbeetle.reconcile.BalanceDifference;
import io.settlement.sink.tigerbeetle.reconcile.Reconciler;
import io.settlement.sink.tigerbeetle.reconcile.ReconciliationPrinter;
import io.settlement.sink.tigerbeetle.reconcile.StoreBalance;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
    static final long ALICE = 7;   // balance task 0
    static final long BOB = 8;     // balance task 1

    FakeLedger ledger;
    StoreModel stores;

    /** Every kind of entry, a trade whose legs cross the two tasks, one refunded trade. */
    static List<Object[]> journal() {
        return List.of(
                new Object[] {0, Journal.deposit("d1", ALICE, BTC, 1_000)},
                new Object[] {0, Journal.depositInitiated("d2", ALICE, BTC, 300)},
                new Object[] {0, Journal.depositConfirmed("d2c", ALICE, BTC, 200)},
                new Object[] {0, Journal.depositInitiated("d3", ALICE, BTC, 100)},
                new Object[] {0, Journal.depositCancelled("d3c", ALICE, BTC, 100)},
                new Object[] {0, Journal.withdrawRequested("w1", ALICE, BTC, 150)},
                new Object[] {0, Journal.withdrawConfirmed("w1c", ALICE, BTC, 100)},
                new Object[] {0, Journal.withdrawCancelled("w1x", ALICE, BTC, 50)},
                new Object[] {0, Journal.transfer("t1", ALICE, AccountType.FUNDING, AccountType.SPOT, BTC, 500)},
                new Object[] {0, Journal.orderReserved("o1", ALICE, BTC, 400)},
                new Object[] {1, Journal.deposit("d4", BOB, USDT, 90_000)},
                new Object[] {1, Journal.transfer("t2", BOB, AccountType.FUNDING, AccountType.SPOT, USDT, 90_000)},
                new Object[] {1, Journal.orderReserved("o2", BOB, USDT, 80_000)},
                // trade x1: alice sells 300 BTC for 60_000 USDT to bob; each side's legs in its own task
                new Object[] {0, Journal.tradeDebit("x1", "SELLER", ALICE, BTC, 300, true)},
                new Object[] {1, Journal.tradeDebit("x1", "BUYER", BOB, USDT, 60_000, true)},
                new Object[] {1, Journal.tradeCredit("x1", "BUYER", BOB, BTC, 300, 3)},
                new Object[] {0, Journal.tradeCredit("x1", "SELLER", ALICE, USDT, 60_000, 60)},
                // trade x2 refunded: bob's debit went through, alice's was refused
                new Object[] {1, Journal.tradeDebit("x2", "BUYER", BOB, USDT, 10_000, true)},
                new Object[] {1, Journal.tradeRefund("x2", "BUYER", BOB, USDT, 10_000)},
                new Object[] {0, Journal.orderReleased("o1", ALICE, BTC, 100)});
    }

    @BeforeEach
    void mirrorTheJournalIntoBothLedgers() {
        ledger = new FakeLedger();
        stores = new StoreModel();
        for (Object[] step : journal()) {
            int task = (Integer) step[0];
            JournalEntry entry = (JournalEntry) step[1];
            stores.apply(task, entry);
            MappedEntry mapped = LedgerMapping.map(entry);
            assertThat(ledger.createAccounts(LedgerMapping.accountBatch(mapped.accounts())))
                    .allSatisfy(error -> assertThat(error.result()).isEqualTo(com.tigerbeetle.CreateAccountResult.Exists));
            assertThat(ledger.createTransfers(LedgerMapping.transferBatch(List.of(mapped)))).as(entry.getEntryId()).isEmpty();
        }
    }

    @Test
    void theLedgersAgreeWhenTigerBeetleMirrorsTheJournalTheStoresApplied() {
        // given stores whose system rows are per-task shares (one task's CLEARING share is negative)
        List<StoreBalance> rows = stores.rows();
        assertThat(rows).anySatisfy(row -> {
            assertThat(row.type()).isEqualTo(AccountType.CLEARING);
            assertThat(row.available()).isNegative();
        });

        // when reconciled
        List<BalanceDifference> differences = new Reconciler(ledger).reconcile(rows);

        // then there is no difference
        assertThat(differences).isEmpty();
        // and the invariants hold in both: buckets of users never negative; per asset everything sums to zero
        assertThat(rows).filteredOn(row -> !LedgerAccountKey.isSystem(row.type()))
                .allSatisfy(row -> assertThat(List.of(row.available(), row.frozen(), row.pending())).allMatch(v -> v >= 0));
        for (int asset : new int[] {BTC, USDT}) {
            long sum = rows.stream().filter(row -> row.assetId() == asset)
                    .mapToLong(row -> row.available() + row.frozen() + row.pending()).sum();
            assertThat(sum).as("store sum of asset %d", asset).isZero();
        }
    }

    @Test
    void reportsEveryDifferenceBucketByBucket() {
        // given stores that differ from TigerBeetle: alice's SPOT.available is one higher, bob's FUNDING.frozen
        // holds 5 TigerBeetle never saw, and carol has a balance TigerBeetle has no account for
        List<StoreBalance> rows = new ArrayList<>();
        for (StoreBalance row : stores.rows()) {
            if (row.ownerId() == ALICE && row.type() == AccountType.SPOT && row.assetId() == BTC) {
                row = new StoreBalance(row.ownerId(), row.type(), row.assetId(), row.available() + 1, row.frozen(), row.pending());
            }
            if (row.ownerId() == BOB && row.type() == AccountType.FUNDING && row.assetId() == USDT) {
                row = new StoreBalance(row.ownerId(), row.type(), row.assetId(), row.available(), row.frozen() + 5, row.pending());
            }
            rows.add(row);
        }
        rows.add(new StoreBalance(9, AccountType.FUNDING, BTC, 0, 0, 42));

        // when reconciled
        List<BalanceDifference> differences = new Reconciler(ledger).reconcile(rows);

        // then each difference is reported, with both sides
        assertThat(differences).extracting(BalanceDifference::account).containsExactlyInAnyOrder(
                new LedgerAccountKey(ALICE, AccountType.SPOT, BTC, Bucket.AVAILABLE),
                new LedgerAccountKey(BOB, AccountType.FUNDING, USDT, Bucket.FROZEN),
                new LedgerAccountKey(9, AccountType.FUNDING, BTC, Bucket.PENDING));
        BalanceDifference alice = differences.stream().filter(d -> d.account().ownerId() == ALICE).findFirst().orElseThrow();
        assertThat(alice.ledger()).isEqualTo(BigInteger.valueOf(alice.store().longValueExact() - 1));
        assertThat(differences.stream().filter(d -> d.account().ownerId() == 9).findFirst().orElseThrow().ledger()).isNull();
    }

    @Test
    void aSystemShareMissingFromTheStoreRowsIsADifference() {
        // given the rows of task 1 lost its CLEARING share
        List<StoreBalance> rows = new ArrayList<>(stores.rows());
        StoreBalance share = rows.stream().filter(row -> row.type() == AccountType.CLEARING && row.available() != 0).findFirst().orElseThrow();
        rows.remove(share);

        // when reconciled, then CLEARING differs by exactly that share
        List<BalanceDifference> differences = new Reconciler(ledger).reconcile(rows);
        assertThat(differences).singleElement().satisfies(d -> {
            assertThat(d.account().type()).isEqualTo(AccountType.CLEARING);
            assertThat(d.ledger().subtract(d.store())).isEqualTo(BigInteger.valueOf(share.available()));
        });
    }

    @Test
    void anAccountDefinedOtherwiseInTigerBeetleIsADifference() {
        // given TigerBeetle has carol's account without the overdraft flag
        ledger.putAccount(new LedgerAccountKey(9, AccountType.SPOT, BTC, Bucket.AVAILABLE), 0);

        // when reconciled with carol's (zero) row
        List<BalanceDifference> differences = new Reconciler(ledger).reconcile(List.of(new StoreBalance(9, AccountType.SPOT, BTC, 0, 0, 0)));

        // then the definition is reported
        assertThat(differences).singleElement().extracting(BalanceDifference::what).asString().contains("definition differs");
    }

    @Test
    void theCommandPrintsDifferencesAndExitsNonZeroOnlyWhenThereAreAny() {
        ReconciliationPrinter command = new ReconciliationPrinter(ledger);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

        // when the ledgers agree, the exit code is 0
        assertThat(command.run(stores.rows(), out).exitCode()).isEqualTo(ReconciliationPrinter.EXIT_AGREE);

        // when one differs, it is printed and the exit code is 1
        List<StoreBalance> rows = new ArrayList<>(stores.rows());
        rows.add(new StoreBalance(9, AccountType.FUNDING, BTC, 1, 0, 0));
        ReconciliationPrinter.Reconciliation outcome = command.run(rows, out);
        assertThat(outcome.exitCode()).isEqualTo(ReconciliationPrinter.EXIT_DIFFERENT);
        assertThat(outcome.differences()).hasSize(1);
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("DIFFERENCE user 9 FUNDING.AVAILABLE asset 1: store 1, TigerBeetle (no account)");

        // when TigerBeetle does not answer, the exit code says so
        ledger.failNext(1);
        assertThat(command.run(rows, out).exitCode()).isEqualTo(ReconciliationPrinter.EXIT_UNAVAILABLE);
    }

    @Test
    void theSameUserAccountListedTwiceIsACallersBug() {
        StoreBalance row = new StoreBalance(ALICE, AccountType.SPOT, BTC, 1, 0, 0);
        assertThatThrownBy(() -> new Reconciler(ledger).reconcile(List.of(row, row))).isInstanceOf(IllegalArgumentException.class);
    }
}
