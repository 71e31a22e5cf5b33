package io.settlement.topology;

import io.settlement.contract.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The topology's configuration: what it needs to know beyond its topics, its keys declared once in
 * {@link #CONFIG_DEF} (docs/configuration.md is generated from it) and read by {@link #from}; and
 * the fixed Kafka Streams properties it relies on ({@link #streamsProperties}), which are not settings.
 *
 * @param assets the configured assets
 * @param commandRetention how long a command's full first result is kept for retries; a command
 *     created longer ago is EXPIRED, and a replay of an id processed longer ago is
 *     REPLAY_AFTER_RETENTION (ids themselves are remembered for ever)
 * @param purgeInterval how often the wall-clock punctuators look for what has fallen due (orders
 *     whose fill grace ended, final trades to compact)
 * @param orderFillGrace how long a released order keeps what its announced fills still need;
 *     then it closes and the rest returns to SPOT.available
 * @param userPartitions the partition count of the user-keyed topics, for the partition guard
 * @param tradeProtocol how new trades settle (docs/trades.md); trades in flight finish as they began
 * @param balanceEvents whether the engine also writes {@code balance.events} (each journal entry carries the balances they say)
 */
public record SettlementConfig(Assets assets, Duration commandRetention, Duration purgeInterval, Duration orderFillGrace, int userPartitions,
        TradeProtocol tradeProtocol, boolean balanceEvents) {
    public static final Duration COMMAND_RETENTION_DEFAULT = Duration.ofDays(7);
    public static final Duration PURGE_INTERVAL_DEFAULT = Duration.ofSeconds(5);
    public static final Duration ORDER_FILL_GRACE_DEFAULT = Duration.ofHours(1);

    /**
     * How long a producer batch waits to fill. Under exactly-once nothing is visible before its
     * transaction commits, and a commit first sends what still lingers, so a result waits for no
     * linger, only for a commit that sends a little more; fewer, larger batches cost the producer,
     * the broker and the readers less CPU per record (docs/performance.md, History). Half the
     * app's default commit interval: a commit waits for the acknowledgement of that much at most.
     */
    public static final int PRODUCER_LINGER_MS = 25;
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

    public static final String ASSETS = "assets";
    public static final String COMMAND_RETENTION = "command.retention";
    public static final String PURGE_INTERVAL = "purge.interval";
    public static final String ORDER_FILL_GRACE = "order.fill.grace";
    public static final String TRADE_PROTOCOL = "trade.protocol";
    public static final String BALANCE_EVENTS = "balance.events.enabled";

    /** How a new trade settles. */
    public enum TradeProtocol {
        /** One leg from the coordinator; the buyer's task hands the trade to the seller's, whose answer comes back as the buyer's credit. */
        CHAIN,
        /** Both debits, then both credits, each answered to the coordinator: what versions before the chain spoke. */
        TWO_PHASE
    }

    /** The topology's settings: what they are, their defaults and what is valid. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(ASSETS, Type.STRING, Assets.DEFAULT_SPEC, assetSpec(), Importance.HIGH,
                    "The assets settled: SYMBOL:id:scale, comma-separated (scale = decimal places of one minor unit). "
                            + "An asset's id and scale never change once used.")
            .define(COMMAND_RETENTION, Type.STRING, Durations.format(COMMAND_RETENTION_DEFAULT), Durations.atLeast(Duration.ofSeconds(1)),
                    Importance.MEDIUM, "How long a command's full first result is kept for retries; a command created longer ago is "
                            + "EXPIRED, a replay after it REPLAY_AFTER_RETENTION (ids themselves are remembered for ever).")
            .define(PURGE_INTERVAL, Type.STRING, Durations.format(PURGE_INTERVAL_DEFAULT), Durations.atLeast(Duration.ofMillis(100)),
                    Importance.LOW, "How often the wall-clock punctuators look for what has fallen due.")
            .define(ORDER_FILL_GRACE, Type.STRING, Durations.format(ORDER_FILL_GRACE_DEFAULT), Durations.atLeast(Duration.ZERO),
                    Importance.MEDIUM, "How long after its release an order may wait for its announced fills before it is listed "
                            + "as overdue (settlement orders overdue, metric overdue-orders-total). The order stays open and its fills "
                            + "settle however late; an operator closes it with OrderClosed.")
            .define(TRADE_PROTOCOL, Type.STRING, "chain", ConfigDef.CaseInsensitiveValidString.in("chain", "two-phase"), Importance.LOW,
                    "How new trades settle: chain (three hops, one in-place step when both sides share a partition) or two-phase "
                            + "(the protocol of versions before the chain). Only for a rolling upgrade from such a version: roll with "
                            + "two-phase, then again without it. Trades in flight always finish in the protocol they began with.")
            .define(BALANCE_EVENTS, Type.BOOLEAN, false, Importance.LOW,
                    "Also write balance.events: one record per user account a step moved, with its balance after. Every journal "
                            + "entry carries those balances (field balances), and the ScyllaDB sink reads them from there; turn this on "
                            + "only for consumers of balance.events that cannot read the journal (it adds about one record per command).");

    public SettlementConfig {
        if (commandRetention.isNegative() || commandRetention.isZero()) {
            throw new IllegalArgumentException("command retention must be positive");
        }
        if (purgeInterval.isNegative() || purgeInterval.isZero()) {
            throw new IllegalArgumentException("purge interval must be positive");
        }
        if (orderFillGrace.isNegative()) {
            throw new IllegalArgumentException("order fill grace must not be negative");
        }
        if (userPartitions <= 0) {
            throw new IllegalArgumentException("user partitions must be > 0");
        }
        java.util.Objects.requireNonNull(tradeProtocol, "tradeProtocol");
    }

    /** Settings that settle new trades as a chain. */
    public SettlementConfig(Assets assets, Duration commandRetention, Duration purgeInterval, Duration orderFillGrace, int userPartitions) {
        this(assets, commandRetention, purgeInterval, orderFillGrace, userPartitions, TradeProtocol.CHAIN, false);
    }

    /** The same settings, settling new trades with {@code protocol}. */
    public SettlementConfig withTradeProtocol(TradeProtocol protocol) {
        return new SettlementConfig(assets, commandRetention, purgeInterval, orderFillGrace, userPartitions, protocol, balanceEvents);
    }

    /** The same settings, writing balance.events or not. */
    public SettlementConfig withBalanceEvents(boolean enabled) {
        return new SettlementConfig(assets, commandRetention, purgeInterval, orderFillGrace, userPartitions, tradeProtocol, enabled);
    }

    /**
     * The settings in {@code values} ({@link #CONFIG_DEF}'s keys; others are ignored), for topics of
     * {@code userPartitions} partitions (not a setting: the partition count of the topics on the broker).
     *
     * @throws ConfigException for a value that is not valid
     */
    public static SettlementConfig from(Map<String, ?> values, int userPartitions) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, values, false);
        return new SettlementConfig(Assets.parse(config.getString(ASSETS)), Durations.parse(config.getString(COMMAND_RETENTION)),
                Durations.parse(config.getString(PURGE_INTERVAL)), Durations.parse(config.getString(ORDER_FILL_GRACE)), userPartitions,
                TradeProtocol.valueOf(config.getString(TRADE_PROTOCOL).toUpperCase(java.util.Locale.ROOT).replace('-', '_')),
                config.getBoolean(BALANCE_EVENTS));
    }

    private static ConfigDef.Validator assetSpec() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                try {
                    Assets.parse(String.valueOf(value));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            }

            @Override
            public String toString() {
                return "SYMBOL:id:scale,...";
            }
        };
    }

    public static SettlementConfig defaults(int userPartitions) {
        return new SettlementConfig(Assets.defaults(), COMMAND_RETENTION_DEFAULT, PURGE_INTERVAL_DEFAULT, ORDER_FILL_GRACE_DEFAULT, userPartitions);
    }

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

    /**
     * The Kafka Streams properties the topology relies on, whatever runs it (the app, dev mode, the
     * tests): exactly-once v2, the dead-letter topic with the built-in handlers (KIP-1034) so a
     * record that cannot be read lands in {@code settlement.dlq} with the error in its headers and
     * the stream goes on (unless reading failed for a transient reason outside the record, see
     * {@link SettlementDeserializationExceptionHandler}), and producer/consumer settings for a steady
     * command stream. These are not settings: {@link #CONFIG_DEF} holds the ones an operator sets.
     *
     * <p>State stores are transactional (KIP-892, {@code enable.transactional.statestores}): a
     * task's writes sit in a buffer until its Kafka transaction commits, so an aborted transaction
     * (a processing failure, a crash) never reaches RocksDB, and RocksDB's memtables are small
     * ({@link RocksDbSettings}) so a restart after a crash replays only the tail of each changelog.
     * Interactive queries read committed state only ({@code default.interactive.query.isolation.level=READ_COMMITTED}):
     * a lookup never shows a write that a crash could still roll back.
     */
    public static Properties streamsProperties(String applicationId, String bootstrapServers, String stateDir) {
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
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, RocksDbSettings.class);
        props.put(StreamsConfig.DEFAULT_INTERACTIVE_QUERY_ISOLATION_LEVEL_CONFIG, INTERACTIVE_QUERY_ISOLATION.toString());
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), PRODUCER_LINGER_MS);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), CONSUMER_MAX_POLL_RECORDS);
        return props;
    }
}
