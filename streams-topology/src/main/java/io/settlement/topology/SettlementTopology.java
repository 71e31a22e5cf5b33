package io.settlement.topology;

import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.topology.balance.BalanceInput;
import io.settlement.topology.balance.BalanceOutput;
import io.settlement.topology.balance.BalanceOutputs;
import io.settlement.topology.balance.BalanceProcessor;
import io.settlement.topology.balance.BalanceStores;
import java.util.function.Function;
import org.apache.kafka.streams.KeyValue;
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
 *       {@code settlement.internal.trade-legs} (all keyed by user id, co-partitioned), each
 *       record wrapped as the {@link BalanceInput} of its type, merge into the one
 *       {@link BalanceProcessor} of each user partition, the only writer of balances.</li>
 *   <li>Trades: the coordinator ({@code io.settlement.topology.trade}) reads {@code trades} and
 *       {@code settlement.internal.leg-results}, writes legs and trade results; it plugs in below.</li>
 * </ul>
 *
 * A command's status needs no table of its own: lookups read it where it is kept anyway (the
 * {@code commands} store, the coordinator's {@code trades} and {@code trade-ids};
 * {@link io.settlement.topology.status.CommandStatuses}).
 */
public final class SettlementTopology {
    public static final String BALANCE_PROCESSOR = "balance-processor";

    private SettlementTopology() {}

    public static void build(StreamsBuilder builder, Topics topics, SettlementConfig config) {
        build(builder, topics, config, RunningStores.untracked());
    }

    /** The same topology, telling {@code running} which of its store partitions run here (what lookups may read). */
    public static void build(StreamsBuilder builder, Topics topics, SettlementConfig config, RunningStores running) {
        addBalances(builder, topics, config, running);
        // The trade coordinator: consumes trades and leg results, produces trade legs and trade results.
        io.settlement.topology.trade.TradeTopology.addTo(builder, topics, config, running);
    }

    private static void addBalances(StreamsBuilder builder, Topics topics, SettlementConfig config, RunningStores running) {
        for (StoreBuilder<?> store : BalanceStores.builders()) {
            builder.addStateStore(store);
        }
        KStream<Long, BalanceInput> inputs = userKeyed(builder, topics.balanceOperations(), BalanceInput::of)
                .merge(userKeyed(builder, topics.transferRequests(), BalanceInput.Transfer::new), Named.as("balance-commands-merge"))
                .merge(userKeyed(builder, topics.tradeLegs(), BalanceInput.Leg::new), Named.as("balance-legs-merge"));
        String[] stores = BalanceStores.NAMES.toArray(String[]::new);
        KStream<Void, BalanceOutput<?, ?>> outputs = inputs.process(
                running.tracking(() -> new BalanceProcessor(topics, config), stores), Named.as(BALANCE_PROCESSOR), stores);
        sink(outputs, BalanceOutputs.RESULTS, BalanceOutput.Result.class, topics.results());
        sink(outputs, BalanceOutputs.JOURNAL, BalanceOutput.Journal.class, topics.journal());
        sink(outputs, BalanceOutputs.BALANCE_EVENTS, BalanceOutput.Event.class, topics.balanceEvents());
        sink(outputs, BalanceOutputs.LEG_RESULTS, BalanceOutput.LegAnswer.class, topics.legResults());
        sink(outputs, BalanceOutputs.TRADE_LEGS, BalanceOutput.NextLeg.class, topics.tradeLegs());
        sink(outputs, BalanceOutputs.DEAD_LETTERS, BalanceOutput.DeadLetter.class, topics.deadLetters());
    }

    /**
     * A user-keyed source topic, each value wrapped as the balance processor's input of its type;
     * a record without a value stays without one (the processor dead-letters it).
     */
    private static <V> KStream<Long, BalanceInput> userKeyed(StreamsBuilder builder, Topic<Long, V> topic, Function<V, BalanceInput> asInput) {
        return builder.stream(topic.name(), Consumed.with(topic.keySerde(), topic.valueSerde()).withName(topic.name() + "-source"))
                .mapValues(value -> value == null ? null : asInput.apply(value), Named.as(topic.name() + "-input"));
    }

    /**
     * The processor forwards each output, by name, to the child {@code output}, which unwraps it into
     * its topic's key and value (timestamp and headers kept) for the sink typed by that topic.
     */
    private static <K, V, O extends BalanceOutput<K, V>> void sink(KStream<Void, BalanceOutput<?, ?>> outputs, String output, Class<O> kind,
            Topic<K, V> topic) {
        outputs.map((none, forwarded) -> {
                    O typed = kind.cast(forwarded);
                    return KeyValue.pair(typed.key(), typed.value());
                }, Named.as(output))
                .to(topic.name(), Produced.with(topic.keySerde(), topic.valueSerde()).withName(BalanceOutputs.sinkOf(output)));
    }
}
