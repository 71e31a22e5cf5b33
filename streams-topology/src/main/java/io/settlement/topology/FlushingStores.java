package io.settlement.topology;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.Options;

/**
 * RocksDB settings that keep a crash from costing a full restore.
 *
 * <p>Kafka Streams writes RocksDB without its write-ahead log, and since KIP-1035 a store keeps
 * its changelog offset in a column family of its own, flushed atomically with the data. A commit
 * does not flush: what survives a SIGKILL is what RocksDB had flushed from its memtables to disk,
 * and only that (with the offset it holds) tells the restart where to resume. With the default
 * 16 MB memtables a store of a few hundred thousand balances may never have flushed, so after a
 * crash it has no offset and is restored from the start of its changelog. Smaller memtables flush
 * every {@value #MEMTABLE_BYTES} bytes of writes, and a restart replays only what came after the
 * last flush.
 *
 * <p>This is safe with transactional state stores only: they write nothing uncommitted into
 * RocksDB, so a flushed state is always a committed one and its offset is the offset of exactly
 * that state. (Without them Kafka Streams treats an unclean store under exactly-once as corrupt
 * and wipes it, whatever was flushed.)
 */
public final class FlushingStores implements RocksDBConfigSetter {
    /** The memtable size: the most a store replays from its changelog after a crash, in bytes written. */
    public static final long MEMTABLE_BYTES = 2L * 1024 * 1024;
    /**
     * A Streams property that sets another memtable size (Kafka Streams' own default is 16 MB), for
     * the recovery benchmark's comparison; not an operator's setting.
     */
    public static final String MEMTABLE_BYTES_CONFIG = "settlement.rocksdb.memtable.bytes";

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Object bytes = configs.get(MEMTABLE_BYTES_CONFIG);
        options.setWriteBufferSize(bytes == null ? MEMTABLE_BYTES : Long.parseLong(bytes.toString().trim()));
    }

    @Override
    public void close(String storeName, Options options) {
        // Nothing allocated here.
    }
}
