package io.settlement.topology.status;

import io.settlement.avro.SettlementResult;
import io.settlement.contract.Topics;
import io.settlement.topology.StoreNames;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/** The {@code command-status} store: KIND:command_id -> the first result, RocksDB, changelogged. */
public final class CommandStatusStore {
    private CommandStatusStore() {}

    public static StoreBuilder<KeyValueStore<String, SettlementResult>> builder(Topics topics) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.COMMAND_STATUS),
                topics.results().keySerde(), topics.results().valueSerde()).withLoggingEnabled(java.util.Map.of());
    }
}
