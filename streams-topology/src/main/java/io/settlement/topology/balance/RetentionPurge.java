package io.settlement.topology.balance;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Forgets what the retention window no longer needs, so the stores do not grow forever: command
 * ids remembered longer than the retention (a replay that old is EXPIRED anyway), final
 * deposits/withdrawals and released orders whose end is older than the retention. Runs from a
 * wall-clock punctuator; deletes at most {@link #DELETES_MAX} entries per store per run.
 */
final class RetentionPurge {
    /** Bounds one punctuation's work; the rest waits for the next run. */
    static final int DELETES_MAX = 50_000;

    private final KeyValueStore<String, RememberedCommand> commands;
    private final KeyValueStore<String, Hold> holds;
    private final KeyValueStore<String, Reservation> reservations;
    private final long retentionMs;

    RetentionPurge(KeyValueStore<String, RememberedCommand> commands, KeyValueStore<String, Hold> holds,
                   KeyValueStore<String, Reservation> reservations, long retentionMs) {
        this.commands = commands;
        this.holds = holds;
        this.reservations = reservations;
        this.retentionMs = retentionMs;
    }

    /** Purges everything that ended before {@code nowMs - retention}; returns how many entries went. */
    int run(long nowMs) {
        long horizonMs = nowMs - retentionMs;
        return purge(commands, RememberedCommand::rememberedSinceMs, horizonMs)
                + purge(holds, hold -> hold.isFinal() ? hold.finalAtMs() : Long.MAX_VALUE, horizonMs)
                + purge(reservations, order -> order.isReleased() ? order.releasedAtMs() : Long.MAX_VALUE, horizonMs);
    }

    private static <V> int purge(KeyValueStore<String, V> store, ToLongFunction<V> endedAtMs, long horizonMs) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, V> all = store.all()) {
            while (all.hasNext() && expired.size() < DELETES_MAX) {
                KeyValue<String, V> entry = all.next();
                if (endedAtMs.applyAsLong(entry.value) < horizonMs) {
                    expired.add(entry.key);
                }
            }
        }
        for (String key : expired) {
            store.delete(key);
        }
        return expired.size();
    }
}
