package io.settlement.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.topology.balance.BalanceStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lookups read a store partition as the active replica only while its task runs here: from
 * the start of the processors that own its stores (every store restored) to their close.
 */
class RunningStoresTest {
    private static final Instant START = Instant.parse("2026-01-05T09:00:00Z");
    private static final List<String> COORDINATOR_STORES = List.of(StoreNames.TRADES, StoreNames.TRADE_IDS, StoreNames.TRADE_EXPIRY);

    @TempDir
    Path stateDir;

    @Test
    void everyStoreOfATaskRunsFromItsProcessorsStartToTheirClose() throws Exception {
        // given the settlement topology built with a tracked view, its task not started
        Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);
        RunningStores running = RunningStores.tracked();
        StreamsBuilder builder = new StreamsBuilder();
        SettlementTopology.build(builder, topics, SettlementConfig.defaults(4), running);
        List<String> stores = new ArrayList<>(BalanceStores.NAMES);
        stores.addAll(COORDINATOR_STORES);
        assertThat(stores).noneMatch(store -> running.running(store, 0));

        Properties properties = SettlementConfig.streamsProperties("running-stores-test", "127.0.0.1:9", Files.createDirectories(stateDir).toString());
        properties.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), properties, START)) {
            // when its tasks (partition 0) start: every store of partition 0 runs, no other partition
            assertThat(stores).allMatch(store -> running.running(store, 0));
            assertThat(stores).noneMatch(store -> running.running(store, 1));

            // and the processors behind the view process as before (a record without a value is dead-lettered)
            driver.createInputTopic(topics.balanceOperations().name(), topics.balanceOperations().keySerde().serializer(),
                    topics.balanceOperations().valueSerde().serializer()).pipeInput(7L, null, START);
            assertThat(driver.createOutputTopic(topics.deadLetters().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer())
                    .readRecordsToList()).hasSize(1);
        }

        // then once they close, none runs
        assertThat(stores).noneMatch(store -> running.running(store, 0));
    }

    @Test
    void anUntrackedViewTakesEveryPartitionAsRunningAndLeavesProcessorsAsTheyAre() {
        RunningStores untracked = RunningStores.untracked();
        ProcessorSupplier<String, String, Void, Void> supplier = () -> record -> { };

        assertThat(untracked.running(StoreNames.BALANCES, 3)).isTrue();
        assertThat(untracked.tracking(supplier, StoreNames.BALANCES)).isSameAs(supplier);
    }

    @Test
    void aStoreStopsRunningWhenItsTaskStopsAndRunsAgainWhenItStarts() {
        RunningStores running = RunningStores.tracked();

        running.started(2, StoreNames.BALANCES, StoreNames.COMMANDS);
        running.stopped(2, StoreNames.BALANCES);

        assertThat(running.running(StoreNames.BALANCES, 2)).isFalse();
        assertThat(running.running(StoreNames.COMMANDS, 2)).isTrue();
        running.started(2, StoreNames.BALANCES);
        assertThat(running.running(StoreNames.BALANCES, 2)).isTrue();
    }
}
