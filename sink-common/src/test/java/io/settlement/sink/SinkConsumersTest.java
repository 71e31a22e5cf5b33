package io.settlement.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

class SinkConsumersTest {
    @Test
    void aStaticMemberIsNamedAfterItsGroupAndInstanceWithCharactersKafkaAccepts() {
        // given a sink's consumer settings
        Map<String, Object> properties = SinkConsumers.properties("127.0.0.1:9092", "settlement-sink-scylla");

        // when it becomes a static member for the instance at host:port
        SinkConsumers.staticMember(properties, "app-1.internal:8080");

        // then its instance id is stable, legal, and its session short
        String instanceId = (String) properties.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        assertThat(instanceId).isEqualTo("settlement-sink-scylla--app-1.internal_8080");
        assertThat(instanceId).matches("[A-Za-z0-9._-]+");
        assertThat(properties.get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG)).isEqualTo(SinkConsumers.SESSION_TIMEOUT_MS);
    }
}
