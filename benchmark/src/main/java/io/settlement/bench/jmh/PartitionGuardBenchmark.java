package io.settlement.bench.jmh;

import io.settlement.contract.UserPartitioner;
import io.settlement.topology.PartitionGuard;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the partition guard per record, the check the balance processor runs
 * before every user-keyed record touches a store. {@link #guardCheck} is what the processor
 * runs ({@link PartitionGuard#belongsOn}, murmur2 on the long, no allocation);
 * {@link #contractPartitionerOnKeyBytes} is the contract's byte-array form for comparison.
 * Compare with {@link BalanceTopologyBenchmark#deposit} for the share of a command's cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class PartitionGuardBenchmark {
    static final int PARTITIONS = 4;

    private final PartitionGuard guard = new PartitionGuard(PARTITIONS);
    private long user = 1_000_003;
    private int partition;

    @Benchmark
    public boolean guardCheck() {
        user += 7;
        partition = (partition + 1) & (PARTITIONS - 1);
        return guard.belongsOn(user, partition);
    }

    @Benchmark
    public int contractPartitionerOnKeyBytes() {
        user += 7;
        return UserPartitioner.partitionOf(UserPartitioner.keyBytes(user), PARTITIONS);
    }
}
