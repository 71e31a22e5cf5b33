package io.settlement.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark's command, the main of its own jar ({@code java -jar benchmark/target/settlement-bench.jar}):
 * measures the pass-through ceiling, then the settlement topology under seeded workloads,
 * verifies every run, prints a table and writes the same as JSON. Exits 0 when every run
 * verified, 1 (printing FAILED) otherwise.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark: the exactly-once pass-through ceiling, then settlement under seeded workloads "
                + "(A deposits+transfers, B trading mix, C ScyllaDB sink, T TigerBeetle sink), each verified; prints a table, writes JSON.")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", description = "Kafka bootstrap servers; default: a fresh embedded broker")
    String bootstrap;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--broker", defaultValue = "in-jvm", paramLabel = "in-jvm|process",
            description = "Without --bootstrap: the fresh broker runs in this JVM (in-jvm) or in a JVM of its own (process), "
                    + "whose CPU is then added to each run's as the broker's; default: ${DEFAULT-VALUE}")
    String broker;

    @Option(names = "--data-dir", defaultValue = "target/bench-data",
            description = "Embedded broker data and Kafka Streams state (emptied first); default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of every topic; default: ${DEFAULT-VALUE}")
    int partitions;

    @Option(names = "--threads", defaultValue = "1", description = "Kafka Streams threads (ceiling and settlement alike); default: ${DEFAULT-VALUE}")
    int threads;

    @Option(names = "--users", defaultValue = "100000", description = "Users of workload A (B trades among a tenth of as many); default: ${DEFAULT-VALUE}")
    int users;

    @Option(names = "--commands", defaultValue = "200000", description = "Commands per measured run at most; default: ${DEFAULT-VALUE}")
    int commands;

    @Option(names = "--duration-s", defaultValue = "30", description = "Seconds one run may send for at most; default: ${DEFAULT-VALUE}")
    long durationSeconds;

    @Option(names = "--result-timeout-s", defaultValue = "120", description = "Seconds to wait for a run's last result; default: ${DEFAULT-VALUE}")
    long resultTimeoutSeconds;

    @Option(names = "--seed", defaultValue = "7", description = "Workload seed; default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--workloads", defaultValue = "ABCT", description = "Workloads to run (T needs -Dtigerbeetle.binary); default: ${DEFAULT-VALUE}")
    String workloads;

    @Option(names = "--fixed-rate", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also run each workload at half its measured peak (latency at a steady rate); default: on, --no-fixed-rate skips it")
    boolean fixedRate;

    @Option(names = "--warm-up", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Send unmeasured commands first, for the JIT (ceiling and each workload); default: on, --no-warm-up skips it")
    boolean warmUp;

    @Option(names = "--warm-up-commands", paramLabel = "N",
            description = "How many commands each warm-up sends; default: a tenth of --commands, at most " + BenchRun.WARM_UP_MAX
                    + ". The default leaves the JIT compiling through the measured runs (see docs/performance.md)")
    Integer warmUpCommands;

    @Option(names = "--cql", description = "host:port of ScyllaDB/Cassandra for workload C (the sink run)")
    String cql;

    @Option(names = "--http-requests", defaultValue = "20000", description = "Balance and status lookups of each pass of the HTTP load: a warm-up, the closed-loop peak, paced at half the peak (0: none); default: ${DEFAULT-VALUE}")
    int httpRequests;

    @Option(names = "--http-clients", defaultValue = "4", description = "Concurrent HTTP clients; default: ${DEFAULT-VALUE}")
    int httpClients;

    @Option(names = "--out", description = "Write the report as JSON here, and its chart as PNG beside it (bench.json: bench.png)")
    Path out;

    @Option(names = "--streams", description = "A Kafka Streams setting over the app's, for experiments (ceiling and settlement alike), e.g. --streams max.task.idle.ms=-1")
    java.util.Map<String, String> streamsOverrides = new java.util.LinkedHashMap<>();

    @Option(names = "--quiet-logs", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Keep Kafka's own logging at ERROR; default: on")
    boolean quietLogs;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (quietLogs) {
            quietKafkaLogs();
        }
        BenchSettings settings = new BenchSettings(Optional.ofNullable(bootstrap), dataDir.toAbsolutePath(), partitions, threads, users,
                commands, Duration.ofSeconds(durationSeconds), Duration.ofSeconds(resultTimeoutSeconds), seed, workloads, fixedRate, warmUpCount(),
                Optional.ofNullable(cql), httpRequests, httpClients, Optional.ofNullable(out), streamsOverrides, brokerInOwnProcess(broker));
        return run(settings, System.out);
    }

    /** Commands per warm-up: none without --warm-up, else --warm-up-commands or the default. */
    int warmUpCount() {
        if (!warmUp) {
            return 0;
        }
        return warmUpCommands != null ? warmUpCommands : Math.min(BenchRun.WARM_UP_MAX, commands / 10);
    }

    private boolean brokerInOwnProcess(String placement) {
        return switch (placement) {
            case "in-jvm" -> false;
            case "process" -> true;
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--broker is in-jvm or process, not " + placement);
        };
    }

    /** Runs the benchmark, prints the table, writes the JSON; 0 when verified, 1 when not. */
    public static int run(BenchSettings settings, PrintStream printer) throws InterruptedException, IOException {
        BenchReport report = new BenchRun(settings, printer).execute();
        report.targets = BenchTargets.of(report);
        printer.print(table(report));
        if (settings.out().isPresent()) {
            Path path = settings.out().get().toAbsolutePath();
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            json().writeValue(path.toFile(), report);
            printer.println("JSON report: " + path);
            Path chart = BenchChart.besides(path);
            try {
                BenchChart.write(report, chart);
                printer.println("Chart: " + chart);
            } catch (IllegalArgumentException e) {
                printer.println("Chart: not drawn, " + e.getMessage());
            }
        }
        printer.println(report.verified() ? "VERIFIED" : "FAILED: " + String.join("; ", report.failures));
        return report.verified() ? 0 : 1;
    }

    static ObjectMapper json() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .setVisibility(com.fasterxml.jackson.annotation.PropertyAccessor.FIELD, com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility.PUBLIC_ONLY);
    }

    /** A part's share of a run's CPU in percent, or {@code -} when the run did not measure it. */
    private static String percent(java.util.Map<String, Double> shares, String part) {
        Double share = shares == null ? null : shares.get(part);
        return share == null ? "-" : String.format(Locale.ROOT, "%.0f", share * 100);
    }

    static String table(BenchReport report) {
        StringBuilder table = new StringBuilder("\n");
        table.append(String.format(Locale.ROOT, "%-20s %9s %10s %9s %7s %7s %9s %9s %9s %9s %9s %9s %8s %6s %6s %6s%n",
                "run", "commands", "cmd/s", "trades/s", "ratio", "tr.rat", "p50 ms", "p99 ms", "p99.9 ms", "tr.p50", "tr.p99", "tr.p99.9", "CPU s/1k",
                "harn.%", "brok.%", "jit.%"));
        for (RunReport run : report.runs) {
            if (run.run().startsWith("T ")) {
                table.append(String.format(Locale.ROOT, "%-20s %9d transfers in %.1f s: %,.0f transfers/s, %.3f of TigerBeetle's own benchmark as large (%,.0f transfers/s; "
                                + "in its default shape %,.0f)%n",
                        run.run(), run.commands(), run.seconds(), run.sinkRowsPerSecond(), run.ratioToCeiling(),
                        report.environment.getOrDefault("tigerbeetleCeilingTransfersPerSecond", Double.NaN),
                        report.environment.getOrDefault("tigerbeetleDefaultShapeTransfersPerSecond", Double.NaN)));
                continue;
            }
            if (run.sinkRowsPerSecond() > 0 || run.run().startsWith("C ")) {
                table.append(String.format(Locale.ROOT, "%-20s %9d rows in %.1f s: %,.0f rows/s%n", run.run(), run.commands(), run.seconds(),
                        run.sinkRowsPerSecond()));
                continue;
            }
            table.append(String.format(Locale.ROOT, "%-20s %9d %10.0f %9.0f %7.3f %7s %9s %9s %9s %9s %9s %9s %8.3f %6s %6s %6s%n",
                    run.run() + (run.targetRate() > 0 ? "" : ""), run.commands(), run.commandsPerSecond(), run.tradesPerSecond(),
                    run.ratioToCeiling(), run.trades() > 0 ? String.format(Locale.ROOT, "%.3f", run.tradeRatioToCeiling()) : "-",
                    ms(run.singleStep().p50Ms()), ms(run.singleStep().p99Ms()), ms(run.singleStep().p999Ms()),
                    ms(run.tradeLatency().p50Ms()), ms(run.tradeLatency().p99Ms()), ms(run.tradeLatency().p999Ms()), run.cpuSecondsPer1000(),
                    percent(run.cpuShares(), CpuByPart.HARNESS), percent(run.cpuShares(), CpuByPart.BROKER), percent(run.cpuShares(), CpuByPart.JIT)));
        }
        if (!report.appendsPerCommand.isEmpty()) {
            table.append("appends per command (records and transaction markers, by topic):\n");
            report.appendsPerCommand.forEach((run, appends) -> table.append(String.format(Locale.ROOT, "  %-18s %s%n", run,
                    TopicAppends.line(appends))));
        }
        if (report.appendsPerTrade != null) {
            table.append(String.format(Locale.ROOT, "appends per trade (%s: %d trades and nothing else; records and transaction markers, by topic):%n"
                    + "  %s%n", report.appendsPerTrade.run(), report.appendsPerTrade.trades(), TopicAppends.line(report.appendsPerTrade.perTrade())));
        }
        for (BenchReport.Verification verification : report.verifications) {
            table.append(String.format(Locale.ROOT, "verification %s: %s (%d results for %d commands incl. %d documented duplicates; "
                            + "%d accepted, %d rejected %s, %d of them unplanned; %d dead letters %s; invariants %s over %d accounts of %d users)%n",
                    verification.workload(), verification.ok() ? "OK" : "FAILED", verification.results().results(), verification.results().commands(),
                    verification.results().documentedDuplicates(), verification.results().accepted(), verification.results().rejected(),
                    verification.results().rejectedByReason(), verification.results().unexpectedRejections(), verification.deadLetters(),
                    verification.deadLettersByReason(),
                    verification.invariants().ok() ? "hold" : "BROKEN", verification.invariants().accounts(), verification.invariants().users()));
            verification.problems().forEach(problem -> table.append("   ").append(problem).append('\n'));
        }
        for (BenchReport.HttpLoad http : new BenchReport.HttpLoad[] {report.httpLoad, report.httpLoadHalfPeak}) {
            if (http != null) {
                table.append(String.format(Locale.ROOT, "HTTP lookups%s: %d requests (%d errors) in %.1f s: %,.0f requests/s; balance p50 %s p99 %s ms;"
                                + " status p50 %s p99 %s ms%n", http.pacedRate() > 0 ? " paced at half-peak" : " (peak, closed loop)",
                        http.requests(), http.errors(), http.seconds(), http.requestsPerSecond(), ms(http.balanceLookups().p50Ms()),
                        ms(http.balanceLookups().p99Ms()), ms(http.statusLookups().p50Ms()), ms(http.statusLookups().p99Ms())));
            }
        }
        if (!report.targets.isEmpty()) {
            table.append(BenchTargets.table(report.targets));
        }
        coldWarning(report).ifPresent(warning -> table.append(warning).append('\n'));
        report.skipped.forEach(skipped -> table.append("skipped ").append(skipped).append('\n'));
        table.append("environment: ").append(report.environment).append('\n');
        return table.toString();
    }

    /** A JIT share of a full-speed run's CPU above which the run is told to have measured code still compiling. */
    static final double JIT_COLD_SHARE = 0.2;

    /** Says so when the JIT took more than {@link #JIT_COLD_SHARE} of a full-speed run's CPU: its ratios are to a cold ceiling. */
    static java.util.Optional<String> coldWarning(BenchReport report) {
        return report.runs.stream()
                .filter(run -> run.run().endsWith(" full") && run.cpuShares() != null)
                .max(java.util.Comparator.comparingDouble(run -> run.cpuShares().getOrDefault(CpuByPart.JIT, 0.0)))
                .filter(run -> run.cpuShares().getOrDefault(CpuByPart.JIT, 0.0) > JIT_COLD_SHARE)
                .map(run -> String.format(Locale.ROOT, "note: the JIT compiled through the measured runs (%s of the CPU in %s): the ratios are to a"
                        + " cold ceiling; --warm-up-commands 300000 measures warmer (docs/performance.md, \"Warm-up and the JIT\")",
                        percent(run.cpuShares(), CpuByPart.JIT) + "%", run.run()));
    }

    private static String ms(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
    }

    private static void quietKafkaLogs() {
        // Kafka warns about every transient retry (CONCURRENT_TRANSACTIONS at a transaction's start, for one):
        // errors stay visible, the rest would drown the table.
        for (String name : new String[] {org.slf4j.Logger.ROOT_LOGGER_NAME, "org.apache.kafka", "kafka", "state.change.logger"}) {
            if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
                logger.setLevel(ch.qos.logback.classic.Level.ERROR);
            }
        }
        // The embedded broker logs OutOfOrderSequenceException as ERROR for the first batch of every
        // transaction of exactly-once producers (the producer retries and the batch is appended).
        if (LoggerFactory.getLogger("kafka.server.ReplicaManager") instanceof ch.qos.logback.classic.Logger logger) {
            logger.setLevel(ch.qos.logback.classic.Level.OFF);
        }
    }
}
