package io.settlement.topology;

import java.util.List;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * Every store of the topology: Kafka Streams' persistent (RocksDB, transactional) key-value
 * store, except that a changelog write does not copy the store's position.
 *
 * <p>Kafka Streams 4.4 asks the store for its position on every changelog record it writes
 * ({@code ChangeLoggingKeyValueBytesStore.log}), and RocksDB's store answers with a deep copy of
 * its committed position merged with its uncommitted one: maps of maps, built and dropped per
 * record, about a tenth of the stream thread in workload B. The record's only use of it is the
 * offset vector of interactive-query consistency ({@code __iq.consistency.offset.vector.enabled__}),
 * off unless set. With it off, the position asked for is an empty one; with it on, the store's,
 * as before. Queries, restores and commits read the store's own position, untouched.
 */
public final class PersistentStores {
    private PersistentStores() {}

    /** A persistent key-value store named {@code name}, for {@link Stores#keyValueStoreBuilder}. */
    public static KeyValueBytesStoreSupplier keyValue(String name) {
        return new Supplier(Stores.persistentKeyValueStore(name));
    }

    private record Supplier(KeyValueBytesStoreSupplier rocks) implements KeyValueBytesStoreSupplier {
        @Override
        public String name() {
            return rocks.name();
        }

        @Override
        public KeyValueStore<Bytes, byte[]> get() {
            return new PositionOnRequest(rocks.get());
        }

        @Override
        public String metricsScope() {
            return rocks.metricsScope();
        }
    }

    /** The RocksDB store, its position given to a changelog write only when the offset vector is on. */
    static final class PositionOnRequest extends WrappedStateStore<KeyValueStore<Bytes, byte[]>, Bytes, byte[]>
            implements KeyValueStore<Bytes, byte[]> {
        private boolean offsetVector = true;

        PositionOnRequest(KeyValueStore<Bytes, byte[]> rocks) {
            super(rocks);
        }

        @Override
        public void init(StateStoreContext context, StateStore root) {
            offsetVector = StreamsConfig.InternalConfig.getBoolean(context.appConfigs(),
                    StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, false);
            super.init(context, root);
        }

        @Override
        public Position getPosition() {
            return offsetVector ? wrapped().getPosition() : Position.emptyPosition();
        }

        @Override
        public void put(Bytes key, byte[] value) {
            wrapped().put(key, value);
        }

        @Override
        public byte[] putIfAbsent(Bytes key, byte[] value) {
            return wrapped().putIfAbsent(key, value);
        }

        @Override
        public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
            wrapped().putAll(entries);
        }

        @Override
        public byte[] delete(Bytes key) {
            return wrapped().delete(key);
        }

        @Override
        public byte[] get(Bytes key) {
            return wrapped().get(key);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
            return wrapped().range(from, to);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
            return wrapped().reverseRange(from, to);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> all() {
            return wrapped().all();
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> reverseAll() {
            return wrapped().reverseAll();
        }

        @Override
        public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS prefixKeySerializer) {
            return wrapped().prefixScan(prefix, prefixKeySerializer);
        }

        @Override
        public long approximateNumEntries() {
            return wrapped().approximateNumEntries();
        }

        @Override
        public ReadOnlyKeyValueStore<Bytes, byte[]> readOnly(IsolationLevel isolationLevel) {
            return wrapped().readOnly(isolationLevel);
        }
    }
}
