package io.settlement.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.settlement.contract.UserPartitioner;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class PartitionGuardTest {

    /** Any long, with small ids (the real ones) and the edges of the range drawn more often than a uniform draw would. */
    private static final Gen<Long> USER_IDS = Generate.frequency(
            Pair.of(15, longs().all()),
            Pair.of(4, longs().between(0, 1_000_000)),
            Pair.of(1, Generate.pick(List.of(Long.MIN_VALUE, Long.MIN_VALUE + 1, -1L, 0L, 1L, Long.MAX_VALUE))));

    @Test
    void computesTheContractsPartitionWithoutAllocating() {
        qt().withExamples(2_000)
                .forAll(USER_IDS, integers().between(1, 512))
                .checkAssert((userId, partitions) ->
                        assertThat(new PartitionGuard(partitions).partitionOf(userId)).isEqualTo(UserPartitioner.partitionOf(userId, partitions)));
    }
}
