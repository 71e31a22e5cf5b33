package io.settlement.bench;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * What a run cost the broker in appends: each topic's end offsets summed over its partitions,
 * before and after the run, per command. An offset is a record or a transaction marker (one per
 * partition a transaction wrote to), so this counts both: every output, store changelog,
 * repartition and internal topic, and the offset commits and transaction log entries the
 * exactly-once machinery writes ({@code __consumer_offsets}, {@code __transaction_state}).
 */
final class TopicAppends {
    private static final long ADMIN_TIMEOUT_MS = 30_000;
    /** Topics Kafka writes for a transactional application: offset commits and transaction states. */
    static final Set<String> KAFKA_INTERNAL = Set.of("__consumer_offsets", "__transaction_state");

    /** A snapshot: each topic's end offsets summed, for the topics {@code ours} accepts. */
    record Ends(Map<String, Long> byTopic) {}

    private TopicAppends() {}

    static Ends ends(Admin admin, Predicate<String> ours) {
        try {
            Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                    .get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS).stream().filter(ours).collect(Collectors.toSet());
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            for (TopicDescription topic : admin.describeTopics(names).allTopicNames().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS).values()) {
                topic.partitions().forEach(partition -> latest.put(new TopicPartition(topic.name(), partition.partition()), OffsetSpec.latest()));
            }
            Map<String, Long> byTopic = new LinkedHashMap<>();
            admin.listOffsets(latest).all().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .forEach((partition, info) -> byTopic.merge(partition.topic(), info.offset(), Long::sum));
            return new Ends(byTopic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading end offsets", e);
        } catch (Exception e) {
            throw new IllegalStateException("could not read end offsets: " + e, e);
        }
    }

    /**
     * Appends per command between two snapshots, by topic (named by {@code label}), largest first,
     * with {@code total} last; topics that did not move are left out.
     */
    static Map<String, Double> perCommand(Ends before, Ends after, long commands, java.util.function.Function<String, String> label) {
        Map<String, Double> perTopic = new LinkedHashMap<>();
        after.byTopic().forEach((topic, end) -> {
            long appended = end - before.byTopic().getOrDefault(topic, 0L);
            if (appended > 0) {
                perTopic.merge(label.apply(topic), (double) appended / commands, Double::sum);
            }
        });
        Map<String, Double> sorted = new LinkedHashMap<>();
        perTopic.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                .forEach(entry -> sorted.put(entry.getKey(), round(entry.getValue())));
        sorted.put("total", round(perTopic.values().stream().mapToDouble(Double::doubleValue).sum()));
        return sorted;
    }

    /** {@code results 1.00, journal 0.97, ..., total 8.12}. */
    static String line(Map<String, Double> perCommand) {
        return perCommand.entrySet().stream().map(entry -> String.format(Locale.ROOT, "%s %.2f", entry.getKey(), entry.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** A topic's short name: an application's own topics without the application id ("changelog balances"), others as they are. */
    static String label(String topic, List<String> applicationIds) {
        for (String applicationId : applicationIds) {
            if (topic.startsWith(applicationId + "-")) {
                String rest = topic.substring(applicationId.length() + 1);
                if (rest.endsWith("-changelog")) {
                    return "changelog " + rest.substring(0, rest.length() - "-changelog".length());
                }
                if (rest.endsWith("-repartition")) {
                    return "repartition " + rest.substring(0, rest.length() - "-repartition".length());
                }
                return rest;
            }
        }
        return topic;
    }

    private static double round(double value) {
        return Math.round(value * 100.0) / 100.0;
    }
}
