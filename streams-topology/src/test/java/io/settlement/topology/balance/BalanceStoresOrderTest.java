package io.settlement.topology.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.SettlementTopology;
import io.settlement.topology.StoreNames;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.internals.InternalTopologyBuilder;
import org.apache.kafka.streams.processor.internals.ProcessorTopology;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API's read-your-writes lookups wait for a command in {@code commands}, then read
 * {@code balances}: that is sound only while a balance task commits {@code balances} first. Kafka
 * Streams registers (and commits, one store after the other) a processor's stores in an order of
 * its own, not the order the topology names them in; this pins the order it chooses.
 */
class BalanceStoresOrderTest {
    @Test
    void aBalanceTaskRegistersAndSoCommitsBalancesBeforeCommands() throws Exception {
        // given the settlement topology as Kafka Streams builds a task of it
        StreamsBuilder builder = new StreamsBuilder();
        SettlementTopology.build(builder, Topics.create(AvroSerdes.SINGLE_OBJECT), SettlementConfig.defaults(4));
        Topology topology = builder.build();
        Field internal = Topology.class.getDeclaredField("internalTopologyBuilder");
        internal.setAccessible(true);
        InternalTopologyBuilder internals = (InternalTopologyBuilder) internal.get(topology);
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "order");
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        internals.rewriteTopology(new StreamsConfig(properties));

        // when the balance processor's sub-topology is built
        List<String> registered = new ArrayList<>();
        for (int subtopology = 0; subtopology < internals.subtopologyToTopicsInfo().size(); subtopology++) {
            ProcessorTopology task = internals.buildSubtopology(subtopology);
            List<String> names = task.stateStores().stream().map(StateStore::name).toList();
            if (names.contains(StoreNames.BALANCES)) {
                registered.addAll(names);
            }
        }

        // then its stores are those of BalanceStores, balances registered before commands
        assertThat(registered).containsExactlyInAnyOrderElementsOf(BalanceStores.NAMES);
        assertThat(registered.indexOf(StoreNames.BALANCES)).isLessThan(registered.indexOf(StoreNames.COMMANDS));
    }
}
