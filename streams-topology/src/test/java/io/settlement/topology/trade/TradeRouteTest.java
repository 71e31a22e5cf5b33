package io.settlement.topology.trade;

import static io.settlement.topology.trade.CoordinatorDriver.START;
import static io.settlement.topology.trade.SampleTrades.btcForUsdt;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.TradeStatus;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import io.settlement.topology.SettlementConfig;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyDescription.Source;
import org.apache.kafka.streams.TopologyDescription.Subtopology;
import org.junit.jupiter.api.Test;

/**
 * How a trade reaches its coordinator: a trade read on the partition its id hashes to is
 * coordinated in the same task, any other goes through the repartition topic. Either way once.
 */
class TradeRouteTest {
    private static final int PARTITIONS = 4;
    private static final SettlementConfig CONFIG = SettlementConfig.defaults(PARTITIONS);
    private static final Topics TOPICS = Topics.create(AvroSerdes.SINGLE_OBJECT);

    /** The test driver reads every input on partition 0: an id that hashes there is at home. */
    private static String idHomedAt(boolean partitionZero) {
        return IntStream.range(0, 100).mapToObj(i -> "route-" + i)
                .filter(id -> (UserPartitioner.partitionOf(id.getBytes(StandardCharsets.UTF_8), PARTITIONS) == 0) == partitionZero)
                .findFirst().orElseThrow();
    }

    @Test
    void aTradeReadOnItsCoordinatorsPartitionSkipsTheRepartitionTopic() {
        try (CoordinatorDriver coordinator = new CoordinatorDriver(CONFIG)) {
            // given one trade read on its coordinator's partition and one read elsewhere
            String home = idHomedAt(true);
            String away = idHomedAt(false);

            // when
            coordinator.send(btcForUsdt(home, START));
            coordinator.send(btcForUsdt(away, START));

            // then only the other crosses the repartition topic, and each is coordinated once: one leg each
            assertThat(coordinator.repartitioned()).containsExactly(away);
            assertThat(coordinator.sentLegs()).extracting(leg -> leg.value().getTradeId()).containsExactlyInAnyOrder(home, away);
            assertThat(coordinator.state(home).getStatus()).isEqualTo(TradeStatus.PENDING);
            assertThat(coordinator.state(away).getStatus()).isEqualTo(TradeStatus.PENDING);
        }
    }

    /**
     * The sub-topologies are those of the versions that sent every trade through the repartition
     * topic (the trades source was in the coordinator's already, by its dead letters): their task
     * ids mean the same, so instances of both run side by side during a roll.
     */
    @Test
    void theCoordinatorsSubTopologyReadsTheTopicsItReadBefore() {
        assertThat(coordinatorSources()).containsExactlyInAnyOrder(TOPICS.trades().name(), TOPICS.legResults().name(),
                TradeTopology.TRADES_BY_ID + "-repartition");
    }

    private static Set<String> coordinatorSources() {
        StreamsBuilder builder = new StreamsBuilder();
        TradeTopology.addTo(builder, TOPICS, CONFIG);
        TopologyDescription description = builder.build().describe();
        Subtopology coordinator = description.subtopologies().stream()
                .filter(sub -> sub.nodes().stream().anyMatch(node -> node.name().equals("trade-coordinator")))
                .findFirst().orElseThrow();
        return coordinator.nodes().stream().filter(Source.class::isInstance)
                .flatMap(node -> ((Source) node).topicSet().stream()).collect(Collectors.toSet());
    }
}
