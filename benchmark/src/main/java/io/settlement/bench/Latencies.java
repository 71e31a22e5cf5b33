package io.settlement.bench;

import java.util.Arrays;

/** Percentiles of produce-to-result latencies, in milliseconds. */
public record Latencies(long count, double p50Ms, double p99Ms, double p999Ms, double maxMs) {
    static final Latencies NONE = new Latencies(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    static Latencies of(long[] nanos, int count) {
        if (count == 0) {
            return NONE;
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        return new Latencies(count, ms(at(sorted, 0.50)), ms(at(sorted, 0.99)), ms(at(sorted, 0.999)), ms(sorted[count - 1]));
    }

    private static long at(long[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
