package io.settlement.sink.tigerbeetle;

import io.settlement.retry.RetryPolicy;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Every setting of the TigerBeetle sink, declared once ({@link #CONFIG_DEF}, from which
 * docs/configuration.md is generated; docs/tigerbeetle.md): where the cluster is
 * ({@value #CLUSTER_ID}, {@value #ADDRESSES}: empty, the TigerBeetle sink is off and
 * {@code reconcile} cannot run), {@value #REQUEST_TIMEOUT_MS}, how often {@code run} reconciles
 * while traffic flows ({@value #RECONCILE_INTERVAL_MS}), and the sink's limits (not configurable:
 * {@link #defaults()}).
 *
 * @param clusterId             the cluster id the replicas were formatted with ({@code --cluster=0})
 * @param addresses             one {@code host:port} (or a bare port, meaning 127.0.0.1) per replica, in replica order; empty: off
 * @param requestTimeoutMs      how long one request may wait for an answer before it counts as unanswered
 * @param reconcileIntervalMs   the pause between two live reconcile checks in {@code run}; 0 turns them off
 * @param pollTimeoutMs         how long one consumer poll waits for journal records
 * @param eventsPerRequestMax   transfers per create_transfers request (TigerBeetle 0.16: 8190)
 * @param retryAttemptsMax      attempts of one request before its entries count as unanswered
 * @param retryBackoffInitialMs wait before the second attempt; doubles per attempt
 * @param retryBackoffMaxMs     the longest wait between two attempts
 * @param knownAccountsMax      accounts remembered as created, at most (at least half as many; older ones are created again: {@code exists})
 */
public record TigerBeetleConfig(long clusterId, List<String> addresses, long requestTimeoutMs, long reconcileIntervalMs,
                                long pollTimeoutMs, int eventsPerRequestMax, int retryAttemptsMax,
                                long retryBackoffInitialMs, long retryBackoffMaxMs, int knownAccountsMax) {
    public static final String CLUSTER_ID = "tigerbeetle.cluster.id";
    public static final String ADDRESSES = "tigerbeetle.addresses";
    public static final String REQUEST_TIMEOUT_MS = "tigerbeetle.request.timeout.ms";
    public static final long REQUEST_TIMEOUT_MS_DEFAULT = 5_000;
    public static final String RECONCILE_INTERVAL_MS = "tigerbeetle.reconcile.interval.ms";
    public static final long RECONCILE_INTERVAL_MS_DEFAULT = 60_000;

    /**
     * Defaults: no cluster (off); the worst case of one request's retries (about 1 + 2 + 4 + 8 + 10 s
     * of backoff plus six request timeouts of the client) stays well inside the consumer's
     * five-minute {@code max.poll.interval.ms}.
     */
    private static final TigerBeetleConfig DEFAULTS = new TigerBeetleConfig(0, List.of(), REQUEST_TIMEOUT_MS_DEFAULT,
            RECONCILE_INTERVAL_MS_DEFAULT, 500, LedgerMapping.EVENTS_PER_REQUEST_MAX, 6, 1_000, 10_000, 1_000_000);

    /** The TigerBeetle sink's settings: what they are, their defaults and what is valid. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(ADDRESSES, Type.LIST, "", Importance.HIGH,
                    "The TigerBeetle replicas, host:port (or a bare port on 127.0.0.1) each, in replica order. "
                            + "Empty: the TigerBeetle sink is off and reconcile cannot run.")
            .define(CLUSTER_ID, Type.LONG, 0L, Range.atLeast(0), Importance.MEDIUM,
                    "The cluster id the replicas were formatted with (--cluster).")
            .define(REQUEST_TIMEOUT_MS, Type.LONG, REQUEST_TIMEOUT_MS_DEFAULT, Range.atLeast(1), Importance.LOW,
                    "How long one request may wait for an answer before it counts as unanswered and is retried.")
            .define(RECONCILE_INTERVAL_MS, Type.LONG, RECONCILE_INTERVAL_MS_DEFAULT, Range.atLeast(0), Importance.LOW,
                    "The pause between two live reconcile checks in run; 0 turns them off.");

    public TigerBeetleConfig {
        addresses = List.copyOf(addresses);
        if (clusterId < 0) {
            throw new IllegalArgumentException("config key '" + CLUSTER_ID + "' must be >= 0, got " + clusterId);
        }
        if (requestTimeoutMs <= 0) {
            throw new IllegalArgumentException("config key '" + REQUEST_TIMEOUT_MS + "' must be > 0, got " + requestTimeoutMs);
        }
        if (reconcileIntervalMs < 0) {
            throw new IllegalArgumentException("config key '" + RECONCILE_INTERVAL_MS + "' must be >= 0, got " + reconcileIntervalMs);
        }
        if (pollTimeoutMs <= 0 || retryAttemptsMax <= 0 || retryBackoffInitialMs < 0
                || retryBackoffMaxMs < retryBackoffInitialMs || knownAccountsMax <= 0) {
            throw new IllegalArgumentException("invalid TigerBeetle sink limits: pollTimeoutMs " + pollTimeoutMs + ", retryAttemptsMax "
                    + retryAttemptsMax + ", retryBackoffInitialMs " + retryBackoffInitialMs + ", retryBackoffMaxMs " + retryBackoffMaxMs
                    + ", knownAccountsMax " + knownAccountsMax);
        }
        if (eventsPerRequestMax <= 0 || eventsPerRequestMax > LedgerMapping.EVENTS_PER_REQUEST_MAX) {
            throw new IllegalArgumentException("eventsPerRequestMax must be 1.." + LedgerMapping.EVENTS_PER_REQUEST_MAX);
        }
    }

    /** No cluster, and the default limits. */
    public static TigerBeetleConfig defaults() {
        return DEFAULTS;
    }

    /**
     * The settings {@code values} name ({@link #CONFIG_DEF}'s keys; others are ignored), with the
     * default limits; {@link #configured()} is false when {@value #ADDRESSES} is empty.
     *
     * @throws org.apache.kafka.common.config.ConfigException for a value that is not valid
     */
    public static TigerBeetleConfig from(Map<String, ?> values) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, values, false);
        List<String> addresses = config.getList(ADDRESSES).stream().map(String::trim).filter(a -> !a.isEmpty()).toList();
        return new TigerBeetleConfig(config.getLong(CLUSTER_ID), addresses, config.getLong(REQUEST_TIMEOUT_MS),
                config.getLong(RECONCILE_INTERVAL_MS), DEFAULTS.pollTimeoutMs, DEFAULTS.eventsPerRequestMax, DEFAULTS.retryAttemptsMax,
                DEFAULTS.retryBackoffInitialMs, DEFAULTS.retryBackoffMaxMs, DEFAULTS.knownAccountsMax);
    }

    /** Whether a cluster is named (the sink is on and reconcile can run). */
    public boolean configured() {
        return !addresses.isEmpty();
    }

    /** These settings with the cluster at {@code addresses}. */
    public TigerBeetleConfig withCluster(long clusterId, List<String> addresses, long requestTimeoutMs) {
        return new TigerBeetleConfig(clusterId, addresses, requestTimeoutMs, reconcileIntervalMs, pollTimeoutMs,
                eventsPerRequestMax, retryAttemptsMax, retryBackoffInitialMs, retryBackoffMaxMs, knownAccountsMax);
    }

    /** These settings with other limits of the sink. */
    public TigerBeetleConfig withLimits(long pollTimeoutMs, int eventsPerRequestMax, int retryAttemptsMax,
                                        long retryBackoffInitialMs, long retryBackoffMaxMs, int knownAccountsMax) {
        return new TigerBeetleConfig(clusterId, addresses, requestTimeoutMs, reconcileIntervalMs, pollTimeoutMs,
                eventsPerRequestMax, retryAttemptsMax, retryBackoffInitialMs, retryBackoffMaxMs, knownAccountsMax);
    }

    /** How a request TigerBeetle did not answer is sent again. */
    public RetryPolicy retries() {
        return new RetryPolicy(retryAttemptsMax, retryBackoffInitialMs, retryBackoffMaxMs);
    }

    /** A client on the cluster (host names resolved now). */
    public TigerBeetleLedgerClient client() {
        return new TigerBeetleLedgerClient(clusterId, resolvedAddresses(), requestTimeoutMs);
    }

    /**
     * The addresses as the TigerBeetle client takes them: host names resolved to IP addresses now
     * (the client parses addresses, it does not look names up), so {@code tigerbeetle:3000} works
     * in docker-compose.
     *
     * @throws IllegalArgumentException when no replica is named, or a host name does not resolve
     */
    public List<String> resolvedAddresses() {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("config key '" + ADDRESSES + "' names no replica");
        }
        List<String> resolved = new ArrayList<>(addresses.size());
        for (String address : addresses) {
            int colon = address.lastIndexOf(':');
            if (colon < 0) {
                resolved.add(address);
                continue;
            }
            String host = address.substring(0, colon);
            try {
                InetAddress[] all = InetAddress.getAllByName(host);
                // IPv4 first: the client's address parser takes IPv4 "a.b.c.d:port".
                InetAddress chosen = Arrays.stream(all).filter(a -> a instanceof Inet4Address).findFirst().orElse(all[0]);
                resolved.add(chosen.getHostAddress() + address.substring(colon));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("TigerBeetle replica host " + host + " does not resolve", e);
            }
        }
        return resolved;
    }
}
