package io.settlement.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the CPU went in a JFR recording of a benchmark run ({@code -XX:StartFlightRecording}):
 * execution samples by thread group (broker, Kafka Streams threads, clients, harness), then, in
 * the Kafka Streams threads, by the layer of the first recognisable frame (RocksDB, Avro,
 * settlement logic, Streams internals, producer/transactions), and the hottest top frames.
 * Usage: {@code java -cp <classpath> io.settlement.bench.JfrHotMethods bench.jfr [topN]}.
 */
public final class JfrHotMethods {
    private JfrHotMethods() {}

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        Map<String, Long> byThreadGroup = new HashMap<>();
        Map<String, Long> streamsByLayer = new HashMap<>();
        Map<String, Long> streamsTopFrames = new HashMap<>();
        long samples = 0;
        long streamsSamples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") && !event.getEventType().getName().equals("jdk.NativeMethodSample")) {
                continue;
            }
            if (event.getEventType().getName().equals("jdk.NativeMethodSample")) {
                continue; // threads blocked in native code (poll, epoll) are not on CPU
            }
            samples++;
            String thread = event.getThread("sampledThread") == null ? "?" : event.getThread("sampledThread").getJavaName();
            String group = threadGroup(thread == null ? "?" : thread);
            byThreadGroup.merge(group, 1L, Long::sum);
            RecordedStackTrace stack = event.getStackTrace();
            if (!group.equals("kafka streams threads") || stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            streamsSamples++;
            List<RecordedFrame> frames = stack.getFrames();
            RecordedFrame first = frames.get(0);
            streamsTopFrames.merge(first.getMethod().getType().getName() + "." + first.getMethod().getName(), 1L, Long::sum);
            streamsByLayer.merge(layer(frames), 1L, Long::sum);
        }
        System.out.printf(Locale.ROOT, "%d CPU samples%n%nby thread group:%n", samples);
        print(byThreadGroup, samples, top);
        System.out.printf(Locale.ROOT, "%nkafka streams threads (%d samples), by layer:%n", streamsSamples);
        print(streamsByLayer, streamsSamples, top);
        System.out.printf(Locale.ROOT, "%nkafka streams threads, hottest top frames:%n");
        print(streamsTopFrames, streamsSamples, top);
    }

    private static void print(Map<String, Long> counts, long total, int top) {
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())).limit(top)
                .forEach(entry -> System.out.printf(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * entry.getValue() / Math.max(1, total), entry.getKey()));
    }

    static String threadGroup(String thread) {
        if (thread.contains("StreamThread") && !thread.contains("producer") && !thread.contains("consumer")) {
            return "kafka streams threads";
        }
        if (thread.contains("producer-network-thread") || thread.contains("consumer") || thread.contains("heartbeat")) {
            return "kafka client network threads (streams' and harness')";
        }
        if (thread.startsWith("data-plane") || thread.startsWith("kafka-") || thread.startsWith("broker-") || thread.startsWith("quorum")
                || thread.contains("raft") || thread.startsWith("ExpirationReaper") || thread.startsWith("transaction") || thread.startsWith("group-coordinator")
                || thread.startsWith("LogDirFailure") || thread.startsWith("ReplicaFetcher") || thread.startsWith("controller") || thread.startsWith("kafka")) {
            return "broker (embedded)";
        }
        if (thread.startsWith("bench-") || thread.equals("main")) {
            return "benchmark harness (producer calls, result collector)";
        }
        if (thread.startsWith("Jetty") || thread.contains("HttpClient")) {
            return "HTTP";
        }
        if (thread.contains("GC") || thread.contains("G1") || thread.contains("C2") || thread.contains("C1")) {
            return "JVM (GC, JIT)";
        }
        return "other: " + thread.replaceAll("[-0-9]+$", "");
    }

    static String layer(List<RecordedFrame> frames) {
        for (RecordedFrame frame : frames) {
            String type = frame.getMethod().getType().getName();
            if (type.startsWith("org.rocksdb") || type.contains("state.internals.RocksDB")) {
                return "RocksDB";
            }
            if (type.startsWith("org.apache.avro") || type.startsWith("io.settlement.contract.SingleObjectSerde")) {
                return "Avro (de)serialization";
            }
            if (type.startsWith("io.settlement.topology")) {
                return "settlement logic (" + type.substring("io.settlement.topology.".length()).replaceAll("\\$.*", "") + ")";
            }
            if (type.startsWith("org.apache.kafka.clients.producer") || type.contains("RecordCollector")) {
                return "producer sends (outputs, changelogs)";
            }
            if (type.startsWith("org.apache.kafka.clients.consumer")) {
                return "consumer poll";
            }
            if (type.startsWith("org.apache.kafka.common.record") || type.startsWith("org.apache.kafka.common.compress") || type.startsWith("net.jpountz")) {
                return "record batches, compression";
            }
        }
        RecordedFrame last = frames.get(Math.min(frames.size() - 1, 3));
        return "other (" + last.getMethod().getType().getName().replaceAll("\\.[^.]*$", "") + ")";
    }
}
