package io.settlement.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports how restoring the state stores from their changelogs goes, while it goes: a log line
 * when a store partition starts restoring (with the records to restore), at most one progress
 * line per {@link #PROGRESS_LOG_INTERVAL} with records restored and remaining, and one when it
 * ends (records and time); and the meters {@code settlement_restore_remaining_records} and
 * {@code settlement_restore_active_partitions} (over every store partition restoring now) and
 * {@code settlement_restore_records_total{store}}, so an operator sees how far a restore is and
 * how much of the changelog a restart had to read again (docs/operations.md). Until its task
 * runs, lookups of a restoring partition are answered by a standby or 503
 * ({@link io.settlement.topology.RunningStores}).
 */
final class RestoreProgress implements StateRestoreListener {
    /** The least time between two progress lines of one store partition. */
    static final Duration PROGRESS_LOG_INTERVAL = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(RestoreProgress.class);

    /** One store partition being restored. */
    private static final class Restore {
        final long startNs = System.nanoTime();
        final long total;
        final AtomicLong restored = new AtomicLong();
        volatile long lastLogNs = startNs;

        Restore(long total) {
            this.total = total;
        }

        long remaining() {
            return Math.max(0, total - restored.get());
        }
    }

    private final Map<String, Restore> restoring = new ConcurrentHashMap<>();
    private final AtomicLong restoredTotal = new AtomicLong();
    private final Map<String, Counter> restoredByStore = new ConcurrentHashMap<>();
    private final MeterRegistry registry;

    RestoreProgress(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("settlement.restore.remaining.records", this, RestoreProgress::remaining)
                .description("changelog records still to restore, over the store partitions restoring now")
                .register(registry);
        Gauge.builder("settlement.restore.active.partitions", restoring, Map::size)
                .description("store partitions restoring now")
                .register(registry);
    }

    private Counter restoredOf(String store) {
        return restoredByStore.computeIfAbsent(store, name -> Counter.builder("settlement.restore.records")
                .description("changelog records restored, by store").tag("store", name).register(registry));
    }

    /** Records still to restore over the store partitions restoring now. */
    long remaining() {
        return restoring.values().stream().mapToLong(Restore::remaining).sum();
    }

    /** Records restored since this instance started. */
    long restored() {
        return restoredTotal.get();
    }

    @Override
    public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
        long total = Math.max(0, endingOffset - startingOffset);
        restoring.put(key(partition, store), new Restore(total));
        restoredOf(store);
        log.info("Restoring {} from {}: {} records (offsets {} to {})", store, partition, total, startingOffset, endingOffset);
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
        restoredTotal.addAndGet(numRestored);
        restoredOf(store).increment(numRestored);
        Restore restore = restoring.get(key(partition, store));
        if (restore == null) {
            return;
        }
        restore.restored.addAndGet(numRestored);
        long now = System.nanoTime();
        if (now - restore.lastLogNs >= PROGRESS_LOG_INTERVAL.toNanos()) {
            restore.lastLogNs = now;
            log.info("Restoring {} from {}: {} records restored, {} remaining", store, partition,
                    restore.restored.get(), restore.remaining());
        }
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
        Restore restore = restoring.remove(key(partition, store));
        long ms = restore == null ? -1 : (System.nanoTime() - restore.startNs) / 1_000_000;
        log.info("Restored {} from {}: {} records in {} ms", store, partition, totalRestored, ms);
    }

    @Override
    public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
        restoring.remove(key(partition, store));
        log.info("Restoring {} from {} suspended after {} records (the task moved away)", store, partition, totalRestored);
    }

    private static String key(TopicPartition partition, String store) {
        return store + '/' + partition;
    }
}
