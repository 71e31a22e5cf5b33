package io.settlement.app;

import io.settlement.app.ops.ReconcileMetrics;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.sink.tigerbeetle.LedgerClient;
import io.settlement.sink.tigerbeetle.LedgerUnavailableException;
import io.settlement.sink.tigerbeetle.reconcile.LiveReconciler;
import io.settlement.sink.tigerbeetle.reconcile.ReconciliationPrinter;
import io.settlement.sink.tigerbeetle.reconcile.StoreBalance;
import io.settlement.sink.tigerbeetle.TigerBeetleConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code settlement reconcile}: compares the balance stores of a deployment with TigerBeetle
 * (docs/topology.md, "Invariants", 5). The stores' side is read from their changelog
 * ({@link StoreBalances}: every partition, no running instance needed); TigerBeetle's through
 * {@code lookup_accounts}; {@link ReconciliationPrinter} compares them and prints every difference.
 * Without {@code --live}, run it when the TigerBeetle sink has caught up and no commands flow, or the
 * differences are lag; with {@code --live} ({@link LiveReconciler}) it tells lag from differences
 * on a running system.
 * With {@code --pushgateway} it also pushes the outcome as metrics ({@link ReconcileMetrics}) for
 * the alert on differences (docs/operations.md).
 *
 * <p>Exit codes: {@value ReconciliationPrinter#EXIT_AGREE} the ledgers agree,
 * {@value ReconciliationPrinter#EXIT_DIFFERENT} differences, 2 bad usage or configuration (no
 * {@code tigerbeetle.addresses}, no changelog for {@code application.id}),
 * {@value ReconciliationPrinter#EXIT_UNAVAILABLE} a side could not be read (TigerBeetle or Kafka did not answer).
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = "Compare every balance of the state stores with TigerBeetle; print each difference.")
final class ReconcileCommand implements Callable<Integer> {
    @Mixin
    SettlementCli.ConfigOptions config;

    @Option(names = "--store-only", description = "Print the stores' balances (from their changelog) and stop; needs no TigerBeetle.")
    boolean storeOnly;

    @Option(names = "--live", description = "While commands flow: wait for the TigerBeetle sink to reach the journal's end, "
            + "compare only the accounts that did not move meanwhile, and report lag as lag (exit 3), not as differences.")
    boolean live;

    @Option(names = "--pushgateway", paramLabel = "URL",
            description = "Push the outcome as metrics to this Prometheus Pushgateway (e.g. http://pushgateway:9091) for the alert.")
    java.net.URI pushgateway;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AppSettings settings = config.load(AppSettings.RUN_DEFAULTS, Map.of());
        TigerBeetleConfig cluster = null;
        if (!storeOnly) {
            cluster = settings.tigerBeetle().orElseThrow(() -> new IllegalArgumentException("config key '"
                    + AppSettings.TIGERBEETLE_ADDRESSES + "' is not set (in a config file, or as "
                    + AppSettings.environmentVariable(AppSettings.TIGERBEETLE_ADDRESSES) + "); or use --store-only"));
        }
        if (live) {
            return live(settings, cluster, out, err);
        }
        List<StoreBalance> rows;
        try {
            rows = StoreBalances.read(settings);
        } catch (IllegalStateException | KafkaException e) {
            err.println("settlement reconcile: cannot read the balance stores' changelog: " + e.getMessage());
            err.flush();
            return ReconciliationPrinter.EXIT_UNAVAILABLE;
        }
        if (storeOnly) {
            rows.forEach(row -> out.println("STORE " + row));
            out.printf("reconcile: %d store rows from %s%n", rows.size(), StoreBalances.changelogTopic(settings.applicationId()));
            out.flush();
            return SettlementCli.EXIT_OK;
        }
        try (LedgerClient ledger = cluster.client()) {
            ByteArrayOutputStream report = new ByteArrayOutputStream();
            ReconciliationPrinter.Reconciliation outcome;
            try (PrintStream printed = new PrintStream(report, true, StandardCharsets.UTF_8)) {
                outcome = new ReconciliationPrinter(ledger).run(rows, printed);
            }
            out.print(report.toString(StandardCharsets.UTF_8));
            out.flush();
            if (pushgateway != null && outcome.exitCode() != ReconciliationPrinter.EXIT_UNAVAILABLE) {
                try {
                    ReconcileMetrics.push(pushgateway, outcome.differences().size(), java.time.Instant.now());
                    out.println("reconcile: pushed " + ReconcileMetrics.NAMES + " to " + pushgateway);
                } catch (java.io.IOException e) {
                    err.println("settlement reconcile: the metrics were not pushed: " + e.getMessage());
                }
                out.flush();
                err.flush();
            }
            return outcome.exitCode();
        }
    }

    private int live(AppSettings settings, TigerBeetleConfig cluster, PrintWriter out, PrintWriter err) {
        try (Admin admin = Admin.create(settings.kafkaClientProperties());
             LedgerClient ledger = cluster.client()) {
            LiveReconciler.Report report = new LiveReconciler(LiveReconcile.sources(settings, Topics.create(AvroSerdes.SINGLE_OBJECT),
                    admin), ledger, Thread::sleep).check(LiveReconcile.SINK_WAIT);
            report.differences().forEach(difference -> out.println("DIFFERENCE " + difference));
            out.println(report.summary());
            out.flush();
            if (!report.sinkCaughtUp()) {
                return ReconciliationPrinter.EXIT_UNAVAILABLE;
            }
            return report.differences().isEmpty() ? ReconciliationPrinter.EXIT_AGREE : ReconciliationPrinter.EXIT_DIFFERENT;
        } catch (LedgerUnavailableException e) {
            out.println("reconcile: TigerBeetle did not answer: " + e.getMessage());
            out.flush();
            return ReconciliationPrinter.EXIT_UNAVAILABLE;
        } catch (IllegalStateException | KafkaException e) {
            err.println("settlement reconcile --live: " + e.getMessage());
            err.flush();
            return ReconciliationPrinter.EXIT_UNAVAILABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ReconciliationPrinter.EXIT_UNAVAILABLE;
        }
    }
}
