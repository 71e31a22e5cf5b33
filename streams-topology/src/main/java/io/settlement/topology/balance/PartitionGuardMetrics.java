package io.settlement.topology.balance;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;

/**
 * The partition guard's metric: records refused for sitting on the wrong partition, as
 * {@code wrong-partition-records-total} and {@code -rate} in group {@code stream-settlement-metrics}
 * (tag {@code settlement-id=partition-guard}), next to Kafka Streams' own metrics.
 */
public final class PartitionGuardMetrics {
    public static final String SCOPE = "settlement";
    public static final String ENTITY = "partition-guard";
    public static final String OPERATION = "wrong-partition-records";

    private PartitionGuardMetrics() {}

    static Sensor wrongPartitionSensor(StreamsMetrics metrics) {
        return metrics.addRateTotalSensor(SCOPE, ENTITY, OPERATION, Sensor.RecordingLevel.INFO);
    }
}
