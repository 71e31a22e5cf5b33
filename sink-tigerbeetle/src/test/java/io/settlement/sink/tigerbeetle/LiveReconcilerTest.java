package io.settlement.sink.tigerbeetle;

import static io.settlement.sink.tigerbeetle.Journal.BTC;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.AccountType;
import io.settlement.avro.JournalEntry;
import io.settlement.sink.tigerbeetle.reconcile.BalanceDifference;
import io.settlement.sink.tigerbeetle.reconcile.LiveReconciler;
import io.settlement.sink.tigerbeetle.reconcile.StoreBalance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link LiveReconciler} with the stores, the journal and the sink simulated step by step: lag is
 * never a difference, an account that moves during the check is not compared, and a real
 * difference on a quiet account is found while other accounts move.
 */
class LiveReconcilerTest {
    static final long ALICE = 7;
    static final long BOB = 8;

    final FakeLedger ledger = new FakeLedger();
    final StoreModel stores = new StoreModel();
    final Map<Long, Long> seqs = new HashMap<>();
    final List<JournalEntry> journal = new ArrayList<>();
    int sinkApplied;
    /** Runs at each step of the check, to move the system under it. */
    Runnable onStoreRead = () -> { };

    final LiveReconciler.Sources sources = new LiveReconciler.Sources() {
        @Override
        public List<StoreBalance> storeRows() {
            List<StoreBalance> rows = stores.rows().stream().map(row -> new StoreBalance(row.ownerId(), row.type(), row.assetId(),
                    row.available(), row.frozen(), row.pending(), seqs.getOrDefault(row.ownerId(), 0L))).toList();
            onStoreRead.run();
            return rows;
        }

        @Override
        public Map<Integer, Long> journalEnds() {
            return Map.of(0, (long) journal.size());
        }

        @Override
        public Map<Integer, Long> sinkCommitted() {
            return Map.of(0, (long) sinkApplied);
        }
    };

    /** The topology: the store applies the entry, the journal gets it. */
    void settle(JournalEntry entry) {
        stores.apply(0, entry);
        seqs.merge(entry.getUserId(), 1L, Long::sum);
        journal.add(entry);
    }

    /** The sink: applies what it has not yet. */
    void sinkCatchesUp() {
        List<MappedEntry> pending = journal.subList(sinkApplied, journal.size()).stream().map(LedgerMapping::map).toList();
        pending.forEach(entry -> ledger.createAccounts(LedgerMapping.accountBatch(entry.accounts())));
        ledger.createTransfers(LedgerMapping.transferBatch(pending));
        sinkApplied = journal.size();
    }

    LiveReconciler.Report check() throws InterruptedException {
        return new LiveReconciler(sources, ledger, millis -> sinkCatchesUp()).check(Duration.ofSeconds(5));
    }

    @Test
    void aSinkBehindTheJournalIsLagNotADifference() throws InterruptedException {
        // given settled entries the sink has not applied, and a sink that does not move
        settle(Journal.deposit("d1", ALICE, BTC, 100));

        // when checked with a sink that never catches up
        LiveReconciler.Report report = new LiveReconciler(sources, ledger, millis -> { }).check(Duration.ZERO);

        // then it is lag: nothing compared, no difference
        assertThat(report.sinkCaughtUp()).isFalse();
        assertThat(report.differences()).isEmpty();
        assertThat(report.sinkBehind()).containsEntry(0, 1L);
        assertThat(report.summary()).contains("did not reach the journal's end");
    }

    @Test
    void anAccountThatMovesDuringTheCheckIsInFlightNotADifference() throws InterruptedException {
        // given both ledgers equal
        settle(Journal.deposit("d1", ALICE, BTC, 100));
        settle(Journal.deposit("d2", BOB, BTC, 100));
        sinkCatchesUp();
        // and alice's commands flowing while the check runs: each store read is followed by one more
        int[] n = {0};
        onStoreRead = () -> settle(Journal.transfer("t" + n[0]++, ALICE, AccountType.FUNDING, AccountType.SPOT, BTC, 1));

        // when checked (the sink applies alice's new entries meanwhile, so TigerBeetle runs ahead of the first read)
        LiveReconciler.Report report = check();

        // then alice's accounts are in flight, bob's compared, and nothing differs
        assertThat(report.sinkCaughtUp()).isTrue();
        assertThat(report.differences()).isEmpty();
        assertThat(report.inFlight()).isEqualTo(1);
        assertThat(report.compared()).isEqualTo(2);
    }

    @Test
    void aRealDifferenceOnAQuietAccountIsFoundWhileOthersMove() throws InterruptedException {
        // given both ledgers equal, then a deposit of one unit to bob in TigerBeetle alone
        settle(Journal.deposit("d1", ALICE, BTC, 100));
        settle(Journal.deposit("d2", BOB, BTC, 100));
        sinkCatchesUp();
        ledger.createTransfers(LedgerMapping.transferBatch(List.of(LedgerMapping.map(Journal.deposit("outside", BOB, BTC, 1)))));
        int[] n = {0};
        onStoreRead = () -> settle(Journal.transfer("t" + n[0]++, ALICE, AccountType.FUNDING, AccountType.SPOT, BTC, 1));

        // when checked while alice's commands flow
        LiveReconciler.Report report = check();

        // then exactly the two accounts it moved differ (EXTERNAL is quiet: transfers do not touch it)
        assertThat(report.differences()).extracting(BalanceDifference::toString).containsExactlyInAnyOrder(
                "user 8 FUNDING.AVAILABLE asset 1: store 100, TigerBeetle 101 (balance differs by 1)",
                "SYSTEM EXTERNAL.AVAILABLE asset 1: store -200, TigerBeetle -201 (balance differs by -1)");
        assertThat(report.inFlight()).isEqualTo(1);
    }
}
