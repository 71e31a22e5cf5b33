package io.settlement.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.bench.jmh.BalanceProcessorBenchmark;
import io.settlement.bench.jmh.BalanceTopologyBenchmark;
import io.settlement.bench.jmh.PartitionGuardBenchmark;
import org.junit.jupiter.api.Test;

/** Runs every micro-benchmark body a few times without JMH, so a change that breaks one fails the build; no timing. */
class MicroBenchmarksTest {
    @Test
    void everyTopologyBenchmarkSettlesItsCommand() throws Exception {
        // given the benchmark's funded driver
        BalanceTopologyBenchmark benchmark = new BalanceTopologyBenchmark();
        benchmark.start();
        try {
            // when / then: each command comes out as at least its result (or leg result) and its journal entry, which carries
            // the balances (balance.events is off by default; the whole topology may emit more on the drained topics)
            assertThat(benchmark.deposit()).isGreaterThanOrEqualTo(2);
            assertThat(benchmark.transfer()).isGreaterThanOrEqualTo(2);
            assertThat(benchmark.tradeDebitLeg()).isGreaterThanOrEqualTo(2);
        } finally {
            benchmark.stop();
        }
    }

    @Test
    void everyBalanceProcessorBenchmarkForwardsItsOutputs() {
        // given the processor on its stores, funded
        BalanceProcessorBenchmark benchmark = new BalanceProcessorBenchmark();
        benchmark.start();
        try {
            // when / then: the same outputs as through the whole topology: the result (or leg result) and the journal entry
            assertThat(benchmark.deposit()).isEqualTo(2);
            assertThat(benchmark.transfer()).isEqualTo(2);
            assertThat(benchmark.tradeDebitLeg()).isEqualTo(2);
        } finally {
            benchmark.stop();
        }
    }

    @Test
    void thePartitionGuardBenchmarkAgreesWithTheContractPartitioner() {
        // given
        PartitionGuardBenchmark benchmark = new PartitionGuardBenchmark();

        // when the guard is asked about a record on the partition the contract gives, and on another
        long user = 1_000_003L + 7;
        int contractPartition = io.settlement.contract.UserPartitioner.partitionOf(user, 4);

        // then it accepts exactly the contract's partition
        io.settlement.topology.PartitionGuard guard = new io.settlement.topology.PartitionGuard(4);
        assertThat(guard.belongsOn(user, contractPartition)).isTrue();
        assertThat(guard.belongsOn(user, (contractPartition + 1) % 4)).isFalse();
        assertThat(benchmark.contractPartitionerOnKeyBytes()).isEqualTo(contractPartition);
    }
}
