package io.settlement.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class SinkMetersTest {
    private static final Instant NOW = Instant.parse("2026-11-28T09:00:00Z");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final Map<TopicPartition, String> halted = new ConcurrentHashMap<>();
    private final TopicPartition p0 = new TopicPartition("settlement.journal", 0);
    private final TopicPartition p1 = new TopicPartition("settlement.journal", 1);

    @Test
    void lagInRecordsAndSecondsAndHaltsAreReportedUnderTheSinksTag() {
        // given a sink on two partitions: p0 has 5 records to read, p1 is caught up
        SinkMeters meters = new SinkMeters(registry, "scylla", consumer, halted, Clock.fixed(NOW, ZoneOffset.UTC));
        consumer.assign(List.of(p0, p1));
        consumer.updateEndOffsets(Map.of(p0, 15L, p1, 7L));
        consumer.seek(p0, 10);
        consumer.seek(p1, 7);

        // when it wrote 3 records on p0, the last appended 90 s ago, and halted p1
        meters.written(p0, NOW.minusSeconds(90).toEpochMilli(), 3);
        meters.observeLag(consumer);
        halted.put(p1, "offset 7: cannot decode");

        // then
        assertThat(gauge("settlement.sink.lag.records")).isEqualTo(5.0);
        assertThat(gauge("settlement.sink.lag.seconds")).isEqualTo(90.0);
        assertThat(gauge("settlement.sink.halted.partitions")).isEqualTo(1.0);
        assertThat(registry.get("settlement.sink.records").tag("sink", "scylla").counter().count()).isEqualTo(3.0);
    }

    @Test
    void aCaughtUpSinkIsZeroSecondsLateAndForgetsPartitionsItNoLongerHas() {
        SinkMeters meters = new SinkMeters(registry, "tigerbeetle", consumer, halted, Clock.fixed(NOW, ZoneOffset.UTC));
        consumer.assign(List.of(p0));
        consumer.updateEndOffsets(Map.of(p0, 4L));
        consumer.seek(p0, 4);
        meters.written(p0, NOW.minusSeconds(600).toEpochMilli(), 4);

        meters.observeLag(consumer);
        assertThat(gauge("settlement.sink.lag.seconds", "tigerbeetle")).isZero();

        consumer.assign(List.of());
        meters.observeLag(consumer);
        assertThat(gauge("settlement.sink.lag.records", "tigerbeetle")).isZero();
    }

    private double gauge(String name) {
        return gauge(name, "scylla");
    }

    private double gauge(String name, String sink) {
        return registry.get(name).tag("sink", sink).gauge().value();
    }
}
