package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settlement.avro.BalanceEvent;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.SettlementResult;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.CommandKeys;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * The real {@link ScyllaSink} (decode, upserts, writer, commits) over Kafka's {@link MockConsumer},
 * stepped one poll at a time, writing to a keyspace of its own on the test's Cassandra. Each topic
 * has one partition, whose end offset follows what was delivered; the sink's clock is
 * {@link #now}, which a test moves to say when an idle poll found the partitions read to their end.
 */
final class SinkOnMockConsumer implements AutoCloseable {
    static final List<String> TABLES = List.of("balance_ledger", "user_balances", "user_transfers", "settled_trades",
            "trades_by_user", "command_results");

    final Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);
    final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    final CqlSession session;
    final String keyspace;
    final ScyllaSink sink;
    private final Map<TopicPartition, Long> nextOffset = new HashMap<>();
    /** The sink's clock. */
    volatile Instant now = Instant.now();

    SinkOnMockConsumer(CassandraServer server, String keyspace) {
        this.keyspace = keyspace;
        ScyllaEndpoint endpoint = server.endpoint(keyspace);
        this.sink = new ScyllaSink(() -> consumer, topics, endpoint, ScyllaConfig.defaults(),
                new SimpleMeterRegistry(), millis -> { }, new Clock() {
                    @Override
                    public ZoneId getZone() {
                        return ZoneOffset.UTC;
                    }

                    @Override
                    public Clock withZone(ZoneId zone) {
                        return this;
                    }

                    @Override
                    public Instant instant() {
                        return now;
                    }
                });
        sink.connect();
        this.session = endpoint.openSession();
        ScyllaSink.topicNames(topics).forEach(topic -> consumer.updatePartitions(topic,
                List.of(new PartitionInfo(topic, 0, null, new org.apache.kafka.common.Node[0], new org.apache.kafka.common.Node[0]))));
        List<TopicPartition> partitions = ScyllaSink.topicNames(topics).stream().map(topic -> new TopicPartition(topic, 0)).toList();
        consumer.assign(partitions);
        Map<TopicPartition, Long> beginning = new HashMap<>();
        partitions.forEach(partition -> beginning.put(partition, 0L));
        consumer.updateBeginningOffsets(beginning);
        consumer.updateEndOffsets(beginning);
    }

    /** A poll that finds nothing: the sink commits past the end and records that it read every partition to its end at {@link #now}. */
    void idlePoll() throws InterruptedException {
        sink.pollOnce();
    }

    /** Adds the records to the topics (in this order per topic) and lets the sink poll them once. */
    void deliver(List<JournalEntry> journal, List<BalanceEvent> events, List<SettlementResult> results) throws InterruptedException {
        journal.forEach(entry -> add(topics.journal(), entry.getUserId(), entry));
        events.forEach(event -> add(topics.balanceEvents(), event.getUserId(), event));
        results.forEach(result -> add(topics.results(), CommandKeys.of(result), result));
        sink.pollOnce();
    }

    /** Every committed offset equals what was delivered: all of it was written. */
    Map<TopicPartition, Long> committed() {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        consumer.committed(nextOffset.keySet()).forEach((partition, offset) -> offsets.put(partition, offset == null ? null : offset.offset()));
        return offsets;
    }

    Map<TopicPartition, Long> delivered() {
        return Map.copyOf(nextOffset);
    }

    /** Every row of a table, formatted, sorted: a table's whole content to compare. */
    List<String> rows(String table) {
        return StreamSupport.stream(session.execute("SELECT * FROM " + keyspace + "." + table).spliterator(), false)
                .map(Row::getFormattedContents)
                .sorted()
                .toList();
    }

    Map<String, List<String>> allTables() {
        Map<String, List<String>> tables = new HashMap<>();
        TABLES.forEach(table -> tables.put(table, rows(table)));
        return tables;
    }

    private <K, V> void add(Topic<K, V> topic, K key, V value) {
        TopicPartition partition = new TopicPartition(topic.name(), 0);
        long offset = nextOffset.merge(partition, 1L, Long::sum) - 1;
        byte[] keyBytes = topic.keySerde().serializer().serialize(topic.name(), key);
        byte[] valueBytes = topic.valueSerde().serializer().serialize(topic.name(), value);
        consumer.addRecord(new ConsumerRecord<>(topic.name(), 0, offset, keyBytes, valueBytes));
        consumer.updateEndOffsets(Map.of(partition, offset + 1));
    }

    @Override
    public void close() {
        sink.close();
        session.close();
    }
}
