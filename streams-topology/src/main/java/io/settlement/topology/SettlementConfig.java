package io.settlement.topology;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * What the topology needs to know beyond its topics.
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
     * {@code userPartitions} partitions.
     *
     * @throws ConfigException for a value that is not valid
     */
    public static SettlementConfig fromConfig(Map<String, ?> values, int userPartitions) {
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
}
