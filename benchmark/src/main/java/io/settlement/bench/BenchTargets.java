package io.settlement.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The performance targets of the engine, each with what this run measured and whether it met
 * it: printed under the table and written into the JSON, so a run says by itself how far each
 * target is. Ratios are against the exactly-once pass-through ceiling measured in the same run.
 * A target whose runs were not part of this run (workload B not run, no {@code --cql}) is shown
 * as not measured.
 */
public final class BenchTargets {
    /** One target: what it asks, what the run measured (NaN when not measured) and whether that meets it. */
    public record Target(String target, String measured, Boolean met) {}

    static final double SINGLE_STEP_RATIO = 0.40;
    static final double TRADE_RATIO = 0.10;
    static final double SINGLE_STEP_P99_FACTOR = 1.5;
    static final double TRADE_P99_FACTOR = 3.5;
    static final double LOOKUP_P99_MS = 5.0;
    static final double SINK_ROWS_PER_SECOND = 43_500;
    static final double TIGERBEETLE_SINK_RATIO = 0.5;
    static final double APPENDS_PER_TRADE = 24;

    private BenchTargets() {}

    static List<Target> of(BenchReport report) {
        List<Target> targets = new ArrayList<>();
        Optional<RunReport> ceilingHalf = run(report, "ceiling half-peak");
        targets.add(atLeast("single-step commands >= 0.40 of the ceiling (A full)", run(report, "A full").map(RunReport::ratioToCeiling),
                SINGLE_STEP_RATIO, "%.3f"));
        targets.add(atLeast("trades >= 0.10 of the ceiling in trades/s (B full)", run(report, "B full").map(RunReport::tradeRatioToCeiling),
                TRADE_RATIO, "%.3f"));
        targets.add(p99Factor("p99 at half-peak <= 1.5x the ceiling's, single-step (A half-peak)", run(report, "A half-peak"), ceilingHalf,
                r -> r.singleStep().p99Ms(), SINGLE_STEP_P99_FACTOR));
        targets.add(p99Factor("p99 at half-peak <= 3.5x the ceiling's, trades (B half-peak)", run(report, "B half-peak"), ceilingHalf,
                r -> r.tradeLatency().p99Ms(), TRADE_P99_FACTOR));
        Optional<Double> lookupP99 = Optional.ofNullable(report.httpLoadHalfPeak).map(h -> h.balanceLookups().p99Ms());
        Target lookup = atMost("balance lookup p99 <= 5 ms, paced at half the lookup peak", lookupP99, LOOKUP_P99_MS, "%.1f ms");
        if (report.httpLoad != null) {
            lookup = new Target(lookup.target(), lookup.measured() + String.format(Locale.ROOT, " (closed loop at the peak: %.1f ms)",
                    report.httpLoad.balanceLookups().p99Ms()), lookup.met());
        }
        targets.add(lookup);
        targets.add(atMost("appends per trade <= 24 (B, a phase of trades only)",
                Optional.ofNullable(report.appendsPerTrade).map(BenchReport.TradeAppends::total), APPENDS_PER_TRADE, "%.2f"));
        targets.add(atLeast("ScyllaDB sink >= 43,500 rows/s (C)", workload(report, "C").map(RunReport::sinkRowsPerSecond),
                SINK_ROWS_PER_SECOND, "%,.0f rows/s"));
        targets.add(atLeast("TigerBeetle sink >= 0.5 of TigerBeetle's own benchmark as large (T)", workload(report, "T").map(RunReport::ratioToCeiling),
                TIGERBEETLE_SINK_RATIO, "%.3f"));
        StringBuilder cpu = new StringBuilder();
        for (String name : new String[] {"A full", "B full"}) {
            run(report, name).ifPresent(r -> cpu.append(cpu.isEmpty() ? "" : ", ").append(name).append(' ')
                    .append(String.format(Locale.ROOT, "%.3f", r.cpuSecondsPer1000())));
        }
        targets.add(new Target("CPU seconds per 1,000 commands, lower than before (compare with the previous runs)",
                cpu.isEmpty() ? "not measured" : cpu.toString(), null));
        return targets;
    }

    static String table(List<Target> targets) {
        StringBuilder table = new StringBuilder("targets:\n");
        for (Target target : targets) {
            String verdict = target.met() == null ? "    " : target.met() ? "MET " : "MISS";
            table.append(String.format(Locale.ROOT, "  %s %-75s %s%n", verdict, target.target(), target.measured()));
        }
        return table.toString();
    }

    private static Optional<RunReport> run(BenchReport report, String name) {
        return report.runs.stream().filter(r -> r.run().equals(name)).findFirst();
    }

    /** The run of a sink workload ({@code C}, {@code T}): its name starts with the workload's letter. */
    private static Optional<RunReport> workload(BenchReport report, String letter) {
        return report.runs.stream().filter(r -> r.run().startsWith(letter + " ")).findFirst();
    }

    private static Target atLeast(String target, Optional<Double> measured, double goal, String format) {
        return measured.filter(v -> !Double.isNaN(v))
                .map(v -> new Target(target, String.format(Locale.ROOT, format, v), v >= goal))
                .orElse(new Target(target, "not measured in this run", null));
    }

    private static Target atMost(String target, Optional<Double> measured, double goal, String format) {
        return measured.filter(v -> !Double.isNaN(v))
                .map(v -> new Target(target, String.format(Locale.ROOT, format, v), v <= goal))
                .orElse(new Target(target, "not measured in this run", null));
    }

    private static Target p99Factor(String target, Optional<RunReport> run, Optional<RunReport> ceiling, Function<RunReport, Double> p99,
            double goal) {
        if (run.isEmpty() || ceiling.isEmpty() || Double.isNaN(p99.apply(run.get())) || !(ceiling.get().singleStep().p99Ms() > 0)) {
            return new Target(target, "not measured in this run", null);
        }
        double mine = p99.apply(run.get());
        double theirs = ceiling.get().singleStep().p99Ms();
        double factor = mine / theirs;
        return new Target(target, String.format(Locale.ROOT, "%.1f / %.1f ms = %.2fx", mine, theirs, factor), factor <= goal);
    }
}
