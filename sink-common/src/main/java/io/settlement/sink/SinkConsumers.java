package io.settlement.sink;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The consumer configuration every sink relies on (DESIGN.md section 8): its own consumer group,
 * only committed records ({@code read_committed}), offsets committed by the sink itself after its
 * writes succeeded, a new group starting from the beginning, raw bytes (the sink decodes each
 * record itself so that one it cannot read is reported, not thrown by the consumer).
 */
public final class SinkConsumers {
    private SinkConsumers() {}

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
