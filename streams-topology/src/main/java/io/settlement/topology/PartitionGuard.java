package io.settlement.topology;

/**
 * The contract's partitioning rule, checked on every user-keyed record before it touches a
 * store: the record must sit on {@code murmur2(8-byte big-endian user id) mod partitions}
 * (what {@link io.settlement.contract.UserPartitioner} and Java's producer compute). A producer
 * with another partitioner (librdkafka's default CRC32) would otherwise split one user's
 * balance across two tasks. Computed on the long directly: no allocation per record.
 */
public final class PartitionGuard {
    private static final int SEED = 0x9747b28c;
    private static final int M = 0x5bd1e995;
    private static final int R = 24;

    private final int partitions;

    public PartitionGuard(int partitions) {
        if (partitions <= 0) {
            throw new IllegalArgumentException("partitions must be > 0, was " + partitions);
        }
        this.partitions = partitions;
    }

    /** The partition a user's records belong on. */
    public int partitionOf(long userId) {
        if (partitions == 1) {
            return 0;
        }
        return (murmur2(userId) & 0x7fffffff) % partitions;
    }

    public boolean belongsOn(long userId, int partition) {
        return partitionOf(userId) == partition;
    }

    public int partitions() {
        return partitions;
    }

    /** Kafka's murmur2 over the 8 big-endian bytes of {@code value}, read as two little-endian words. */
    static int murmur2(long value) {
        int h = SEED ^ Long.BYTES;
        h = round(h, Integer.reverseBytes((int) (value >>> 32)));
        h = round(h, Integer.reverseBytes((int) value));
        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h;
    }

    private static int round(int h, int k) {
        k *= M;
        k ^= k >>> R;
        k *= M;
        h *= M;
        return h ^ k;
    }
}
