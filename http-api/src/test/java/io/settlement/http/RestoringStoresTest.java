package io.settlement.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.junit.jupiter.api.Test;

class RestoringStoresTest {
    private static final TopicPartition BALANCES_2 = new TopicPartition("app-balances-changelog", 2);

    @Test
    void aStorePartitionRestoresFromItsStartToItsEndOrUntilItIsSuspended() {
        // given a restore under way for partition 2 of balances
        RestoringStores restoring = new RestoringStores(null);
        restoring.onRestoreStart(BALANCES_2, "balances", 0, 100);

        // then that partition of that store restores, and nothing else
        assertThat(restoring.restoring("balances", 2)).isTrue();
        assertThat(restoring.restoring("balances", 1)).isFalse();
        assertThat(restoring.restoring("commands", 2)).isFalse();

        // and it stops when its restore ends, and again when one is suspended (its task moved away)
        restoring.onBatchRestored(BALANCES_2, "balances", 50, 50);
        assertThat(restoring.restoring("balances", 2)).isTrue();
        restoring.onRestoreEnd(BALANCES_2, "balances", 100);
        assertThat(restoring.restoring("balances", 2)).isFalse();
        restoring.onRestoreStart(BALANCES_2, "balances", 100, 150);
        restoring.onRestoreSuspended(BALANCES_2, "balances", 20);
        assertThat(restoring.restoring("balances", 2)).isFalse();
    }

    @Test
    void theNextListenerGetsEveryCall() {
        // given a listener after it
        List<String> calls = new ArrayList<>();
        RestoringStores restoring = new RestoringStores(new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition partition, String store, long start, long end) {
                calls.add("start " + partition + " " + store + " " + start + " " + end);
            }

            @Override
            public void onBatchRestored(TopicPartition partition, String store, long batchEnd, long restored) {
                calls.add("batch " + partition + " " + store + " " + batchEnd + " " + restored);
            }

            @Override
            public void onRestoreEnd(TopicPartition partition, String store, long total) {
                calls.add("end " + partition + " " + store + " " + total);
            }

            @Override
            public void onRestoreSuspended(TopicPartition partition, String store, long total) {
                calls.add("suspended " + partition + " " + store + " " + total);
            }
        });

        // when a restore runs, ends, and another is suspended
        restoring.onRestoreStart(BALANCES_2, "balances", 0, 100);
        restoring.onBatchRestored(BALANCES_2, "balances", 100, 100);
        restoring.onRestoreEnd(BALANCES_2, "balances", 100);
        restoring.onRestoreSuspended(BALANCES_2, "balances", 0);

        // then it heard each, in order
        assertThat(calls).containsExactly("start app-balances-changelog-2 balances 0 100", "batch app-balances-changelog-2 balances 100 100",
                "end app-balances-changelog-2 balances 100", "suspended app-balances-changelog-2 balances 0");
    }
}
