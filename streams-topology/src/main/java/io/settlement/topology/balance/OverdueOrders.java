package io.settlement.topology.balance;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Released orders whose fill grace ended with announced fills still missing, in store
 * {@code overdue-orders} (reservation key -> the reservation as it stands), until they close:
 * by their last fill, however late, or by an operator's {@code OrderClosed}. Such an order holds
 * funds the matching engine announced and settlement never saw, which is for a person to look
 * at: each one counts in {@code overdue-orders-total} (group {@code stream-settlement-metrics},
 * tag {@code settlement-id=orders}) to alert on, is logged, and is listed by
 * {@code settlement orders overdue}, which reads the store's changelog.
 */
final class OverdueOrders {
    public static final String ENTITY = "orders";
    public static final String OPERATION = "overdue-orders";
    private static final Logger LOG = LoggerFactory.getLogger(OverdueOrders.class);

    private final KeyValueStore<String, Reservation> store;
    private final Sensor becameOverdue;

    OverdueOrders(KeyValueStore<String, Reservation> store, StreamsMetrics metrics) {
        this.store = store;
        this.becameOverdue = metrics.addRateTotalSensor(PartitionGuardMetrics.SCOPE, ENTITY, OPERATION, Sensor.RecordingLevel.INFO);
    }

    void add(String reservationKey, Reservation reservation, long nowMs) {
        store.put(reservationKey, reservation);
        becameOverdue.record(1.0, nowMs);
        LOG.warn("Order {} of user {} was released at {} and its fill grace has ended, but announced fills of {} (minor units of asset id {}) "
                        + "never settled; it keeps them frozen until they do or an operator closes it (docs/operations.md, \"An order is overdue\")",
                reservationKey, reservation.userId(), java.time.Instant.ofEpochMilli(reservation.releasedAtMs()), reservation.remaining(),
                reservation.assetId());
    }

    /** A released order changed (a late fill, a refund): an overdue one is kept up to date, and leaves the list when it closed. */
    void changed(String reservationKey, Reservation reservation) {
        if (store.get(reservationKey) == null) {
            return;
        }
        if (reservation.isClosed()) {
            store.delete(reservationKey);
        } else {
            store.put(reservationKey, reservation);
        }
    }
}
