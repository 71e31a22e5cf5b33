package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the sink's tables live: a CQL endpoint (ScyllaDB or Apache Cassandra), the keyspace and how
 * it is replicated when the sink creates it. Read from the {@code scylla.*} settings by
 * {@link ScyllaConfig#endpoint}.
 *
 * @param contactPoints    nodes to connect to first; the driver finds the others
 * @param localDatacenter  the data center the driver sends requests to ({@code datacenter1} for a single node)
 * @param keyspace         the keyspace of every table
 * @param replication      the CQL replication map used when the keyspace is created
 * @param requestTimeoutMs how long one request may take before it counts as failed (and is retried)
 * @param metadataEnabled  schema and token metadata in the driver: token-aware routing on a cluster;
 *                         off in tests, where it only slows DDL down
 */
public record ScyllaEndpoint(List<InetSocketAddress> contactPoints, String localDatacenter, String keyspace,
                             String replication, long requestTimeoutMs, boolean metadataEnabled) {
    public static final String DEFAULT_KEYSPACE = "settlement";
    public static final String DEFAULT_DATACENTER = "datacenter1";
    public static final String SINGLE_NODE_REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";
    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
    /** Schema changes wait longer than writes: a cluster must agree on them. */
    static final Duration SCHEMA_CHANGE_TIMEOUT = Duration.ofSeconds(60);

    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,47}");
    private static final Pattern REPLICATION_MAP = Pattern.compile("\\{[^;]*}");

    public ScyllaEndpoint {
        contactPoints = List.copyOf(contactPoints);
        if (contactPoints.isEmpty()) {
            throw new IllegalArgumentException(ScyllaConfig.CONTACT_POINTS + " is empty");
        }
        if (!IDENTIFIER.matcher(keyspace).matches()) {
            throw new IllegalArgumentException(ScyllaConfig.KEYSPACE + " is not a CQL identifier: " + keyspace);
        }
        if (!REPLICATION_MAP.matcher(replication).matches()) {
            throw new IllegalArgumentException(ScyllaConfig.REPLICATION + " is not a CQL map: " + replication);
        }
        if (localDatacenter.isBlank() || requestTimeoutMs <= 0) {
            throw new IllegalArgumentException("invalid " + ScyllaConfig.LOCAL_DATACENTER + " or " + ScyllaConfig.REQUEST_TIMEOUT_MS);
        }
    }

    /** A single node on {@code host:port}, keyspace {@value #DEFAULT_KEYSPACE}, replication factor 1. */
    public static ScyllaEndpoint singleNode(InetSocketAddress contactPoint) {
        return new ScyllaEndpoint(List.of(contactPoint), DEFAULT_DATACENTER, DEFAULT_KEYSPACE, SINGLE_NODE_REPLICATION,
                DEFAULT_REQUEST_TIMEOUT_MS, true);
    }

    /** {@code host:port,host:port}; the port defaults to 9042. */
    static List<InetSocketAddress> parseContactPoints(String list) {
        List<InetSocketAddress> points = new ArrayList<>();
        for (String point : list.split(",")) {
            String trimmed = point.trim();
            int colon = trimmed.lastIndexOf(':');
            points.add(colon < 0 ? new InetSocketAddress(trimmed, 9042)
                    : new InetSocketAddress(trimmed.substring(0, colon), Integer.parseInt(trimmed.substring(colon + 1))));
        }
        return points;
    }

    public ScyllaEndpoint withoutMetadata() {
        return new ScyllaEndpoint(contactPoints, localDatacenter, keyspace, replication, requestTimeoutMs, false);
    }

    public ScyllaEndpoint withKeyspace(String otherKeyspace) {
        return new ScyllaEndpoint(contactPoints, localDatacenter, otherKeyspace, replication, requestTimeoutMs, metadataEnabled);
    }

    /**
     * A session on this endpoint: native protocol V4 (what ScyllaDB speaks), no keyspace set (the
     * sink may have to create it; statements name it), quick reconnection after the database was away.
     */
    public CqlSession openSession() {
        DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
                .withString(DefaultDriverOption.PROTOCOL_VERSION, "V4")
                .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, metadataEnabled)
                .withBoolean(DefaultDriverOption.METADATA_TOKEN_MAP_ENABLED, metadataEnabled)
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofMillis(requestTimeoutMs))
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.RECONNECTION_BASE_DELAY, Duration.ofMillis(100))
                .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(2))
                .build();
        return CqlSession.builder()
                .addContactPoints(contactPoints)
                .withLocalDatacenter(localDatacenter)
                .withConfigLoader(config)
                .build();
    }
}
