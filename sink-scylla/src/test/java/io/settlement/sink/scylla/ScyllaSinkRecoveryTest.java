package io.settlement.sink.scylla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settlement.avro.BalanceEvent;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.SettlementResult;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.BalanceEvents;
import io.settlement.contract.CommandKeys;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.kafka.EmbeddedKafkaBroker;
import io.settlement.sink.Health.Status;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink's real consumer loop on a real in-process Kafka broker, writing to a real Cassandra in
 * its own JVM: it catches up after the database was killed mid-stream, and a bounded run measures
 * its rows per second.
 */
class ScyllaSinkRecoveryTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final int PARTITIONS = 3;

    @TempDir
    static Path kafkaDir;
    static EmbeddedKafkaBroker broker;
    static CassandraServer server;
    static final Topics TOPICS = Topics.create(AvroSerdes.SINGLE_OBJECT);

    private static final AtomicInteger TRANSACTIONS = new AtomicInteger();
    /** What every test wrote to the topics so far (their end offsets also count the transaction markers). */
    private static final AtomicLong EVENTS_PRODUCED = new AtomicLong();
    private static final AtomicLong RECORDS_PRODUCED = new AtomicLong();

    ScyllaSink service;
    SettlementScenario scenario;

    @BeforeAll
    static void startBrokerAndCassandra() {
        broker = EmbeddedKafkaBroker.startOnFreePorts(kafkaDir);
        Map<String, Integer> topics = new HashMap<>();
        List.of(TOPICS.journal(), TOPICS.balanceEvents(), TOPICS.results()).forEach(topic -> topics.put(topic.name(), PARTITIONS));
        broker.createTopics(topics);
        server = CassandraServer.start("recovery-" + ProcessHandle.current().pid());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @AfterEach
    void closeSink() {
        if (service != null) {
            service.close();
        }
        if (scenario != null) {
            scenario.close();
        }
    }

    @Test
    void theSinkCatchesUpAfterTheDatabaseWasKilledMidStreamWithNothingMissingOrDoubled() throws Exception {
        // given the sink running on the broker, and the first half of a stream written
        scenario = new SettlementScenario().everyKindOfRow().deposits(400, 40);
        List<JournalEntry> journal = scenario.journal();
        List<BalanceEvent> events = scenario.events();
        List<SettlementResult> results = scenario.results();
        String group = "scylla-sink-recovery";
        service = startSink(group, "recovery");
        List<JournalEntry> firstHalf = journal.subList(0, journal.size() / 2);
        produce(firstHalf, results.subList(0, results.size() / 2));
        long firstHalfEvents = firstHalf.stream().mapToLong(entry -> BalanceEvents.of(entry).size()).sum();
        await("first half written").atMost(DEADLINE).until(() -> count("recovery.balance_ledger") == firstHalfEvents);

        // when the database is killed and the second half arrives meanwhile
        server.kill();
        produce(journal.subList(journal.size() / 2, journal.size()), results.subList(results.size() / 2, results.size()));
        await("sink degraded").atMost(DEADLINE).until(() -> service.health().status() == Status.DEGRADED);
        assertThat(service.problems()).anySatisfy(problem -> assertThat(problem).startsWith("ScyllaDB:"));

        // and the database comes back
        server.restart();

        // then the sink catches up, commits everything and is UP again
        await("everything committed").atMost(DEADLINE).until(() -> committedAll(group));
        await("sink up").atMost(DEADLINE).until(() -> service.health().status() == Status.UP);

        // and nothing is missing or doubled: one ledger line per event, one result row per key,
        // every user balance as the balance store has it
        try (CqlSession session = server.endpoint("recovery").openSession()) {
            assertThat(count(session, "recovery.balance_ledger")).isEqualTo(events.size());
            Set<String> keys = results.stream().map(r -> CommandKeys.of(r)).collect(Collectors.toSet());
            assertThat(count(session, "recovery.command_results")).isEqualTo(keys.size());
            Map<String, String> balances = new HashMap<>();
            session.execute("SELECT * FROM recovery.user_balances").forEach(row -> balances.put(
                    row.getLong("user_id") + "/" + row.getString("wallet") + "/" + row.getInt("asset_id"),
                    row.getLong("available") + " " + row.getLong("frozen") + " " + row.getLong("pending")));
            Map<String, String> expected = new HashMap<>();
            scenario.driver.allBalances().forEach((BalanceKey key, Balance balance) -> {
                if (key.ownerId() != BalanceKey.SYSTEM_OWNER) {
                    expected.put(key.ownerId() + "/" + key.type() + "/" + key.assetId(),
                            balance.available() + " " + balance.frozen() + " " + balance.pending());
                }
            });
            assertThat(balances).isEqualTo(expected);
            assertThat(session.execute("SELECT status FROM recovery.settled_trades WHERE trade_id = '"
                    + SettlementScenario.TRADE_ID + "'").one().getString("status")).isEqualTo("ACCEPTED");
        }
    }

    @Test
    void aBoundedRunMeasuresTheSinksRowsPerSecond() throws Exception {
        // given 20,000 deposits of 500 users already on the topics (with whatever else is there)
        scenario = new SettlementScenario().deposits(20_000, 500, 1_000_000);
        produce(scenario.journal(), scenario.results());
        long eventsOnTopic = EVENTS_PRODUCED.get();

        // when a new sink group reads the topics from the start
        String group = "scylla-sink-measure";
        long started = System.nanoTime();
        service = startSink(group, "measure");
        await("first rows written").atMost(DEADLINE).pollInterval(Duration.ofMillis(10)).until(() -> service.progress().written() > 0);
        long writing = System.nanoTime();
        await("everything committed").atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> committedAll(group));
        double seconds = (System.nanoTime() - writing) / 1e9;
        double startSeconds = (writing - started) / 1e9;

        // then the rate is printed (no timed assertion), and every event has its ledger line
        long rows = service.progress().written();
        System.out.printf("[scylla sink] %d rows (%d records) in %.2f s from the first write = %.0f rows/s"
                        + " (session, schema and group join before it: %.2f s), in flight max %d, batch max %d%n",
                rows, RECORDS_PRODUCED.get(), seconds,
                rows / seconds, startSeconds, ScyllaConfig.defaults().inFlightRequestsMax(),
                ScyllaConfig.defaults().statementsPerBatchMax());
        assertThat(count("measure.balance_ledger")).isEqualTo(eventsOnTopic);
    }

    private ScyllaSink startSink(String group, String keyspace) {
        Map<String, Object> consumer = new HashMap<>(ScyllaSink.consumerProperties(broker.bootstrapServers()));
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        ScyllaConfig config = ScyllaConfig.defaults().withRetryBackoff(50, 500);
        return ScyllaSink.start(consumer, TOPICS, server.endpoint(keyspace), config, new SimpleMeterRegistry());
    }

    /**
     * Writes the records in one transaction, as the topology does: each partition then ends with a
     * transaction marker, which the sink's committed offset must pass for "everything committed".
     */
    /** As the topology writes by default: the journal (carrying the balances) and the results, no balance.events. */
    private static void produce(List<JournalEntry> journal, List<SettlementResult> results) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "scylla-sink-test-" + TRANSACTIONS.incrementAndGet(),
                ProducerConfig.LINGER_MS_CONFIG, 5),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            journal.forEach(entry -> send(producer, TOPICS.journal(), entry.getUserId(), entry));
            results.forEach(result -> send(producer, TOPICS.results(), CommandKeys.of(result), result));
            producer.commitTransaction();
        }
        EVENTS_PRODUCED.addAndGet(journal.stream().mapToLong(entry -> BalanceEvents.of(entry).size()).sum());
        RECORDS_PRODUCED.addAndGet(journal.size() + results.size());
    }

    private static <K, V> void send(KafkaProducer<byte[], byte[]> producer, Topic<K, V> topic, K key, V value) {
        producer.send(new ProducerRecord<>(topic.name(), topic.keySerde().serializer().serialize(topic.name(), key),
                topic.valueSerde().serializer().serialize(topic.name(), value)));
    }

    /** The group has committed the end of every partition of the three topics (past the transaction markers). */
    private static boolean committedAll(String group) throws Exception {
        try (Admin admin = broker.admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            for (Map.Entry<TopicPartition, Long> end : ends(admin).entrySet()) {
                OffsetAndMetadata offset = committed.get(end.getKey());
                long done = offset == null ? 0 : offset.offset();
                if (done < end.getValue()) {
                    return false;
                }
            }
            return true;
        }
    }

    private static Map<TopicPartition, Long> ends(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (Topic<?, ?> topic : List.of(TOPICS.journal(), TOPICS.balanceEvents(), TOPICS.results())) {
            for (int p = 0; p < PARTITIONS; p++) {
                latest.put(new TopicPartition(topic.name(), p), OffsetSpec.latest());
            }
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> entry
                : admin.listOffsets(latest).all().get().entrySet()) {
            ends.put(entry.getKey(), entry.getValue().offset());
        }
        return ends;
    }

    private static long count(String table) {
        try (CqlSession session = server.endpoint("system").openSession()) {
            return count(session, table);
        } catch (RuntimeException databaseAway) {
            return -1;
        }
    }

    private static long count(CqlSession session, String table) {
        return session.execute("SELECT count(*) FROM " + table).one().getLong(0);
    }
}
