package io.settlement.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * A time-ordered index of what falls due when, over a changelogged key-value store whose keys
 * are {@code due time (8 bytes, big-endian) + id (UTF-8)}: RocksDB keeps keys in byte order,
 * so what is due by now is one range read from the start, and a purge touches only what is
 * due, never the whole store it cleans. Each entry is an id and its due time; the owner decides
 * what falling due means (a trade's full state compacted, an order's fill grace ended).
 */
public final class ExpiryIndex {
    private static final byte[] EMPTY = new byte[0];
    private static final Bytes FIRST = Bytes.wrap(ByteBuffer.allocate(8).putLong(0).array());

    private final KeyValueStore<Bytes, byte[]> store;

    public ExpiryIndex(KeyValueStore<Bytes, byte[]> store) {
        this.store = store;
    }

    public static StoreBuilder<KeyValueStore<Bytes, byte[]>> builder(String name) {
        return Stores.keyValueStoreBuilder(PersistentStores.keyValue(name), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingEnabled(java.util.Map.of());
    }

    /** Records that {@code id} falls due at {@code dueMs} (epoch milliseconds, not negative). */
    public void add(long dueMs, String id) {
        store.put(key(dueMs, id), EMPTY);
    }

    /**
     * Hands each id due before {@code nowMs}, oldest first, to {@code onDue} and removes it
     * from the index, at most {@code max} of them; returns how many. The rest waits for the next call.
     */
    public int takeDue(long nowMs, int max, Consumer<String> onDue) {
        if (nowMs < 0) {
            return 0;
        }
        List<Bytes> due = new ArrayList<>();
        Bytes to = key(nowMs, "");
        try (KeyValueIterator<Bytes, byte[]> range = store.range(FIRST, to)) {
            while (range.hasNext() && due.size() < max) {
                KeyValue<Bytes, byte[]> entry = range.next();
                due.add(entry.key);
            }
        }
        // The upper bound is the bare time prefix, which sorts before every id due exactly at
        // nowMs: those are taken by the next call.
        for (Bytes key : due) {
            store.delete(key);
            onDue.accept(idOf(key));
        }
        return due.size();
    }

    static Bytes key(long dueMs, String id) {
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + utf8.length).putLong(dueMs).put(utf8).array());
    }

    static String idOf(Bytes key) {
        byte[] bytes = key.get();
        return new String(bytes, 8, bytes.length - 8, StandardCharsets.UTF_8);
    }
}
