package io.settlement.topology.balance;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * The {@code balances} store, with each task's shares of the system accounts (EXTERNAL, FEES,
 * CLEARING) written once per commit instead of once per step. Nearly every step moves money
 * through one of them (a deposit through EXTERNAL, each step of a trade through CLEARING and
 * FEES), so per step they were half of a trade's store writes and changelog records; per commit
 * they are a handful.
 *
 * <p>A system share put by the task waits here, in memory, and every read of the task sees it.
 * When the task commits, Kafka Streams flushes its stores' caches before it flushes the producer
 * and commits the transaction ({@code flushCache}, the hook its own record cache uses): the waiting
 * shares are put into the store then, so they reach the changelog in the same transaction as the
 * steps that moved them, and RocksDB in the same store commit. A transaction that aborts drops
 * them with the rest ({@code clearCache}, or the store's next {@code init}). User accounts are put
 * at once, as before: what a lookup reads and the order in which the stores commit do not change.
 *
 * <p>Reads from other threads (interactive queries) and {@link #readOnly} see the store alone:
 * committed state, never a waiting share.
 */
public final class SystemSharesAtCommit extends WrappedStateStore<KeyValueStore<BalanceKey, Balance>, BalanceKey, Balance>
        implements KeyValueStore<BalanceKey, Balance> {
    private final Map<BalanceKey, Balance> waiting = new HashMap<>();
    /** The thread that put the waiting shares (the task's stream thread); no other thread sees them. */
    private volatile Thread writer;

    SystemSharesAtCommit(KeyValueStore<BalanceKey, Balance> store) {
        super(store);
    }

    /** The builder of {@code store}'s stores, each wrapped. */
    static StoreBuilder<KeyValueStore<BalanceKey, Balance>> wrapping(StoreBuilder<KeyValueStore<BalanceKey, Balance>> store) {
        return new Builder(store);
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        waiting.clear();
        writer = null;
        super.init(context, root);
    }

    @Override
    public void put(BalanceKey key, Balance value) {
        if (value != null && Ledger.isSystem(key)) {
            writer = Thread.currentThread();
            waiting.put(key, value);
            return;
        }
        if (key != null && Ledger.isSystem(key)) {
            waiting.remove(key);
        }
        wrapped().put(key, value);
    }

    @Override
    public Balance putIfAbsent(BalanceKey key, Balance value) {
        Balance current = get(key);
        if (current == null) {
            put(key, value);
        }
        return current;
    }

    @Override
    public void putAll(List<KeyValue<BalanceKey, Balance>> entries) {
        entries.forEach(entry -> put(entry.key, entry.value));
    }

    @Override
    public Balance delete(BalanceKey key) {
        Balance waited = ownThread() ? waiting.remove(key) : null;
        Balance deleted = wrapped().delete(key);
        return waited != null ? waited : deleted;
    }

    @Override
    public Balance get(BalanceKey key) {
        if (Ledger.isSystem(key) && ownThread()) {
            Balance waited = waiting.get(key);
            if (waited != null) {
                return waited;
            }
        }
        return wrapped().get(key);
    }

    @Override
    public KeyValueIterator<BalanceKey, Balance> range(BalanceKey from, BalanceKey to) {
        putWaitingIfOwn();
        return wrapped().range(from, to);
    }

    @Override
    public KeyValueIterator<BalanceKey, Balance> reverseRange(BalanceKey from, BalanceKey to) {
        putWaitingIfOwn();
        return wrapped().reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<BalanceKey, Balance> all() {
        putWaitingIfOwn();
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<BalanceKey, Balance> reverseAll() {
        putWaitingIfOwn();
        return wrapped().reverseAll();
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<BalanceKey, Balance> prefixScan(P prefix, PS prefixKeySerializer) {
        putWaitingIfOwn();
        return wrapped().prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return wrapped().approximateNumEntries();
    }

    @Override
    public ReadOnlyKeyValueStore<BalanceKey, Balance> readOnly(IsolationLevel isolationLevel) {
        return wrapped().readOnly(isolationLevel);
    }

    /** Before the task's commit: the waiting shares go into the store, in the commit's transaction. */
    @Override
    public void flushCache() {
        putWaiting();
        super.flushCache();
    }

    /** The task's transaction is abandoned: so are the shares it moved. */
    @Override
    public void clearCache() {
        waiting.clear();
        super.clearCache();
    }

    @Override
    public void close() {
        waiting.clear();
        super.close();
    }

    /** How many shares wait for the next commit (for tests). */
    int waiting() {
        return waiting.size();
    }

    private boolean ownThread() {
        return Thread.currentThread() == writer;
    }

    /** A scan by the task sees every share it moved: they go into the store first (still inside its transaction). */
    private void putWaitingIfOwn() {
        if (ownThread()) {
            putWaiting();
        }
    }

    private void putWaiting() {
        if (waiting.isEmpty()) {
            return;
        }
        KeyValueStore<BalanceKey, Balance> store = wrapped();
        waiting.forEach(store::put);
        waiting.clear();
    }

    private record Builder(StoreBuilder<KeyValueStore<BalanceKey, Balance>> store)
            implements StoreBuilder<KeyValueStore<BalanceKey, Balance>> {
        @Override
        public StoreBuilder<KeyValueStore<BalanceKey, Balance>> withCachingEnabled() {
            throw new UnsupportedOperationException("the balances store is read by lookups: no record cache");
        }

        @Override
        public StoreBuilder<KeyValueStore<BalanceKey, Balance>> withCachingDisabled() {
            return new Builder(store.withCachingDisabled());
        }

        @Override
        public StoreBuilder<KeyValueStore<BalanceKey, Balance>> withLoggingEnabled(Map<String, String> config) {
            return new Builder(store.withLoggingEnabled(config));
        }

        @Override
        public StoreBuilder<KeyValueStore<BalanceKey, Balance>> withLoggingDisabled() {
            return new Builder(store.withLoggingDisabled());
        }

        @Override
        public KeyValueStore<BalanceKey, Balance> build() {
            return new SystemSharesAtCommit(store.build());
        }

        @Override
        public Map<String, String> logConfig() {
            return store.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return store.loggingEnabled();
        }

        @Override
        public String name() {
            return store.name();
        }
    }
}
