package io.settlement.topology.trade;

import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeState;
import io.settlement.contract.SingleObjectSerde;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import io.settlement.topology.ExpiryIndex;
import io.settlement.topology.PersistentStores;
import io.settlement.topology.RunningStores;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.StoreNames;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;

/**
 * Wires the trade path: trades (any key) are re-keyed by trade id through the repartition
 * topic {@value #TRADES_BY_ID} with {@link #coordinatorPartitions} partitions; the coordinator
 * reads it together with settlement.internal.leg-results (keyed by trade id by the balance
 * tasks), keeps store {@value StoreNames#TRADES}, and writes trade legs, results and dead
 * letters. A trade read on the partition its id hashes to skips the repartition topic: the
 * trades source is in the coordinator's sub-topology (the dead letters of trades without a value
 * join them), so that partition's task is the trade's coordinator already (one commit and two
 * records fewer). The sub-topologies are those of versions that sent every trade through the
 * repartition topic: instances of both may run side by side, each trade coordinated once.
 *
 * <p>Both coordinator inputs must have the same partition count and key bytes, or a leg's
 * answer would reach a task that does not know its trade: the repartition topic takes the user
 * partition count, so settlement.internal.leg-results must be created with that count too (like
 * every internal topic of the contract).
 */
public final class TradeTopology {
    /** Name of the repartition step (its topic is {@code <application.id>-trades-by-id-repartition}). */
    public static final String TRADES_BY_ID = "trades-by-id";

    private static final String[] COORDINATOR_STORES = {StoreNames.TRADES, StoreNames.TRADE_IDS, StoreNames.TRADE_EXPIRY};

    private TradeTopology() {}

    /** The partition count of the coordinator's inputs; settlement.internal.leg-results must have it. */
    public static int coordinatorPartitions(SettlementConfig config) {
        return config.userPartitions();
    }

    public static void addTo(StreamsBuilder builder, Topics topics, SettlementConfig config) {
        addTo(builder, topics, config, RunningStores.untracked());
    }

