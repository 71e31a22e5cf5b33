package io.settlement.bench;

import io.settlement.contract.Topics;
import io.settlement.sink.Health;
import io.settlement.sink.scylla.ScyllaConfig;
import io.settlement.sink.scylla.ScyllaEndpoint;
import io.settlement.sink.scylla.ScyllaSink;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Workload C: the ScyllaDB sink ({@link ScyllaSink}, what the app runs) drains every
 * output the settlement runs wrote so far (journal, balance events, results) into the CQL
 * endpoint, from a fresh consumer group, and the benchmark measures its rows/s: rows written
 * from the start until the group's committed offsets reach the topics' ends.
 */
final class ScyllaSinkRun {
    /** How often the group's progress is checked. */
    private static final long CHECK_INTERVAL_NANOS = 100_000_000;
    private static final long ADMIN_TIMEOUT_MS = 30_000;

    record Drained(long rows, double seconds, boolean complete, List<String> problems) {}

    private ScyllaSinkRun() {}

    static Drained drain(BenchCluster cluster, Topics topics, String cqlEndpoint, String groupId, Duration timeout) throws Exception {
        String[] hostPort = cqlEndpoint.split(":");
        ScyllaEndpoint endpoint = ScyllaEndpoint.singleNode(new InetSocketAddress(hostPort[0], hostPort.length > 1 ? Integer.parseInt(hostPort[1]) : 9042));
        Map<String, Object> consumer = new HashMap<>(ScyllaSink.consumerProperties(cluster.bootstrapServers()));
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        try (Admin admin = cluster.admin()) {
            Map<TopicPartition, Long> ends = ends(admin, List.of(topics.journal().name(), topics.balanceEvents().name(),
                    topics.results().name()));
            long started = System.nanoTime();
            try (ScyllaSink sink = ScyllaSink.start(consumer, topics, endpoint, ScyllaConfig.defaults(), null)) {
                long deadline = started + timeout.toNanos();
                boolean caughtUp = false;
                while (System.nanoTime() < deadline && sink.health().status() != Health.Status.DOWN) {
                    if (caughtUp(admin, groupId, ends)) {
                        caughtUp = true;
                        break;
                    }
                    LockSupport.parkNanos(CHECK_INTERVAL_NANOS);
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                return new Drained(sink.progress().written(), seconds, caughtUp, sink.problems());
            }
        }
    }

    /** The read_committed end offset of every partition of {@code topicNames}. */
    static Map<TopicPartition, Long> ends(Admin admin, List<String> topicNames) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (String topic : topicNames) {
            admin.describeTopics(List.of(topic)).allTopicNames().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS).get(topic).partitions()
                    .forEach(partition -> latest.put(new TopicPartition(topic, partition.partition()), OffsetSpec.latest()));
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .forEach((partition, info) -> ends.put(partition, info.offset()));
        return ends;
    }

    /** Whether {@code groupId} has committed at least {@code ends} on every partition that has records. */
    static boolean caughtUp(Admin admin, String groupId, Map<TopicPartition, Long> ends) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata()
                .get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (end.getValue() == 0) {
                continue;
            }
            OffsetAndMetadata offset = committed.get(end.getKey());
            if (offset == null || offset.offset() < end.getValue()) {
                return false;
            }
        }
        return true;
    }
}
