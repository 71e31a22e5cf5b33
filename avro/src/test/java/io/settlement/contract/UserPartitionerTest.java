package io.settlement.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.Test;

class UserPartitionerTest {
    @Test
    void keyBytesAreTheBigEndianLongKafkaSerializes() {
        try (LongSerializer serializer = new LongSerializer()) {
            for (long userId : new long[] {1L, 42L, 1L << 40, Long.MAX_VALUE}) {
                assertThat(UserPartitioner.keyBytes(userId)).isEqualTo(serializer.serialize("t", userId));
            }
        }
    }

    @Test
    void partitionIsMurmur2OfTheKeyBytes() {
        assertThat(UserPartitioner.partitionOf(42L, 1)).isZero();
        for (long userId = 1; userId < 1000; userId++) {
            assertThat(UserPartitioner.partitionOf(userId, 8)).isBetween(0, 7);
        }
        // Pinned values: the contract must not drift from Java's default producer.
        assertThat(UserPartitioner.partitionOf(1L, 8)).isEqualTo(
                org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                        new byte[] {0, 0, 0, 0, 0, 0, 0, 1})) % 8);
    }
}
