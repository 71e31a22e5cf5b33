package io.settlement.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The time-ordered index the purges read: only what is due, oldest first, a bounded number per call. */
class ExpiryIndexTest {
    private KeyValueStore<Bytes, byte[]> store;
    private ExpiryIndex index;

    @BeforeEach
    void anEmptyIndex() {
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("index"), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
        index = new ExpiryIndex(store);
    }

    @Test
    void takesOnlyWhatIsDueOldestFirstAndLeavesTheFuture() {
        // given many entries in the future and a few due, added in no particular order
        for (int i = 0; i < 10_000; i++) {
            index.add(1_000_000 + i, "later-" + i);
        }
        index.add(300, "c");
        index.add(100, "a");
        index.add(200, "b");

        // when the purge runs at time 500
        List<String> due = new ArrayList<>();
        int taken = index.takeDue(500, 1_000, due::add);

        // then it got exactly the due ids, in time order, and they are gone from the index
        assertThat(taken).isEqualTo(3);
        assertThat(due).containsExactly("a", "b", "c");
        assertThat(store.approximateNumEntries()).isEqualTo(10_000);
        assertThat(index.takeDue(500, 1_000, id -> { })).isZero();
    }

    @Test
    void takesAtMostItsBoundPerCallAndTheRestOnTheNext() {
        for (int i = 0; i < 25; i++) {
            index.add(i, String.format("id-%02d", i));
        }
        List<String> due = new ArrayList<>();

        int first = index.takeDue(1_000, 10, due::add);
        int second = index.takeDue(1_000, 10, due::add);
        int third = index.takeDue(1_000, 10, due::add);

        assertThat(List.of(first, second, third)).containsExactly(10, 10, 5);
        assertThat(due).hasSize(25).isSorted();
    }

    @Test
    void anIdDueExactlyNowIsTakenByTheNextCall() {
        index.add(500, "edge");

        assertThat(index.takeDue(500, 10, id -> { })).isZero();
        assertThat(index.takeDue(501, 10, id -> { })).isEqualTo(1);
    }

    @Test
    void idsWithAnyCharactersRoundTrip() {
        index.add(7, "order/ü:42 \u0000x");
        List<String> due = new ArrayList<>();

        index.takeDue(8, 10, due::add);

        assertThat(due).containsExactly("order/ü:42 \u0000x");
    }
}
