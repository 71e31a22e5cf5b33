package io.settlement.sink.scylla;

/**
 * The limits of the ScyllaDB sink, read from the {@code scylla.*} settings by {@link ScyllaConfig#sinkSettings}.
 *
 * @param pollTimeoutMs         how long one consumer poll waits for records
 * @param inFlightRequestsMax   requests sent and not yet answered, at most (the driver refuses more
 *                              than 1024 per connection; ScyllaDB sheds load above its own limits)
 * @param statementsPerBatchMax upserts sent as one unlogged batch, at most (over at most
 *                              {@link CqlWriter#PARTITIONS_PER_BATCH_MAX} partitions on the same replicas)
 * @param retryAttemptsMax      attempts of a failed request within one poll; after that the poll's
 *                              records are read again (the sink never skips one)
 * @param retryBackoffInitialMs wait before the second attempt; doubles per attempt and per failed poll
 * @param retryBackoffMaxMs     the longest wait
 * @param applySchema           create the keyspace and tables (IF NOT EXISTS) when the sink starts
 */
public record ScyllaSinkSettings(long pollTimeoutMs, int inFlightRequestsMax, int statementsPerBatchMax,
                                 int retryAttemptsMax, long retryBackoffInitialMs, long retryBackoffMaxMs,
                                 boolean applySchema) {

    /** The driver's default limit of requests on one connection. */
    public static final int DRIVER_REQUESTS_PER_CONNECTION_MAX = 1024;

    public ScyllaSinkSettings {
        if (pollTimeoutMs <= 0 || statementsPerBatchMax <= 0 || retryAttemptsMax <= 0 || retryBackoffInitialMs < 0
                || retryBackoffMaxMs < retryBackoffInitialMs) {
            throw new IllegalArgumentException("invalid ScyllaDB sink settings: " + this);
        }
        if (inFlightRequestsMax <= 0 || inFlightRequestsMax > DRIVER_REQUESTS_PER_CONNECTION_MAX) {
            throw new IllegalArgumentException(ScyllaConfig.IN_FLIGHT_REQUESTS_MAX + " must be 1.." + DRIVER_REQUESTS_PER_CONNECTION_MAX);
        }
    }

    /**
     * Defaults: 256 requests in flight, batches of up to 16 upserts over up to 10 partitions (a few KB, far
     * below the 50 KB batch limit), 5 attempts 200 ms..5 s apart: a poll's worst case stays far
     * inside the consumer's five-minute {@code max.poll.interval.ms}.
     */
    public static ScyllaSinkSettings defaults() {
        return new ScyllaSinkSettings(500, 256, 16, 5, 200, 5_000, true);
    }

    public ScyllaSinkSettings withRetryBackoff(long initialMs, long maxMs) {
        return new ScyllaSinkSettings(pollTimeoutMs, inFlightRequestsMax, statementsPerBatchMax, retryAttemptsMax,
                initialMs, maxMs, applySchema);
    }
}
