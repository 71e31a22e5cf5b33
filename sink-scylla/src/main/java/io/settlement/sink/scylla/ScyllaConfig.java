package io.settlement.sink.scylla;

import io.settlement.retry.RetryPolicy;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Every {@code scylla.*} setting of the ScyllaDB sink, declared once ({@link #CONFIG_DEF}, from
 * which docs/configuration.md is generated): where the database is ({@link #endpoint}, a
 * {@link ScyllaEndpoint}) and, as this record, the sink's limits ({@link #from}).
 *
 * @param pollTimeoutMs         how long one consumer poll waits for records
 * @param inFlightRequestsMax   requests sent and not yet answered, at most (the driver refuses more
 *                              than 1024 per connection; ScyllaDB sheds load above its own limits)
 * @param statementsPerBatchMax upserts sent as one unlogged batch, at most (over at most
 *                              {@link ScyllaWriter#PARTITIONS_PER_BATCH_MAX} partitions on the same replicas)
 * @param retryAttemptsMax      attempts of a failed request within one poll; after that the poll's
 *                              records are read again (the sink never skips one)
 * @param retryBackoffInitialMs wait before the second attempt; doubles per attempt and per failed poll
 * @param retryBackoffMaxMs     the longest wait
 * @param applySchema           create the keyspace and tables (IF NOT EXISTS) when the sink starts
 */
public record ScyllaConfig(long pollTimeoutMs, int inFlightRequestsMax, int statementsPerBatchMax,
                           int retryAttemptsMax, long retryBackoffInitialMs, long retryBackoffMaxMs,
                           boolean applySchema) {
    public static final String CONTACT_POINTS = "scylla.contact.points";
    public static final String LOCAL_DATACENTER = "scylla.local.datacenter";
    public static final String KEYSPACE = "scylla.keyspace";
    public static final String REPLICATION = "scylla.replication";
    public static final String REQUEST_TIMEOUT_MS = "scylla.request.timeout.ms";
    public static final String METADATA_ENABLED = "scylla.metadata.enabled";
    public static final String APPLY_SCHEMA = "scylla.apply.schema";
    public static final String POLL_TIMEOUT_MS = "scylla.poll.timeout.ms";
    public static final String IN_FLIGHT_REQUESTS_MAX = "scylla.in.flight.requests.max";
    public static final String STATEMENTS_PER_BATCH_MAX = "scylla.statements.per.batch.max";
    public static final String RETRY_ATTEMPTS_MAX = "scylla.retry.attempts.max";
    public static final String RETRY_BACKOFF_INITIAL_MS = "scylla.retry.backoff.initial.ms";
    public static final String RETRY_BACKOFF_MAX_MS = "scylla.retry.backoff.max.ms";

    /** The driver's default limit of requests on one connection. */
    public static final int DRIVER_REQUESTS_PER_CONNECTION_MAX = 1024;

    /**
     * Defaults: 256 requests in flight, batches of up to 16 upserts over up to 10 partitions (a few KB, far
     * below the 50 KB batch limit), 5 attempts 200 ms..5 s apart: a poll's worst case stays far
     * inside the consumer's five-minute {@code max.poll.interval.ms}.
     */
    private static final ScyllaConfig DEFAULTS = new ScyllaConfig(500, 256, 16, 5, 200, 5_000, true);

    /** The ScyllaDB sink's settings: what they are, their defaults and what is valid. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(CONTACT_POINTS, Type.LIST, "", Importance.HIGH,
                    "CQL nodes to connect to first, host:port (port 9042 when left out). Empty: the ScyllaDB sink is off.")
            .define(LOCAL_DATACENTER, Type.STRING, ScyllaEndpoint.DEFAULT_DATACENTER, new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM, "The data center the driver sends requests to.")
            .define(KEYSPACE, Type.STRING, ScyllaEndpoint.DEFAULT_KEYSPACE, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "The keyspace of every table.")
            .define(REPLICATION, Type.STRING, ScyllaEndpoint.SINGLE_NODE_REPLICATION, Importance.MEDIUM,
                    "The CQL replication map used when the sink creates the keyspace, e.g. "
                            + "{'class': 'NetworkTopologyStrategy', 'dc1': 3}.")
            .define(REQUEST_TIMEOUT_MS, Type.LONG, ScyllaEndpoint.DEFAULT_REQUEST_TIMEOUT_MS, Range.atLeast(1), Importance.LOW,
                    "How long one request may take before it counts as failed (and is retried).")
            .define(METADATA_ENABLED, Type.BOOLEAN, true, Importance.LOW,
                    "Driver schema and token metadata: token-aware routing on a cluster (tests turn it off).")
            .define(APPLY_SCHEMA, Type.BOOLEAN, DEFAULTS.applySchema(), Importance.MEDIUM,
                    "Create the keyspace and tables (IF NOT EXISTS) when the sink starts.")
            .define(POLL_TIMEOUT_MS, Type.LONG, DEFAULTS.pollTimeoutMs(), Range.atLeast(1), Importance.LOW,
                    "How long one consumer poll waits for records.")
            .define(IN_FLIGHT_REQUESTS_MAX, Type.INT, DEFAULTS.inFlightRequestsMax(),
                    Range.between(1, DRIVER_REQUESTS_PER_CONNECTION_MAX), Importance.LOW,
                    "Requests sent and not yet answered, at most.")
            .define(STATEMENTS_PER_BATCH_MAX, Type.INT, DEFAULTS.statementsPerBatchMax(), Range.atLeast(1), Importance.LOW,
                    "Upserts sent as one unlogged batch, at most (over at most 10 partitions stored on the same replicas).")
            .define(RETRY_ATTEMPTS_MAX, Type.INT, DEFAULTS.retryAttemptsMax(), Range.atLeast(1), Importance.LOW,
                    "Attempts of a failed request within one poll; after that the poll's records are read again.")
            .define(RETRY_BACKOFF_INITIAL_MS, Type.LONG, DEFAULTS.retryBackoffInitialMs(), Range.atLeast(0), Importance.LOW,
                    "Wait before the second attempt; doubles per attempt and per failed poll.")
            .define(RETRY_BACKOFF_MAX_MS, Type.LONG, DEFAULTS.retryBackoffMaxMs(), Range.atLeast(0), Importance.LOW,
                    "The longest wait between two attempts.");

    public ScyllaConfig {
        if (pollTimeoutMs <= 0 || statementsPerBatchMax <= 0 || retryAttemptsMax <= 0 || retryBackoffInitialMs < 0
                || retryBackoffMaxMs < retryBackoffInitialMs) {
            throw new IllegalArgumentException("invalid ScyllaDB sink settings: pollTimeoutMs " + pollTimeoutMs
                    + ", statementsPerBatchMax " + statementsPerBatchMax + ", retryAttemptsMax " + retryAttemptsMax
                    + ", retryBackoffInitialMs " + retryBackoffInitialMs + ", retryBackoffMaxMs " + retryBackoffMaxMs);
        }
        if (inFlightRequestsMax <= 0 || inFlightRequestsMax > DRIVER_REQUESTS_PER_CONNECTION_MAX) {
            throw new IllegalArgumentException(IN_FLIGHT_REQUESTS_MAX + " must be 1.." + DRIVER_REQUESTS_PER_CONNECTION_MAX);
        }
    }

    /** The defaults of every limit. */
    public static ScyllaConfig defaults() {
        return DEFAULTS;
    }

    public ScyllaConfig withRetryBackoff(long initialMs, long maxMs) {
        return new ScyllaConfig(pollTimeoutMs, inFlightRequestsMax, statementsPerBatchMax, retryAttemptsMax,
                initialMs, maxMs, applySchema);
    }

    /** How a failed request is sent again, and how long the sink pauses after polls it could not write. */
    public RetryPolicy retries() {
        return new RetryPolicy(retryAttemptsMax, retryBackoffInitialMs, retryBackoffMaxMs);
    }

    /**
     * The database {@code values} name ({@link #CONFIG_DEF}'s keys; others are ignored), or empty
     * when {@value #CONTACT_POINTS} is empty (the sink is off).
     *
     * @throws ConfigException for a value that is not valid
     */
    public static Optional<ScyllaEndpoint> endpoint(Map<String, ?> values) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, values, false);
        String contactPoints = String.join(",", config.getList(CONTACT_POINTS)).trim();
        if (contactPoints.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ScyllaEndpoint(ScyllaEndpoint.parseContactPoints(contactPoints),
                    config.getString(LOCAL_DATACENTER), config.getString(KEYSPACE), config.getString(REPLICATION),
                    config.getLong(REQUEST_TIMEOUT_MS), config.getBoolean(METADATA_ENABLED)));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("scylla.*: " + e.getMessage());
        }
    }

    /**
     * The sink's limits in {@code values} ({@link #CONFIG_DEF}'s keys; others are ignored).
     *
     * @throws ConfigException for a value that is not valid
     */
    public static ScyllaConfig from(Map<String, ?> values) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, values, false);
        try {
            return new ScyllaConfig(config.getLong(POLL_TIMEOUT_MS), config.getInt(IN_FLIGHT_REQUESTS_MAX),
                    config.getInt(STATEMENTS_PER_BATCH_MAX), config.getInt(RETRY_ATTEMPTS_MAX), config.getLong(RETRY_BACKOFF_INITIAL_MS),
                    config.getLong(RETRY_BACKOFF_MAX_MS), config.getBoolean(APPLY_SCHEMA));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("scylla.*: " + e.getMessage());
        }
    }
}
