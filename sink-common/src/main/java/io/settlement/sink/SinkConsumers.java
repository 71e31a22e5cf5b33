package io.settlement.sink;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The consumer configuration every sink relies on (docs/scylla.md, docs/tigerbeetle.md): its own consumer group,
 * only committed records ({@code read_committed}), offsets committed by the sink itself after its
 * writes succeeded, a new group starting from the beginning, raw bytes (the sink decodes each
 * record itself so that one it cannot read is reported, not thrown by the consumer).
 */
public final class SinkConsumers {
    /**
     * How long the group waits for a sink member that stopped sending heartbeats. A static member
     * that restarts within it takes its partitions back at once without a rebalance; one that
     * does not come back is replaced after it.
     */
    public static final int SESSION_TIMEOUT_MS = 15_000;

    private SinkConsumers() {}

    /**
     * Makes the consumer a static member of its group ({@code group.instance.id}, KIP-345): a
     * restarted instance with the same {@code instanceId} gets its partitions back as soon as it
     * joins, instead of waiting for the dead member's session to expire. {@code instanceId} must
     * be unique among the group's live members and the same across restarts of one instance
     * (the app uses its {@code application.server}).
     */
    public static Map<String, Object> staticMember(Map<String, Object> properties, String instanceId) {
        String groupId = (String) properties.get(ConsumerConfig.GROUP_ID_CONFIG);
        // Kafka accepts ASCII alphanumerics, '.', '_' and '-' only (host:port has a ':').
        properties.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, (groupId + "--" + instanceId).replaceAll("[^A-Za-z0-9._-]", "_"));
        properties.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        return properties;
    }

    /** As {@link #properties(String, String)}, with polls of at most {@code maxPollRecords}. */
    public static Map<String, Object> properties(String bootstrapServers, String groupId, int maxPollRecords) {
        Map<String, Object> properties = properties(bootstrapServers, groupId);
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        return properties;
    }

    public static Map<String, Object> properties(String bootstrapServers, String groupId) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return properties;
    }
}
