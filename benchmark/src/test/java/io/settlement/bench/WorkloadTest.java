package io.settlement.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.Reason;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

    @Test
    void aTradesOnlyPhaseHoldsTradesAndNothingElseWithWhatTheyNeedInPhasesOfTheirOwn() {
        // given a mix of two traders (so they run short and need top-ups), funded, then asked for 2,000 trades only (more than their funding covers)
        TradingMix mix = new TradingMix(7, 1000, 2, 5000);
        mix.fundingDeposits("Bd", topics, 4, "x-Bd0-", CREATED_AT);
        mix.fundingTransfers("Bt", topics, 4, "x-Bt1-", CREATED_AT);

        TradingMix.TradesOnly phases = mix.tradesOnly("B trades only", "Bo", topics, 4, tag -> "x-" + tag + "9-", 2_000, CREATED_AT);

        // then the trades phase is the 2,000 trades, nothing else
        assertThat(phases.trades().name()).isEqualTo("B trades only");
        assertThat(phases.trades().size()).isEqualTo(2_000);
        assertThat(phases.trades().trades()).isEqualTo(2_000);
        assertThat(phases.trades().commands()).allMatch(command -> command.trade() && command.expected() == PreparedCommand.Expected.ANY);
        // and before it: top-up deposits, then their transfers, then the orders' reservations, each a phase (and an id prefix) of its own
        List<Workload> before = phases.before();
        assertThat(before).extracting(Workload::name)
                .containsExactly("B trades only top-up deposits", "B trades only top-up transfers", "B trades only reservations");
        assertThat(before).extracting(Workload::idPrefix).containsExactly("x-Bod9-", "x-Bot9-", "x-Bor9-");
        assertThat(phases.trades().idPrefix()).isEqualTo("x-Bo9-");
        assertThat(kinds(before.get(0))).containsOnly("DEPOSIT");
        assertThat(kinds(before.get(1))).containsOnly("INTERNAL_TRANSFER");
        assertThat(before.get(0).size()).isPositive().isEqualTo(before.get(1).size());
        assertThat(kinds(before.get(2))).containsOnly("ORDER_RESERVED");
        // and after it the releases, two for each trade with orders, whose orders were all reserved before
        assertThat(phases.after().name()).isEqualTo("B trades only releases");
        assertThat(kinds(phases.after())).containsOnly("ORDER_RELEASED");
        Set<String> reserved = new HashSet<>();
        before.get(2).commands().forEach(command -> reserved.add("o" + command.resultKey().substring(command.resultKey().lastIndexOf(':') + 1)));
        var trades = topics.trades().valueSerde().deserializer();
        List<String> orders = new ArrayList<>();
        for (PreparedCommand command : phases.trades().commands()) {
            Trade trade = trades.deserialize(topics.trades().name(), command.value());
            for (TradeParty party : List.of(trade.getBuyer(), trade.getSeller())) {
                if (party.getOrderId() != null) {
                    orders.add(party.getOrderId());
                }
            }
        }
        assertThat(orders).isNotEmpty().hasSize(phases.after().size()).hasSize(before.get(2).size());
        assertThat(reserved).containsExactlyInAnyOrderElementsOf(orders);
    }

    private static List<String> kinds(Workload workload) {
        return workload.commands().stream().map(command -> command.resultKey().substring(0, command.resultKey().indexOf(':'))).toList();
    }
}
