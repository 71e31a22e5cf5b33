package io.settlement.topology.balance;

import io.settlement.topology.ExpiryIndex;
import io.settlement.topology.PersistentStores;
import io.settlement.topology.StoreNames;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The balance task's state stores (docs/topology.md, "Stores"), RocksDB and changelogged, all in the
 * user's partition: balances (the system shares written at commit: {@link SystemSharesAtCommit}),
 * remembered commands, order reservations and the index of their fill grace and the orders
 * overdue after it, deposit/withdrawal holds.
 * Values are fixed binary layouts, not Avro: they are read and written on every command.
 */
public final class BalanceStores {
    /**
     * The balance processor's stores. Kafka Streams registers a processor's stores, and so commits
     * them one after the other, in the order of a {@code HashSet} of their names, not of this list:
     * for these names {@code overdue-orders, balances, reservations, order-grace, holds, commands}.
     * The HTTP API's read-your-writes lookups rely on {@code commands} committing after
     * {@code balances} (they wait for the command, then read balances): a renamed or added store can
     * change that order ({@code BalanceStoresOrderTest} fails then).
     */
    public static final List<String> NAMES = List.of(StoreNames.BALANCES, StoreNames.COMMANDS, StoreNames.RESERVATIONS,
            StoreNames.ORDER_GRACE, StoreNames.HOLDS, StoreNames.OVERDUE_ORDERS);

    private BalanceStores() {}

    public static List<StoreBuilder<?>> builders() {
        return List.of(balances(), commands(), reservations(), ExpiryIndex.builder(StoreNames.ORDER_GRACE), holds(), overdueOrders());
    }

    public static StoreBuilder<KeyValueStore<BalanceKey, Balance>> balances() {
        return SystemSharesAtCommit.wrapping(
                Stores.keyValueStoreBuilder(PersistentStores.keyValue(StoreNames.BALANCES), BalanceKey.SERDE, Balance.SERDE)
                        .withLoggingEnabled(java.util.Map.of()));
    }

    public static StoreBuilder<KeyValueStore<String, RememberedCommand>> commands() {
        return Stores.keyValueStoreBuilder(PersistentStores.keyValue(StoreNames.COMMANDS), Serdes.String(), RememberedCommand.SERDE)
                .withLoggingEnabled(java.util.Map.of());
    }

    public static StoreBuilder<KeyValueStore<String, Reservation>> reservations() {
        return Stores.keyValueStoreBuilder(PersistentStores.keyValue(StoreNames.RESERVATIONS), Serdes.String(), Reservation.SERDE)
                .withLoggingEnabled(java.util.Map.of());
    }

    public static StoreBuilder<KeyValueStore<String, Reservation>> overdueOrders() {
        return Stores.keyValueStoreBuilder(PersistentStores.keyValue(StoreNames.OVERDUE_ORDERS), Serdes.String(), Reservation.SERDE)
                .withLoggingEnabled(java.util.Map.of());
    }

    public static StoreBuilder<KeyValueStore<String, Hold>> holds() {
        return Stores.keyValueStoreBuilder(PersistentStores.keyValue(StoreNames.HOLDS), Serdes.String(), Hold.SERDE)
                .withLoggingEnabled(java.util.Map.of());
    }
}
