package io.settlement.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where one run's CPU went in this JVM, by part: the embedded broker, Kafka Streams (its stream
 * threads and their clients), the benchmark harness (the senders, the result collector and their
 * clients), other Java threads (the HTTP server of the lookup load, for one), the JIT compilers,
 * and the rest of the process CPU, which no live Java thread accounts for: GC, RocksDB's native
 * threads, and Java threads that ended during the run. It is how
 * the bench reports its own cost: a ratio to the ceiling means what it says only while the
 * harness takes a small share, and a run measures warm code only while the JIT takes little.
 * Threads are read with {@link ThreadMXBean}; the JIT's time with {@link CompilationMXBean}
 * (the time its compilations took, which on a busy machine is close to their CPU).
 */
final class CpuByPart {
    static final String BROKER = "broker";
    static final String STREAMS = "streams";
    static final String HARNESS = "harness";
    static final String OTHER = "other threads";
    static final String JIT = "jit";
    static final String JVM = "jvm+native";

    /** The prefix of the bench's Kafka Streams application ids. */
    static final String STREAMS_APPLICATION_PREFIX = "bench-";

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final CompilationMXBean JIT_TIME = ManagementFactory.getCompilationMXBean();

    private final Map<Long, Long> startNanos;
    private final long processStartNanos;
    private final long jitStartMillis;

    private CpuByPart(Map<Long, Long> startNanos, long processStartNanos, long jitStartMillis) {
        this.startNanos = startNanos;
        this.processStartNanos = processStartNanos;
        this.jitStartMillis = jitStartMillis;
    }

    static CpuByPart start(long processCpuNanos) {
        Map<Long, Long> start = new HashMap<>();
        for (long id : THREADS.getAllThreadIds()) {
            long cpu = THREADS.getThreadCpuTime(id);
            if (cpu >= 0) {
                start.put(id, cpu);
            }
        }
        return new CpuByPart(start, processCpuNanos, jitMillis());
    }

    /**
     * Each part's share of the CPU since {@link #start}, rounded to a thousandth; they add up to 1.
     *
     * @param brokerProcessNanos CPU the broker used meanwhile in a process of its own (0 when it runs in this one)
     */
    Map<String, Double> shares(long processCpuNanos, long brokerProcessNanos) {
        Map<String, Long> nanos = new LinkedHashMap<>();
        nanos.put(BROKER, 0L);
        nanos.put(STREAMS, 0L);
        nanos.put(HARNESS, 0L);
        nanos.put(OTHER, 0L);
        nanos.put(JIT, 0L);
        long threadsTotal = 0;
        for (long id : THREADS.getAllThreadIds()) {
            long cpu = THREADS.getThreadCpuTime(id);
            ThreadInfo info = THREADS.getThreadInfo(id);
            if (cpu < 0 || info == null) {
                continue;
            }
            long used = cpu - startNanos.getOrDefault(id, 0L);
            nanos.merge(partOf(info.getThreadName()), used, Long::sum);
            threadsTotal += used;
        }
        long process = Math.max(1, processCpuNanos - processStartNanos);
        long rest = Math.max(0, process - threadsTotal);
        long jit = Math.min(rest, TimeUnit.MILLISECONDS.toNanos(jitMillis() - jitStartMillis));
        nanos.put(JIT, jit);
        nanos.put(JVM, rest - jit);
        nanos.merge(BROKER, brokerProcessNanos, Long::sum);
        Map<String, Double> shares = new LinkedHashMap<>();
        long total = Math.max(process, threadsTotal) + brokerProcessNanos;
        nanos.forEach((part, used) -> shares.put(part, RunReport.round((double) used / total)));
        return shares;
    }

    /** The JIT compilers' time so far, in milliseconds; 0 where the JVM does not say. */
    private static long jitMillis() {
        return JIT_TIME != null && JIT_TIME.isCompilationTimeMonitoringSupported() ? JIT_TIME.getTotalCompilationTime() : 0;
    }

    /** The part a thread belongs to, by its name. */
    static String partOf(String thread) {
        // Kafka Streams names its threads and its clients' threads after its client id, which is the
        // bench's application id (bench-ceiling-... or bench-settlement-...)
        if (thread.contains("StreamThread") || thread.contains(STREAMS_APPLICATION_PREFIX + "ceiling-")
                || thread.contains(STREAMS_APPLICATION_PREFIX + "settlement-")) {
            return STREAMS;
        }
        if (thread.startsWith("bench-") || thread.equals("main") || thread.contains("producer-network-thread")
                || thread.contains("consumer") || thread.contains("heartbeat") || thread.contains("admin-client")) {
            return HARNESS;
        }
        return JfrHotMethods.threadGroup(thread).startsWith("broker") ? BROKER : OTHER;
    }
}
