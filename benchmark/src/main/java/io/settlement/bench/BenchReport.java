package io.settlement.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a benchmark run reports: the measured runs, each workload's verification, the
 * HTTP lookup load, skipped parts with the reason, and the verdict. Printed as a table and
 * written as JSON with the same content.
 */
public final class BenchReport {
    /** A workload's verification: results (exactly one per command) and the invariants at its end. */
    public record Verification(String workload, boolean ok, ResultScan.Verdict results, Invariants.Check invariants,
                               long deadLetters, Map<String, Long> deadLettersByReason, List<String> problems) {}

    /** A lookup load: closed ({@code pacedRate} 0: as fast as the clients go) or paced at {@code pacedRate} requests/s. */
    /**
     * The broker's appends per trade, measured over a phase that sent trades and nothing else
     * ({@link TradingMix#tradesOnly}): by topic, largest first, {@code total} last ({@link TopicAppends}).
     */
    public record TradeAppends(String run, long trades, Map<String, Double> perTrade) {
        public double total() {
            return perTrade.getOrDefault("total", Double.NaN);
        }
    }

    public record HttpLoad(long requests, long errors, double seconds, double requestsPerSecond, long pacedRate, Latencies balanceLookups,
                           Latencies statusLookups) {}

    public final Map<String, Object> environment = new LinkedHashMap<>();
    public final List<RunReport> runs = new ArrayList<>();
    public final List<Verification> verifications = new ArrayList<>();
    public final List<String> skipped = new ArrayList<>();
    /** Per full-speed run: appends (records and transaction markers) per command, by topic, and their total ({@link TopicAppends}). */
    public final Map<String, Map<String, Double>> appendsPerCommand = new LinkedHashMap<>();
    /** Workload B's appends per trade, from its trades-only phase; null when not measured. */
    public TradeAppends appendsPerTrade;
    public HttpLoad httpLoad;
    /** The same lookups paced at half of {@link #httpLoad}'s rate: the latency to hold against the target. */
    public HttpLoad httpLoadHalfPeak;
    /** Each performance target with what this run measured ({@link BenchTargets}). */
    public List<BenchTargets.Target> targets = List.of();
    public boolean verified = true;
    public final List<String> failures = new ArrayList<>();

    void fail(String failure) {
        verified = false;
        failures.add(failure);
    }

    public boolean verified() {
        return verified;
    }
}
