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

    public record HttpLoad(long requests, long errors, double seconds, double requestsPerSecond, Latencies balanceLookups,
                           Latencies statusLookups) {}

    public final Map<String, Object> environment = new LinkedHashMap<>();
    public final List<RunReport> runs = new ArrayList<>();
    public final List<Verification> verifications = new ArrayList<>();
    public final List<String> skipped = new ArrayList<>();
    public HttpLoad httpLoad;
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
