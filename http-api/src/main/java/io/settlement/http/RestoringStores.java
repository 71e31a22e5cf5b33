package io.settlement.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * Which store partitions of this instance are restoring from their changelogs now, for the
 * lookups: Kafka Streams lets an interactive query read an active task that is still restoring
 * (its thread runs other tasks meanwhile), and such a task's stores restore from separate
 * changelogs, each at its own pace: its {@code commands} may already hold a command whose balances
 * {@code balances} has not restored yet. A lookup does not read a restoring partition as the
 * active replica ({@link StoreLookup}): it is 503 {@code STORE_UNAVAILABLE} (or a standby
 * answers), and a read-your-writes lookup waits.
 *
 * <p>What it cannot see: the moment between a task's assignment here and the start of its
 * restore, and a task with nothing to restore (whose stores are each at their changelog's end).
 *
 * <p>Set it on the streams before they start ({@code KafkaStreams.setGlobalStateRestoreListener},
 * which takes one listener: {@code next} gets every call too). Its calls come from the restoring
 * thread; {@link #restoring} may be asked from any.
 */
public final class RestoringStores implements StateRestoreListener {
    private final Set<String> restoring = ConcurrentHashMap.newKeySet();
    private final StateRestoreListener next;

    /** @param next the listener that gets every call after this one, or null */
    public RestoringStores(StateRestoreListener next) {
        this.next = next;
    }

    /** Whether this instance's partition {@code partition} of {@code store} is restoring from its changelog now. */
    public boolean restoring(String store, int partition) {
        return !restoring.isEmpty() && restoring.contains(key(store, partition));
    }

    @Override
    public void onRestoreStart(TopicPartition changelog, String store, long startingOffset, long endingOffset) {
        restoring.add(key(store, changelog.partition()));
        if (next != null) {
            next.onRestoreStart(changelog, store, startingOffset, endingOffset);
        }
    }

    @Override
    public void onBatchRestored(TopicPartition changelog, String store, long batchEndOffset, long numRestored) {
        if (next != null) {
            next.onBatchRestored(changelog, store, batchEndOffset, numRestored);
        }
    }

    @Override
    public void onRestoreEnd(TopicPartition changelog, String store, long totalRestored) {
        restoring.remove(key(store, changelog.partition()));
        if (next != null) {
            next.onRestoreEnd(changelog, store, totalRestored);
        }
    }

    /** The task moved away before its restore ended: this instance no longer restores (nor owns) it. */
    @Override
    public void onRestoreSuspended(TopicPartition changelog, String store, long totalRestored) {
        restoring.remove(key(store, changelog.partition()));
        if (next != null) {
            next.onRestoreSuspended(changelog, store, totalRestored);
        }
    }

    private static String key(String store, int partition) {
        return store + '#' + partition;
    }
}
