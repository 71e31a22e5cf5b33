package io.settlement.topology;

import java.time.Duration;

/**
 * What the topology needs to know beyond its topics.
 *
 * @param assets the configured assets
 * @param commandRetention how long command ids are remembered for idempotency; older commands are EXPIRED
 * @param purgeInterval how often remembered ids older than the retention are purged (wall-clock punctuation)
 * @param userPartitions the partition count of the user-keyed topics, for the partition guard
 */
public record SettlementConfig(Assets assets, Duration commandRetention, Duration purgeInterval, int userPartitions) {
    public static final Duration COMMAND_RETENTION_DEFAULT = Duration.ofDays(7);
    public static final Duration PURGE_INTERVAL_DEFAULT = Duration.ofMinutes(10);

    public SettlementConfig {
        if (commandRetention.isNegative() || commandRetention.isZero()) {
            throw new IllegalArgumentException("command retention must be positive");
        }
        if (purgeInterval.isNegative() || purgeInterval.isZero()) {
            throw new IllegalArgumentException("purge interval must be positive");
        }
        if (userPartitions <= 0) {
            throw new IllegalArgumentException("user partitions must be > 0");
        }
    }

    public static SettlementConfig defaults(int userPartitions) {
        return new SettlementConfig(Assets.defaults(), COMMAND_RETENTION_DEFAULT, PURGE_INTERVAL_DEFAULT, userPartitions);
    }
}
