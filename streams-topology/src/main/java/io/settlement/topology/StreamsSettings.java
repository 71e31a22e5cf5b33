package io.settlement.topology;

import io.settlement.contract.Topics;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Kafka Streams settings the topology relies on, whatever runs it (the app, dev mode, the
 * tests): exactly-once v2, the dead-letter topic with the built-in handlers (KIP-1034) so a
 * record that cannot be read lands in {@code settlement.dlq} with the error in its headers and
 * the stream goes on (unless reading failed for a transient reason outside the record, see
 * {@link SettlementDeserializationExceptionHandler}), and producer/consumer settings for a steady command stream.
 *
 * <p>State stores are transactional (KIP-892, {@code enable.transactional.statestores}): a
 * task's writes sit in a buffer until its Kafka transaction commits, so an aborted transaction
 * (a processing failure, a crash) never reaches RocksDB, and RocksDB's memtables are small
 * ({@link FlushingStores}) so a restart after a crash replays only the tail of each changelog.
 * Interactive queries
 * read committed state only ({@code default.interactive.query.isolation.level=READ_COMMITTED}):
 * a lookup never shows a write that a crash could still roll back.
 */
public final class StreamsSettings {
    /** How long a producer batch waits to fill; small, results are awaited by clients. */
    public static final int PRODUCER_LINGER_MS = 5;
    /** Records per poll; the balance processor is fast, so larger polls amortise the transaction cost. */
    public static final int CONSUMER_MAX_POLL_RECORDS = 2_000;
    /**
     * The record cache of stores built with caching, shared by a thread's tasks. The settlement
     * stores are built without it: it folded their changelog records, but measured no faster and
     * with a longer tail at half-peak (docs/performance.md, "Appends per command"); the size is kept
     * for any cached store.
     */
    public static final long STATE_STORE_CACHE_MAX_BYTES = 64L * 1024 * 1024;

    /** Uncommitted bytes buffered by the transactional stores before an early commit. */
    public static final long STATE_STORE_UNCOMMITTED_MAX_BYTES = 64L * 1024 * 1024;
    /** What lookups read: only state whose transaction committed. */
    public static final IsolationLevel INTERACTIVE_QUERY_ISOLATION = IsolationLevel.READ_COMMITTED;

    /**
     * How long the group waits for a member that stopped heartbeating (classic protocol): the part
     * of a crash's stall spent noticing it. 6 s is the least a default broker accepts
     * ({@code group.min.session.timeout.ms}); the consumer's own default, 45 s, left the partitions
     * of a killed instance without an owner for 45 s.
     */
    public static final int SESSION_TIMEOUT_MS = 6_000;
    /**
     * Classic protocol heartbeats, from the consumer's background thread (processing does not delay
     * them): four per session, so three can be lost or late before the member is dropped.
     */
    public static final int HEARTBEAT_INTERVAL_MS = 1_500;

    private StreamsSettings() {}

    /**
     * Sets the main consumer's session timeout and heartbeat interval ({@link #SESSION_TIMEOUT_MS},
     * {@link #HEARTBEAT_INTERVAL_MS}) when the group uses the classic protocol and neither is set
     * already (by {@code streams.*}, in any prefix form). With {@code group.protocol=streams} the
     * group's timeouts are its configuration on the broker, and the consumer takes none of its own.
     */
    public static void classicGroupTimeouts(Properties props) {
        Object protocol = props.getOrDefault(StreamsConfig.GROUP_PROTOCOL_CONFIG, "classic");
        if (!"classic".equalsIgnoreCase(String.valueOf(protocol).trim())) {
            return;
        }
        putUnlessSet(props, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        putUnlessSet(props, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, HEARTBEAT_INTERVAL_MS);
    }

    private static void putUnlessSet(Properties props, String consumerKey, int value) {
        for (String key : new String[] {consumerKey, StreamsConfig.consumerPrefix(consumerKey), StreamsConfig.mainConsumerPrefix(consumerKey)}) {
            if (props.containsKey(key)) {
                return;
            }
        }
        props.put(StreamsConfig.mainConsumerPrefix(consumerKey), value);
    }

    public static Properties base(String applicationId, String bootstrapServers, String stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.DEAD_LETTERS);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, SettlementDeserializationExceptionHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, SettlementProcessingExceptionHandler.class.getName());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, STATE_STORE_CACHE_MAX_BYTES);
        props.put(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true);
        props.put(StreamsConfig.STATESTORE_UNCOMMITTED_MAX_BYTES_CONFIG, STATE_STORE_UNCOMMITTED_MAX_BYTES);
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, FlushingStores.class);
        props.put(StreamsConfig.DEFAULT_INTERACTIVE_QUERY_ISOLATION_LEVEL_CONFIG, INTERACTIVE_QUERY_ISOLATION.toString());
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), PRODUCER_LINGER_MS);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), CONSUMER_MAX_POLL_RECORDS);
        return props;
    }
}
