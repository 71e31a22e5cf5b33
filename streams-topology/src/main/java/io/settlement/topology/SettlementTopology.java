package io.settlement.topology;

import io.settlement.contract.Topics;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Builds the whole settlement topology from its topics and configuration; {@code main},
 * lifecycle and every test build it through this one method.
 */
public final class SettlementTopology {
    private SettlementTopology() {}

    public static void build(StreamsBuilder builder, Topics topics, SettlementConfig config) {
        // The status of any command is one lookup by KIND:command_id, keyed like its source topic.
        builder.table(topics.results().name(),
                Consumed.with(topics.results().keySerde(), topics.results().valueSerde()),
                Materialized.<String, io.settlement.avro.SettlementResult, KeyValueStore<Bytes, byte[]>>as(StoreNames.COMMAND_STATUS)
                        .withKeySerde(topics.results().keySerde())
                        .withValueSerde(topics.results().valueSerde()));
        io.settlement.topology.trade.TradeTopology.addTo(builder, topics, config);
    }
}
