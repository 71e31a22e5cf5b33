package io.settlement.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.contract.UserPartitioner;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class PartitionGuardTest {

    @Property(tries = 2_000)
    void computesTheContractsPartitionWithoutAllocating(@ForAll long userId, @ForAll @IntRange(min = 1, max = 512) int partitions) {
        assertThat(new PartitionGuard(partitions).partitionOf(userId)).isEqualTo(UserPartitioner.partitionOf(userId, partitions));
    }
}
