package io.settlement.sink.tigerbeetle.reconcile;

import io.settlement.sink.tigerbeetle.LedgerClient;
import io.settlement.sink.tigerbeetle.LedgerUnavailableException;
import io.settlement.sink.tigerbeetle.TigerBeetleLedgerClient;
import java.io.PrintStream;
import java.util.Collection;
import java.util.List;

/**
 * Reconciles and prints: the work of {@code settlement reconcile} (the app's {@code ReconcileCommand}),
 * ready for it to call: given the store rows (fetched by the app from the HTTP API or by
 * interactive queries) and a {@link LedgerClient}
 * (a {@link TigerBeetleLedgerClient} in production), prints every difference, one per line, and a
 * summary, and returns the differences with the exit code: {@value #EXIT_AGREE} when the ledgers
 * agree, {@value #EXIT_DIFFERENT} when they do not, {@value #EXIT_UNAVAILABLE} when TigerBeetle did
 * not answer.
 */
public final class ReconciliationPrinter {
    public static final int EXIT_AGREE = 0;
    public static final int EXIT_DIFFERENT = 1;
    public static final int EXIT_UNAVAILABLE = 3;

    public record Reconciliation(List<BalanceDifference> differences, int exitCode) {}

    private final Reconciler reconciler;

    public ReconciliationPrinter(LedgerClient ledger) {
        this.reconciler = new Reconciler(ledger);
    }

    public Reconciliation run(Collection<StoreBalance> storeRows, PrintStream out) {
        List<BalanceDifference> differences;
        try {
            differences = reconciler.reconcile(storeRows);
        } catch (LedgerUnavailableException e) {
            out.println("reconcile: TigerBeetle did not answer: " + e.getMessage());
            return new Reconciliation(List.of(), EXIT_UNAVAILABLE);
        }
        differences.forEach(difference -> out.println("DIFFERENCE " + difference));
        out.println("reconcile: " + storeRows.size() + " store rows, " + differences.size() + " difference(s)");
        return new Reconciliation(differences, differences.isEmpty() ? EXIT_AGREE : EXIT_DIFFERENT);
    }
}
