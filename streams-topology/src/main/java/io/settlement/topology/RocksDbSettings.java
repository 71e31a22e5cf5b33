package io.settlement.topology;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RocksDB settings of every store: memtables small enough that a crash costs little, and one
 * memory budget for all the stores of a JVM.
 *
 * <p><b>Small memtables.</b> Kafka Streams writes RocksDB without its write-ahead log, and since
 * KIP-1035 a store keeps its changelog offset in a column family of its own, flushed atomically
 * with the data. A commit does not flush: what survives a SIGKILL is what RocksDB had flushed from
 * its memtables to disk, and only that (with the offset it holds) tells the restart where to
 * resume. With the default 16 MB memtables a store of a few hundred thousand balances may never
 * have flushed, so after a crash it has no offset and is restored from the start of its changelog.
 * Smaller memtables flush every {@value #MEMTABLE_BYTES} bytes of writes, and a restart replays
 * only what came after the last flush. This is safe with transactional state stores only: they
 * write nothing uncommitted into RocksDB, so a flushed state is always a committed one and its
 * offset is the offset of exactly that state. (Without them Kafka Streams treats an unclean store
 * under exactly-once as corrupt and wipes it, whatever was flushed.)
 *
 * <p><b>One memory budget.</b> By default each store instance (a store on one partition, active or
 * standby) has a block cache of its own of 50 MB, and its indexes and Bloom filters outside any
 * cache, growing with its data: nine stores on twelve partitions, with standbys, could take
 * gigabytes outside the heap, and the {@code commands} store keeps every id for ever. Here every
 * store of the JVM shares one LRU cache of {@link #MEMORY_BYTES_CONFIG} bytes, which holds data
 * blocks, indexes and filters (these with high priority, evicted last) and is charged for the
 * memtables too, up to half of it, beyond which RocksDB flushes the largest (a flush is always
 * safe here, see above). The first store to open sizes the budget; an instance that asks for
 * another size in the same JVM gets the first one, with a warning.
 */
public final class RocksDbSettings implements RocksDBConfigSetter {
    /** The memtable size: the most a store replays from its changelog after a crash, in bytes written. */
    public static final long MEMTABLE_BYTES = 2L * 1024 * 1024;
    /**
     * A Streams property that sets another memtable size (Kafka Streams' own default is 16 MB), for
     * the recovery benchmark's comparison; not an operator's setting.
     */
    public static final String MEMTABLE_BYTES_CONFIG = "settlement.rocksdb.memtable.bytes";
    /** The Streams property that carries the JVM's RocksDB budget in bytes (the app's {@code rocksdb.memory.bytes}). */
    public static final String MEMORY_BYTES_CONFIG = "settlement.rocksdb.memory.bytes";
    /** The budget when none is given. */
    public static final long MEMORY_BYTES_DEFAULT = 256L * 1024 * 1024;
    /** The share of the cache kept for indexes and filters, evicted last. */
    static final double INDEX_AND_FILTER_SHARE = 0.2;

    private static final Logger LOG = LoggerFactory.getLogger(RocksDbSettings.class);
    private static Budget budget;

    /** The cache and the memtables' manager every store of the JVM shares; never closed (the JVM ends them). */
    record Budget(long bytes, Cache cache, WriteBufferManager memtables) {}

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        options.setWriteBufferSize(bytes(configs, MEMTABLE_BYTES_CONFIG, MEMTABLE_BYTES));
        Budget shared = budget(bytes(configs, MEMORY_BYTES_CONFIG, MEMORY_BYTES_DEFAULT));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(shared.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(shared.memtables());
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the memtables' manager are shared by every store: closing one store leaves them.
    }

    /** The JVM's budget, made by the first store to open. */
    static synchronized Budget budget(long bytes) {
        if (budget == null) {
            Cache cache = new LRUCache(bytes, -1, false, INDEX_AND_FILTER_SHARE);
            budget = new Budget(bytes, cache, new WriteBufferManager(bytes / 2, cache));
        } else if (budget.bytes() != bytes) {
            LOG.warn("RocksDB budget of {} bytes asked for, but this JVM's stores already share one of {} bytes: keeping it", bytes, budget.bytes());
        }
        return budget;
    }

    private static long bytes(Map<String, Object> configs, String key, long otherwise) {
        Object bytes = configs.get(key);
        return bytes == null ? otherwise : Long.parseLong(bytes.toString().trim());
    }
}
