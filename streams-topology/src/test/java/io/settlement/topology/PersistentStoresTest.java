package io.settlement.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** The topology's stores: Kafka's RocksDB store, whose position a changelog write asks for only when the offset vector is on. */
class PersistentStoresTest {
    private static final String STORE = "things";
    private static final Instant START = Instant.parse("2026-01-05T00:00:00Z");

    @Test
    void storesAndLogsAsKafkasOwnAndGivesChangelogWritesNoPositionByDefault() {
        try (TopologyTestDriver driver = driver(Map.of())) {
            input(driver).pipeInput("a", "1");
            input(driver).pipeInput("b", "2");

            KeyValueStore<String, String> store = driver.getKeyValueStore(STORE);
            assertThat(store.get("a")).isEqualTo("1");
            assertThat(store.get("b")).isEqualTo("2");
            TestRecord<String, String> logged = changelog(driver).readRecord();
            assertThat(logged.key()).isEqualTo("a");
            assertThat(logged.value()).isEqualTo("1");
            assertThat(logged.headers().toArray()).isEmpty();

            PersistentStores.PositionOnRequest bytes = bytesStore(store);
            assertThat(bytes.getPosition().isEmpty()).isTrue();
            assertThat(bytes.wrapped().getPosition().getPartitionPositions("in")).isEqualTo(Map.of(0, 1L));
        }
    }

    @Test
    void givesTheStoresPositionWhenTheOffsetVectorIsOn() {
        try (TopologyTestDriver driver = driver(Map.of(StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, true))) {
            input(driver).pipeInput("a", "1");

            PersistentStores.PositionOnRequest bytes = bytesStore(driver.getKeyValueStore(STORE));
            assertThat(bytes.getPosition().getPartitionPositions("in")).isEqualTo(Map.of(0, 0L));
            assertThat(changelog(driver).readRecord().headers().toArray()).isNotEmpty();
        }
    }

    @Test
    void aCommittedReadSeesTheStoreAsCommittedNotItsUncommittedWrites() {
        try (TopologyTestDriver driver = driver(Map.of(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true))) {
            input(driver).pipeInput("a", "1");
            PersistentStores.PositionOnRequest bytes = bytesStore(driver.getKeyValueStore(STORE));
            Bytes a = Bytes.wrap("a".getBytes(StandardCharsets.UTF_8));

            // when the task writes again and has not committed yet
            bytes.put(a, "2".getBytes(StandardCharsets.UTF_8));

            // then the task reads its write, a committed read (what a lookup uses) the committed value
            assertThat(new String(bytes.get(a), StandardCharsets.UTF_8)).isEqualTo("2");
            assertThat(new String(bytes.readOnly(IsolationLevel.READ_COMMITTED).get(a), StandardCharsets.UTF_8)).isEqualTo("1");
        }
    }

    private static TopologyTestDriver driver(Map<String, Object> extra) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(PersistentStores.keyValue(STORE), Serdes.String(), Serdes.String())
                .withLoggingEnabled(Map.of()));
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .process(Put::new, STORE);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "stores");
        props.putAll(extra);
        return new TopologyTestDriver(builder.build(), props, START);
    }

    private static TestInputTopic<String, String> input(TopologyTestDriver driver) {
        return driver.createInputTopic("in", new StringSerializer(), new StringSerializer(), START, Duration.ZERO);
    }

    private static TestOutputTopic<String, String> changelog(TopologyTestDriver driver) {
        return driver.createOutputTopic("stores-" + STORE + "-changelog", new StringDeserializer(), new StringDeserializer());
    }

    @SuppressWarnings("unchecked")
    private static PersistentStores.PositionOnRequest bytesStore(KeyValueStore<String, String> store) {
        WrappedStateStore<KeyValueStore<Bytes, byte[]>, ?, ?> metered = (WrappedStateStore<KeyValueStore<Bytes, byte[]>, ?, ?>) store;
        WrappedStateStore<KeyValueStore<Bytes, byte[]>, ?, ?> logging = (WrappedStateStore<KeyValueStore<Bytes, byte[]>, ?, ?>) metered.wrapped();
        return (PersistentStores.PositionOnRequest) logging.wrapped();
    }

    private static final class Put implements Processor<String, String, Void, Void> {
        private KeyValueStore<String, String> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<String, String> record) {
            store.put(record.key(), record.value());
        }
    }
}
