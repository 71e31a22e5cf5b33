package io.settlement.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class RocksDbSettingsTest {
    @BeforeAll
    static void loadRocksDb() {
        RocksDB.loadLibrary();
    }

    @Test
    void everyStoreSharesTheJvmsOneCacheAndMemtableBudgetWithIndexesAndFiltersInTheCache() {
        // given two stores configured as Kafka Streams configures them, with the app's budget and no memtable size
        RocksDbSettings settings = new RocksDbSettings();
        Map<String, Object> configs = Map.of(RocksDbSettings.MEMORY_BYTES_CONFIG, Long.toString(RocksDbSettings.MEMORY_BYTES_DEFAULT));
        try (Options balances = withKafkasTableConfig(); Options commands = withKafkasTableConfig()) {
            // when each is set
            settings.setConfig("balances", balances, configs);
            settings.setConfig("commands", commands, configs);
            // then both have the small memtables, and one and the same memtable manager (the JVM's budget's)
            RocksDbSettings.Budget budget = RocksDbSettings.budget(RocksDbSettings.MEMORY_BYTES_DEFAULT);
            assertThat(balances.writeBufferSize()).isEqualTo(RocksDbSettings.MEMTABLE_BYTES);
            assertThat(balances.writeBufferManager()).isSameAs(budget.memtables()).isSameAs(commands.writeBufferManager());
            // and their indexes and filters are held in the cache (with high priority), not beside it
            for (Options options : new Options[] {balances, commands}) {
                BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
                assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
                assertThat(table.cacheIndexAndFilterBlocksWithHighPriority()).isTrue();
            }
            settings.close("balances", balances);
            settings.close("commands", commands);
        }
    }

    @Test
    void aSecondSizeAskedForInTheSameJvmGetsTheFirstBudget() {
        // given the JVM's budget, whoever made it
        RocksDbSettings.Budget first = RocksDbSettings.budget(RocksDbSettings.MEMORY_BYTES_DEFAULT);
        // when an instance asks for another size
        RocksDbSettings.Budget second = RocksDbSettings.budget(first.bytes() * 2);
        // then it shares the first (one budget per process; a warning says so)
        assertThat(second).isSameAs(first);
    }

    @Test
    void theRecoveryBenchmarksMemtableSizeStillApplies() {
        try (Options options = withKafkasTableConfig()) {
            new RocksDbSettings().setConfig("balances", options, Map.of(RocksDbSettings.MEMTABLE_BYTES_CONFIG, "65536"));
            assertThat(options.writeBufferSize()).isEqualTo(65_536L);
        }
    }

    /** Options as Kafka Streams hands them to the setter: a block-based table config already in place. */
    private static Options withKafkasTableConfig() {
        Options options = new Options();
        options.setTableFormatConfig(new BlockBasedTableConfig());
        return options;
    }
}
