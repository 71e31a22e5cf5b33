package io.settlement.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.Reason;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadTest {
    private static final Instant CREATED_AT = Instant.parse("2026-01-02T03:04:05Z");
    private final Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);

    @Test
    void theSameSeedGivesTheSameBytes() {
        // given two generators with the same seed
        Workload first = new DepositsAndTransfers(42, 1, 100).generate("A", topics, 4, "x-A1-", 500, CREATED_AT);
        Workload second = new DepositsAndTransfers(42, 1, 100).generate("A", topics, 4, "x-A1-", 500, CREATED_AT);

        // then every record is identical
        assertThat(first.size()).isEqualTo(500);
        for (int i = 0; i < first.size(); i++) {
            assertThat(Arrays.equals(first.commands().get(i).value(), second.commands().get(i).value())).isTrue();
            assertThat(first.commands().get(i).partition()).isEqualTo(second.commands().get(i).partition());
        }
    }

    @Test
    void userKeyedCommandsGoWhereTheContractSaysExceptTheDeliberatelyMisplacedOnes() {
        // given a trading mix
        Workload mix = new TradingMix(7, 1000, 50, 5000).generate("B", topics, 4, "x-B1-", 3_000, CREATED_AT);

        // then every user-keyed command sits on its contract partition unless it must be rejected as WRONG_PARTITION
        List<PreparedCommand> userKeyed = mix.commands().stream().filter(command -> !command.trade()).toList();
        assertThat(userKeyed).allSatisfy(command -> {
            boolean onItsPartition = command.partition() == UserPartitioner.partitionOf(command.key(), 4);
            assertThat(onItsPartition).isEqualTo(command.expected().reason() != Reason.WRONG_PARTITION);
        });
        assertThat(mix.trades()).isGreaterThan(100);
        assertThat(mix.commands()).anyMatch(PreparedCommand::reusesId);
        assertThat(mix.commands()).anyMatch(command -> command.expected().reason() == Reason.WRONG_PARTITION);
    }
}