    /** As above, the coordinator telling {@code running} when its stores run here. */
    public static void addTo(StreamsBuilder builder, Topics topics, SettlementConfig config, RunningStores running) {
        builder.addStateStore(Stores.keyValueStoreBuilder(
                PersistentStores.keyValue(StoreNames.TRADES), Serdes.String(), new SingleObjectSerde<>(TradeState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                PersistentStores.keyValue(StoreNames.TRADE_IDS), Serdes.String(), RetiredTrade.SERDE));
        builder.addStateStore(ExpiryIndex.builder(StoreNames.TRADE_EXPIRY));

        KStream<Bytes, Trade> received = builder.stream(topics.trades().name(),
                Consumed.with(topics.trades().keySerde(), topics.trades().valueSerde()).withName("trades-received"));
        Map<String, KStream<Bytes, Trade>> byPresence = received.split(Named.as("trades-"))
                .branch((key, trade) -> trade == null, Branched.as("tombstone"))
                .defaultBranch(Branched.as("present"));

        KStream<String, Trade> keyed = byPresence.get("trades-present")
                .selectKey((key, trade) -> trade.getTradeId(), Named.as("trade-id-as-key"));
        Repartitioned<String, Trade> byId = Repartitioned.<String, Trade>as(TRADES_BY_ID)
                .withKeySerde(Serdes.String())
                .withValueSerde(topics.tradesByIdValues())
                .withNumberOfPartitions(coordinatorPartitions(config));
        Map<String, KStream<String, Routed>> byHome = keyed
                .processValues(() -> new HomeCheck(coordinatorPartitions(config)), Named.as("trade-home-checked"))
                .split(Named.as("trade-route-"))
                .branch((tradeId, routed) -> routed.home(), Branched.as("at-home"))
                .defaultBranch(Branched.as("elsewhere"));
        KStream<String, Trade> atCoordinator = byHome.get("trade-route-at-home").mapValues(Routed::trade, Named.as("trade-at-home"))
                .merge(byHome.get("trade-route-elsewhere").mapValues(Routed::trade, Named.as("trade-elsewhere")).repartition(byId),
                        Named.as("trades-at-coordinator"));
        KStream<String, CoordinatorInput> tradesById = atCoordinator
                .mapValues(trade -> (CoordinatorInput) new CoordinatorInput.TradeArrived(trade), Named.as("trade-arrived"));
        KStream<String, CoordinatorInput> legAnswers = builder.stream(topics.legResults().name(),
                        Consumed.with(topics.legResults().keySerde(), topics.legResults().valueSerde()).withName("leg-results-received"))
                .mapValues(answer -> (CoordinatorInput) new CoordinatorInput.LegAnswered(answer), Named.as("leg-answered"));

        KStream<String, CoordinatorOutput> coordinated = tradesById.merge(legAnswers, Named.as("coordinator-inputs"))
                .process(running.tracking(() -> new TradeCoordinator(topics, config), COORDINATOR_STORES), Named.as("trade-coordinator"),
                        COORDINATOR_STORES);
        KStream<String, CoordinatorOutput> tombstones = byPresence.get("trades-tombstone")
                .process(TombstoneToDeadLetter::new, Named.as("trade-tombstones"));

        Map<String, KStream<String, CoordinatorOutput>> outputs = coordinated.merge(tombstones, Named.as("coordinator-outputs"))
                .split(Named.as("coordinator-"))
                .branch((key, out) -> out instanceof CoordinatorOutput.LegToSend, Branched.as("legs"))
                .branch((key, out) -> out instanceof CoordinatorOutput.TradeResult, Branched.as("results"))
                .branch((key, out) -> out instanceof CoordinatorOutput.DeadLetter, Branched.as("dead-letters"))
                .noDefaultBranch();

        outputs.get("coordinator-legs")
                .map((key, out) -> {
                    TradeLeg leg = ((CoordinatorOutput.LegToSend) out).leg();
                    return KeyValue.pair(leg.getUserId(), leg);
                }, Named.as("leg-by-user"))
                .to(topics.tradeLegs().name(), Produced.with(topics.tradeLegs().keySerde(), topics.tradeLegs().valueSerde()).withName("trade-legs-sent"));
        outputs.get("coordinator-results")
                .map((key, out) -> {
                    CoordinatorOutput.TradeResult result = (CoordinatorOutput.TradeResult) out;
                    return KeyValue.<String, SettlementResult>pair(result.key(), result.result());
                }, Named.as("result-by-command-key"))
                .to(topics.results().name(), Produced.with(topics.results().keySerde(), topics.results().valueSerde()).withName("trade-results-sent"));
        outputs.get("coordinator-dead-letters")
                .map((key, out) -> {
                    CoordinatorOutput.DeadLetter letter = (CoordinatorOutput.DeadLetter) out;
                    return KeyValue.pair(letter.key(), letter.value());
                }, Named.as("dead-letter-original-bytes"))
                .to(topics.deadLetters().name(), Produced.with(topics.deadLetters().keySerde(), topics.deadLetters().valueSerde()).withName("trade-dead-letters-sent"));
    }

    /** A trade and whether it was read on its coordinator's partition. */
    private record Routed(Trade trade, boolean home) {}

    /**
     * Marks a trade keyed by its id that was read on the partition the repartition topic would put
     * it on ({@link UserPartitioner}'s rule over the UTF-8 id, the producer's default): that
     * partition's task is its coordinator.
     */
    private static final class HomeCheck implements FixedKeyProcessor<String, Trade, Routed> {
        private final int coordinatorPartitions;
        private FixedKeyProcessorContext<String, Routed> context;

        HomeCheck(int coordinatorPartitions) {
            this.coordinatorPartitions = coordinatorPartitions;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, Routed> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<String, Trade> record) {
            int home = UserPartitioner.partitionOf(record.key().getBytes(StandardCharsets.UTF_8), coordinatorPartitions);
            boolean atHome = context.recordMetadata().map(metadata -> metadata.partition() == home).orElse(false);
            context.forward(record.withValue(new Routed(record.value(), atHome)));
        }
    }

    /** A trade record without a value cannot be settled or answered: it goes to the dead-letter topic. */
    private static final class TombstoneToDeadLetter implements Processor<Bytes, Trade, String, CoordinatorOutput> {
        private ProcessorContext<String, CoordinatorOutput> context;

        @Override
        public void init(ProcessorContext<String, CoordinatorOutput> context) {
            this.context = context;
        }

        @Override
        public void process(Record<Bytes, Trade> record) {
            byte[] key = record.key() == null ? null : record.key().get();
            context.forward(new Record<String, CoordinatorOutput>(null, new CoordinatorOutput.DeadLetter(key, null), record.timestamp(),
                    TradeDeadLetters.headers(context, "NULL_VALUE", "a trade record without a value is no trade")));
        }
    }

}
