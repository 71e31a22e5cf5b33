package io.settlement.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settlement.testsupport.FreePorts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settlement.kafka.EmbeddedKafkaBroker;
import io.settlement.topology.RunningStores;
import io.settlement.topology.SettlementConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A lookup never shows a write whose transaction was aborted. On a real broker, with the
 * project's Kafka Streams settings ({@link SettlementConfig#base}: exactly-once, transactional
 * stores, committed interactive queries), a processor writes a value to a cached RocksDB store
 * and then fails with a broken invariant before its transaction commits: the task stops, the
 * transaction aborts and the thread is replaced, which processes the record again. All the while
 * a reader polls the store through {@link StoreLookup#localStore}, the path every lookup takes;
 * it must see the committed values only, never the aborted one.
 */
class CommittedReadsTest {
    private static final String INPUT = "committed-reads-input";
    private static final String STORE = "committed-reads-store";
    private static final String KEY = "user-1";
    private static final Duration WITHIN = Duration.ofSeconds(90);

    private static Path dir;
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        dir = Files.createTempDirectory("committed-reads");
        broker = EmbeddedKafkaBroker.startOnFreePorts(dir.resolve("kafka"));
        broker.createTopics(Map.of(INPUT, 1));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Writes "value-attempt-N" under the record's key; the first attempt of a "fail-*" value fails after its write. */
    private static final class WriteThenFail implements Processor<String, String, Void, Void> {
        private final Map<String, AtomicInteger> attempts;
        private final CountDownLatch written;
        private final CountDownLatch release;
        private KeyValueStore<String, String> store;

        WriteThenFail(Map<String, AtomicInteger> attempts, CountDownLatch written, CountDownLatch release) {
            this.attempts = attempts;
            this.written = written;
            this.release = release;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<String, String> record) {
            int attempt = attempts.computeIfAbsent(record.value(), value -> new AtomicInteger()).incrementAndGet();
            store.put(record.key(), record.value() + "-attempt-" + attempt);
            if (record.value().startsWith("fail-") && attempt == 1) {
                written.countDown();
                try {
                    release.await(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("test: a broken invariant after the write, before the commit");
            }
        }
    }

    @Test
    void aLookupNeverShowsAWriteWhoseTransactionAborted() throws Exception {
        // given the project's settings and a processor that fails once after writing
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        CountDownLatch written = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.String())
                .withCachingEnabled());
        builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()))
                .process(() -> new WriteThenFail(attempts, written, release), STORE);
        Properties props = SettlementConfig.streamsProperties("committed-reads", broker.bootstrapServers(), dir.resolve("streams").toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        assertThat(props.get(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG)).isEqualTo(true);

        HttpApiConfig settings = HttpApiConfig.of("127.0.0.1", "127.0.0.1", FreePorts.freePort());
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicBoolean reading = new AtomicBoolean(true);
        try (KafkaStreams streams = new KafkaStreams(builder.build(props), props);
             KafkaProducer<String, String> producer = producer()) {
            streams.setUncaughtExceptionHandler(e -> StreamThreadExceptionResponse.REPLACE_THREAD);
            StoreLookup lookup = new StoreLookup(streams, settings, new SimpleMeterRegistry(), RunningStores.untracked());
            streams.start();
            Thread reader = new Thread(() -> {
                while (reading.get()) {
                    String value = committedRead(lookup);
                    if (value != null) {
                        seen.add(value);
                    }
                }
            }, "committed-reader");
            reader.start();
            try {
                // when a first value commits
                producer.send(new ProducerRecord<>(INPUT, KEY, "first")).get();
                await().atMost(WITHIN).until(() -> "first-attempt-1".equals(committedRead(lookup)));

                // and a second one is written, then fails before its transaction commits
                producer.send(new ProducerRecord<>(INPUT, KEY, "fail-second")).get();
                assertThat(written.await(WITHIN.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

                // then, while the write is pending, an uncommitted read shows it and the lookup does not
                assertThat(uncommittedRead(streams)).isEqualTo("fail-second-attempt-1");
                assertThat(committedRead(lookup)).isEqualTo("first-attempt-1");
                release.countDown();

                // and after the abort the record is processed again and its second attempt commits
                await().atMost(WITHIN).until(() -> "fail-second-attempt-2".equals(committedRead(lookup)));
            } finally {
                release.countDown();
                reading.set(false);
                reader.join(WITHIN.toMillis());
            }
        }
        assertThat(seen).contains("first-attempt-1", "fail-second-attempt-2").doesNotContain("fail-second-attempt-1");
        assertThat(attempts.get("fail-second").get()).isEqualTo(2);
    }

    /** What a lookup reads: the active store partition through {@link StoreLookup}; null when not queryable. */
    private static String committedRead(StoreLookup lookup) {
        try {
            return lookup.<String, String>localStore(STORE, new StoreLookup.LocalRead(0, false)).get(KEY);
        } catch (InvalidStateStoreException e) {
            return null;
        }
    }

    /** A read that includes the transaction buffer, to show the pending write exists. */
    private static String uncommittedRead(KafkaStreams streams) {
        return streams.store(StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.<String, String>keyValueStore())
                .withPartition(0)).readOnly(IsolationLevel.READ_UNCOMMITTED).get(KEY);
    }

    private static KafkaProducer<String, String> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(props);
    }
}
