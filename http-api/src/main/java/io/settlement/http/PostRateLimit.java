package io.settlement.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A token bucket per principal on the POST routes: {@code burst} requests at once, refilled at
 * {@code perSecond}. The buckets are bounded to {@code principalsMax} (least recently used
 * forgotten first; a forgotten principal starts again with a full bucket), so hostile callers
 * cannot grow this state. Only authenticated principals get a bucket.
 */
final class PostRateLimit {
    private final double perSecond;
    private final double burst;
    private final Map<String, double[]> buckets;

    PostRateLimit(int perSecond, int burst, int principalsMax) {
        if (perSecond <= 0 || burst <= 0 || principalsMax <= 0) {
            throw new IllegalArgumentException("rate limit, burst and principals must be positive");
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
                return size() > principalsMax;
            }
        };
    }

    /** Takes one request from {@code principal}'s bucket; 0 when allowed, else the seconds until one is available. */
    synchronized long acquire(String principal, long nowNanos) {
        double[] bucket = buckets.computeIfAbsent(principal, p -> new double[] {burst, nowNanos});
        double elapsedSeconds = Math.max(0, nowNanos - (long) bucket[1]) / 1e9;
        bucket[0] = Math.min(burst, bucket[0] + elapsedSeconds * perSecond);
        bucket[1] = nowNanos;
        if (bucket[0] >= 1) {
            bucket[0] -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - bucket[0]) / perSecond));
    }

    synchronized int principals() {
        return buckets.size();
    }
}
