package io.settlement.contract;

import org.apache.kafka.common.utils.Utils;

/**
 * The partitioning rule of every user-keyed topic: {@code murmur2(key bytes) mod partitions},
 * with the key the user id as an 8-byte big-endian long. It is what Java's default producer
 * partitioner does for a keyed record; librdkafka-based clients need
 * {@code partitioner=murmur2_random} to match it.
 */
public final class UserPartitioner {
    private UserPartitioner() {}

    public static int partitionOf(byte[] keyBytes, int partitions) {
        return Utils.toPositive(Utils.murmur2(keyBytes)) % partitions;
    }

    public static int partitionOf(long userId, int partitions) {
        return partitionOf(keyBytes(userId), partitions);
    }

    public static byte[] keyBytes(long userId) {
        byte[] bytes = new byte[Long.BYTES];
        for (int i = Long.BYTES - 1; i >= 0; i--) {
            bytes[i] = (byte) userId;
            userId >>>= 8;
        }
        return bytes;
    }
}
