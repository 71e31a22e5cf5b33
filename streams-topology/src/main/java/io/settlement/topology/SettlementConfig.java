package io.settlement.topology;

import java.time.Duration;

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
 */
public record SettlementConfig(Assets assets, Duration commandRetention, Duration purgeInterval, Duration orderFillGrace, int userPartitions) {
    public static final Duration COMMAND_RETENTION_DEFAULT = Duration.ofDays(7);
    public static final Duration PURGE_INTERVAL_DEFAULT = Duration.ofSeconds(5);
    public static final Duration ORDER_FILL_GRACE_DEFAULT = Duration.ofHours(1);

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
    }

    public static SettlementConfig defaults(int userPartitions) {
        return new SettlementConfig(Assets.defaults(), COMMAND_RETENTION_DEFAULT, PURGE_INTERVAL_DEFAULT, ORDER_FILL_GRACE_DEFAULT, userPartitions);
    }
}
