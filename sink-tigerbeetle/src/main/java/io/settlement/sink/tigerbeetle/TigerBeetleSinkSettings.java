package io.settlement.sink.tigerbeetle;

/**
 * The limits of the TigerBeetle sink.
 *
 * @param pollTimeoutMs         how long one consumer poll waits for journal records
 * @param eventsPerRequestMax   transfers per create_transfers request (TigerBeetle 0.16: 8190)
 * @param retryAttemptsMax      attempts of one request before its entries count as unanswered
 * @param retryBackoffInitialMs wait before the second attempt; doubles per attempt
 * @param retryBackoffMaxMs     the longest wait between two attempts
 * @param knownAccountsMax      accounts remembered as created, at most (at least half as many; older ones are created again: {@code exists})
 */
public record TigerBeetleSinkSettings(long pollTimeoutMs, int eventsPerRequestMax, int retryAttemptsMax,
                                      long retryBackoffInitialMs, long retryBackoffMaxMs, int knownAccountsMax) {
    public TigerBeetleSinkSettings {
        if (pollTimeoutMs <= 0 || retryAttemptsMax <= 0 || retryBackoffInitialMs < 0
                || retryBackoffMaxMs < retryBackoffInitialMs || knownAccountsMax <= 0) {
            throw new IllegalArgumentException("invalid TigerBeetle sink settings: " + this);
        }
        if (eventsPerRequestMax <= 0 || eventsPerRequestMax > LedgerMapping.EVENTS_PER_REQUEST_MAX) {
            throw new IllegalArgumentException("eventsPerRequestMax must be 1.." + LedgerMapping.EVENTS_PER_REQUEST_MAX);
        }
    }

    /**
     * Defaults: the worst case of one request's retries (about 1 + 2 + 4 + 8 + 10 s of backoff plus
     * six request timeouts of the client) stays well inside the consumer's five-minute
     * {@code max.poll.interval.ms}.
     */
    public static TigerBeetleSinkSettings defaults() {
        return new TigerBeetleSinkSettings(500, LedgerMapping.EVENTS_PER_REQUEST_MAX, 6, 1_000, 10_000, 1_000_000);
    }
}
