package io.settlement.sink.tigerbeetle.reconcile;

import io.settlement.retry.RetryPolicy;
import io.settlement.sink.tigerbeetle.LedgerAccountKey;
import io.settlement.sink.tigerbeetle.LedgerClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reconcile while commands flow: tells the sink's lag from real differences. A plain comparison
 * of a moving ledger finds every account the sink has not yet caught up with; this one reports
 * an account only when its difference cannot be lag:
 *
 * <ol>
 *   <li>read the stores ({@code S1}), then the journal's committed end offsets ({@code E}): every
 *       entry {@code S1} reflects is below {@code E} (an entry and its store update are one
 *       transaction);</li>
 *   <li>wait until the sink's committed offsets reach {@code E} on every partition: TigerBeetle then
 *       holds everything {@code S1} holds (and perhaps more);</li>
 *   <li>look the accounts up in TigerBeetle and compare with {@code S1};</li>
 *   <li>read the stores again ({@code S2}): an account whose rows (balances and per-account
 *       sequence) changed between {@code S1} and {@code S2} may have moved in TigerBeetle after
 *       {@code S1}, so it is <em>in flight</em>, not compared; one that did not change cannot
 *       have, so a difference there is real.</li>
 * </ol>
 *
 * If the sink does not reach {@code E} in time the check says so and reports nothing (lag, not a
 * difference). A busy account (the system accounts, on a busy system) may stay in flight check
 * after check; a quiet one is compared exactly.
 */
public final class LiveReconciler {
    /** Where the two sides and the sink's progress are read. */
    public interface Sources {
        /** Every store row, as {@link Reconciler} takes them, each with its per-account sequence. */
        List<StoreBalance> storeRows();

        /** The journal's end offset per partition, as a read_committed consumer sees it. */
        Map<Integer, Long> journalEnds();

        /** The sink's committed offset per journal partition (absent: nothing committed). */
        Map<Integer, Long> sinkCommitted();
    }

    /**
     * One check's outcome.
     *
     * @param differences      the real differences (empty when the sink lagged)
     * @param compared         accounts (one per store row key) compared
     * @param inFlight         accounts that changed during the check, not compared
     * @param sinkCaughtUp     whether the sink reached the journal's end in time (if not, nothing was compared)
     * @param sinkBehind       when it did not: entries per partition it was behind at the end of the wait
     */
    public record Report(List<BalanceDifference> differences, int compared, int inFlight, boolean sinkCaughtUp,
                         Map<Integer, Long> sinkBehind) {
        public String summary() {
            if (!sinkCaughtUp) {
                return "live reconcile: the TigerBeetle sink did not reach the journal's end in time (behind by "
                        + sinkBehind + "); lag, no comparison";
            }
            return "live reconcile: " + compared + " account(s) compared, " + inFlight + " in flight, "
                    + differences.size() + " difference(s)";
        }
    }

    private final Sources sources;
    private final Reconciler reconciler;
    /** Waits between two looks at the sink's progress. */
    private final RetryPolicy.Pause pause;

    public LiveReconciler(Sources sources, LedgerClient ledger, RetryPolicy.Pause pause) {
        this.sources = sources;
        this.reconciler = new Reconciler(ledger);
        this.pause = pause;
    }

    /** One check; waits at most {@code sinkWait} for the sink. */
    public Report check(Duration sinkWait) throws InterruptedException {
        List<StoreBalance> before = sources.storeRows();
        Map<Integer, Long> ends = sources.journalEnds();
        long deadline = System.nanoTime() + sinkWait.toNanos();
        Map<Integer, Long> behind = behind(ends, sources.sinkCommitted());
        while (!behind.isEmpty()) {
            if (System.nanoTime() > deadline) {
                return new Report(List.of(), 0, 0, false, behind);
            }
            pause.pause(200);
            behind = behind(ends, sources.sinkCommitted());
        }
        List<BalanceDifference> found = reconciler.reconcile(before);
        List<StoreBalance> after = sources.storeRows();
        Set<AccountRef> moved = moved(before, after);
        List<BalanceDifference> real = new ArrayList<>();
        for (BalanceDifference difference : found) {
            LedgerAccountKey key = difference.account();
            if (!moved.contains(new AccountRef(key.ownerId(), key.type(), key.assetId()))) {
                real.add(difference);
            }
        }
        Set<AccountRef> all = new HashSet<>();
        before.forEach(row -> all.add(AccountRef.of(row)));
        int inFlight = (int) all.stream().filter(moved::contains).count();
        return new Report(real, all.size() - inFlight, inFlight, true, Map.of());
    }

    private static Map<Integer, Long> behind(Map<Integer, Long> ends, Map<Integer, Long> committed) {
        Map<Integer, Long> behind = new HashMap<>();
        ends.forEach((partition, end) -> {
            long at = committed.getOrDefault(partition, 0L);
            if (at < end) {
                behind.put(partition, end - at);
            }
        });
        return behind;
    }

    private record AccountRef(long ownerId, io.settlement.avro.AccountType type, int assetId) {
        static AccountRef of(StoreBalance row) {
            return new AccountRef(row.ownerId(), row.type(), row.assetId());
        }
    }

    /** Accounts whose rows (every share, with its sequence) differ between the two reads. */
    private static Set<AccountRef> moved(Collection<StoreBalance> before, Collection<StoreBalance> after) {
        Map<AccountRef, List<StoreBalance>> first = byAccount(before);
        Map<AccountRef, List<StoreBalance>> second = byAccount(after);
        Set<AccountRef> moved = new HashSet<>();
        Set<AccountRef> keys = new HashSet<>(first.keySet());
        keys.addAll(second.keySet());
        for (AccountRef key : keys) {
            if (!first.getOrDefault(key, List.of()).equals(second.getOrDefault(key, List.of()))) {
                moved.add(key);
            }
        }
        return moved;
    }

    private static Map<AccountRef, List<StoreBalance>> byAccount(Collection<StoreBalance> rows) {
        Comparator<StoreBalance> order = Comparator.comparingLong(StoreBalance::seq).thenComparingLong(StoreBalance::available)
                .thenComparingLong(StoreBalance::frozen).thenComparingLong(StoreBalance::pending);
        Map<AccountRef, List<StoreBalance>> grouped = new HashMap<>();
        rows.forEach(row -> grouped.computeIfAbsent(AccountRef.of(row), k -> new ArrayList<>()).add(row));
        grouped.values().forEach(list -> list.sort(order));
        return grouped;
    }
}
