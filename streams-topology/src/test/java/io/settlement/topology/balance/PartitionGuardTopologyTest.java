package io.settlement.topology.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.LegPhase;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeSide;
import io.settlement.contract.UserPartitioner;
import io.settlement.topology.DeadLetterHeaders;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.testkit.DriverTest;
import io.settlement.topology.testkit.SettlementDriver;
import java.nio.charset.StandardCharsets;
import java.util.stream.LongStream;
import org.apache.kafka.common.Metric;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * The partition guard over the topology. A {@code TopologyTestDriver} feeds every record on
 * partition 0, so with 4 user partitions a user whose key maps elsewhere sits on the wrong one.
 */
class PartitionGuardTopologyTest extends DriverTest {
    private static final int PARTITIONS = 4;
    private final long ownUser = userOnPartition(0);
    private final long foreignUser = userOnPartition(3);

    @Override
    protected SettlementDriver startDriver() {
        return SettlementDriver.start(SettlementConfig.defaults(PARTITIONS));
    }

    @Test
    void recordOnTheWrongPartitionChangesNothingAndIsRejectedAndDeadLettered() {
        // given
        BalanceOperation deposit = commands.deposit("d-1", foreignUser, "BTC", 100);

        // when
        SettlementResult result = driver.send(deposit);

        // then
        assertThat(result.getStatus()).isEqualTo(ResultStatus.REJECTED);
        assertThat(result.getReason()).isEqualTo(Reason.WRONG_PARTITION);
        assertThat(result.getDetail()).contains("partition 3 of 4");
        assertThat(driver.allBalances()).isEmpty();
        assertThat(driver.journal()).isEmpty();
        TestRecord<byte[], byte[]> deadLetter = driver.deadLetters().get(0);
        assertThat(deadLetter.key()).isEqualTo(UserPartitioner.keyBytes(foreignUser));
        assertThat(driver.topics().balanceOperations().valueSerde().deserializer().deserialize("x", deadLetter.value())).isEqualTo(deposit);
        assertThat(header(deadLetter, DeadLetterHeaders.REASON)).isEqualTo("WRONG_PARTITION");
        assertThat(header(deadLetter, DeadLetterHeaders.EXPECTED_PARTITION)).isEqualTo("3");
        assertThat(header(deadLetter, DeadLetterHeaders.PARTITIONS)).isEqualTo("4");
        assertThat(header(deadLetter, DeadLetterHeaders.PARTITION)).isEqualTo("0");
        assertThat(header(deadLetter, DeadLetterHeaders.TOPIC)).isEqualTo("balance.operations");
        assertThat(wrongPartitionTotal()).isEqualTo(1.0);
    }

    @Test
    void wrongPartitionDoesNotClaimTheCommandId() {
        // given a record on the wrong partition, whose id is then used by a rightly placed command
        driver.send(commands.deposit("d-1", foreignUser, "BTC", 100));

        // when
        SettlementResult result = driver.send(commands.deposit("d-1", ownUser, "BTC", 100));

        // then
        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.status("DEPOSIT:" + ownUser + ":d-1")).isEqualTo(result);
    }

    @Test
    void transferOnTheWrongPartitionIsRejected() {
        SettlementResult result = driver.send(commands.transfer("t-1", foreignUser, io.settlement.avro.Wallet.FUNDING, io.settlement.avro.Wallet.SPOT, "BTC", 1));

        assertThat(result.getReason()).isEqualTo(Reason.WRONG_PARTITION);
        assertThat(driver.deadLetters()).hasSize(1);
    }

    @Test
    void tradeLegOnTheWrongPartitionIsRejectedToTheCoordinator() {
        var answer = driver.send(commands.leg("tr-1", foreignUser, TradeSide.BUYER, LegPhase.CREDIT, "BTC", 5, 0, null));

        assertThat(answer.getReason()).isEqualTo(Reason.WRONG_PARTITION);
        assertThat(driver.allBalances()).isEmpty();
        assertThat(header(driver.deadLetters().get(0), DeadLetterHeaders.TOPIC)).isEqualTo("settlement.internal.trade-legs");
        assertThat(wrongPartitionTotal()).isEqualTo(1.0);
    }

    @Test
    void recordOnItsOwnPartitionPasses() {
        assertThat(driver.send(commands.deposit("d-1", ownUser, "BTC", 100)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(wrongPartitionTotal()).isZero();
    }

    private double wrongPartitionTotal() {
        return driver.testDriver().metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals(PartitionGuardMetrics.OPERATION + "-total"))
                .map(java.util.Map.Entry::getValue).map(Metric::metricValue).mapToDouble(v -> ((Number) v).doubleValue())
                .sum();
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static long userOnPartition(int partition) {
        return LongStream.rangeClosed(1, 1_000).filter(u -> UserPartitioner.partitionOf(u, PARTITIONS) == partition).findFirst().orElseThrow();
    }

}
