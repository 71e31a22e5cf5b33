package io.settlement.topology;

import io.settlement.avro.SettlementResult;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.topology.balance.BalanceOutputs;
import io.settlement.topology.balance.BalanceProcessor;
import io.settlement.topology.balance.BalanceStores;
import io.settlement.topology.status.CommandStatusProcessor;
import io.settlement.topology.status.CommandStatusStore;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Builds the whole settlement topology from its topics and configuration; {@code main},
 * lifecycle and every test build it through this one method.
 *
 * <ul>
 *   <li>Balances: {@code balance.operations}, {@code transfer.requests} and
 *       {@code settlement.internal.trade-legs} (all keyed by user id, co-partitioned) merge into
 *       the one {@link BalanceProcessor} of each user partition, the only writer of balances.</li>
 *   <li>Trades: the coordinator ({@code io.settlement.topology.trade}) reads {@code trades} and
 *       {@code settlement.internal.leg-results}, writes legs and trade results; it plugs in below.</li>
 *   <li>Status: {@code settlement.results} feeds the {@code command-status} store.</li>
 * </ul>
 */
public final class SettlementTopology {
    public static final String BALANCE_PROCESSOR = "balance-processor";
    public static final String COMMAND_STATUS_PROCESSOR = "command-status-processor";

    private SettlementTopology() {}

    public static void build(StreamsBuilder builder, Topics topics, SettlementConfig config) {
        addBalances(builder, topics, config);
        // The trade coordinator: consumes trades and leg results, produces trade legs and trade results.
        io.settlement.topology.trade.TradeTopology.addTo(builder, topics, config);
        addCommandStatus(builder, topics);
    }

    private static void addBalances(StreamsBuilder builder, Topics topics, SettlementConfig config) {
        for (StoreBuilder<?> store : BalanceStores.builders()) {
            builder.addStateStore(store);
        }
        KStream<Long, Object> commands = userKeyed(builder, topics.balanceOperations())
                .merge(userKeyed(builder, topics.transferRequests()), Named.as("balance-commands-merge"))
                .merge(userKeyed(builder, topics.tradeLegs()), Named.as("balance-legs-merge"));
        KStream<Object, Object> outputs = commands.process(() -> new BalanceProcessor(topics, config), Named.as(BALANCE_PROCESSOR),
                BalanceStores.NAMES.toArray(String[]::new));
        sink(outputs, topics.results(), BalanceOutputs.RESULTS);
        sink(outputs, topics.journal(), BalanceOutputs.JOURNAL);
        sink(outputs, topics.balanceEvents(), BalanceOutputs.BALANCE_EVENTS);
        sink(outputs, topics.legResults(), BalanceOutputs.LEG_RESULTS);
        sink(outputs, topics.deadLetters(), BalanceOutputs.DEAD_LETTERS);
    }

    private static void addCommandStatus(StreamsBuilder builder, Topics topics) {
        builder.addStateStore(CommandStatusStore.builder(topics));
        Topic<String, SettlementResult> results = topics.results();
        builder.stream(results.name(), Consumed.with(results.keySerde(), results.valueSerde()).withName("command-status-source"))
                .process(CommandStatusProcessor::new, Named.as(COMMAND_STATUS_PROCESSOR), StoreNames.COMMAND_STATUS);
    }

    @SuppressWarnings("unchecked")
    private static <V> KStream<Long, Object> userKeyed(StreamsBuilder builder, Topic<Long, V> topic) {
        KStream<Long, V> stream = builder.stream(topic.name(), Consumed.with(topic.keySerde(), topic.valueSerde()).withName(topic.name() + "-source"));
        return (KStream<Long, Object>) (KStream<Long, ?>) stream;
    }

    /** The processor forwards each output to its sink by name, so every sink is typed by its topic. */
    @SuppressWarnings("unchecked")
    private static <K, V> void sink(KStream<Object, Object> outputs, Topic<K, V> topic, String sinkName) {
        ((KStream<K, V>) (KStream<?, ?>) outputs).to(topic.name(), Produced.with(topic.keySerde(), topic.valueSerde()).withName(sinkName));
    }
}
