package io.settlement.sink.tigerbeetle;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Where the TigerBeetle cluster is (docs/tigerbeetle.md): {@value #CLUSTER_ID}, {@value #ADDRESSES}
 * (empty: the TigerBeetle sink is off and {@code reconcile} cannot run), {@value #REQUEST_TIMEOUT_MS},
 * and how often {@code run} reconciles while traffic flows ({@value #RECONCILE_INTERVAL_MS}, optional).
 *
 * @param clusterId           the cluster id the replicas were formatted with ({@code --cluster=0})
 * @param addresses           one {@code host:port} (or a bare port, meaning 127.0.0.1) per replica, in replica order
 * @param requestTimeoutMs    how long one request may wait for an answer before it counts as unanswered
 * @param reconcileIntervalMs the pause between two live reconcile checks in {@code run}; 0 turns them off
 */
public record TigerBeetleSettings(long clusterId, List<String> addresses, long requestTimeoutMs, long reconcileIntervalMs) {
    public static final String CLUSTER_ID = "tigerbeetle.cluster.id";
    public static final String ADDRESSES = "tigerbeetle.addresses";
    public static final String REQUEST_TIMEOUT_MS = "tigerbeetle.request.timeout.ms";
    public static final long REQUEST_TIMEOUT_MS_DEFAULT = 5_000;
    public static final String RECONCILE_INTERVAL_MS = "tigerbeetle.reconcile.interval.ms";
    public static final long RECONCILE_INTERVAL_MS_DEFAULT = 60_000;

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

    public TigerBeetleSettings(long clusterId, List<String> addresses, long requestTimeoutMs) {
        this(clusterId, addresses, requestTimeoutMs, RECONCILE_INTERVAL_MS_DEFAULT);
    }

    public TigerBeetleSettings {
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("config key '" + ADDRESSES + "' names no replica");
        }
        if (clusterId < 0) {
            throw new IllegalArgumentException("config key '" + CLUSTER_ID + "' must be >= 0, got " + clusterId);
        }
        if (requestTimeoutMs <= 0) {
            throw new IllegalArgumentException("config key '" + REQUEST_TIMEOUT_MS + "' must be > 0, got " + requestTimeoutMs);
        }
        if (reconcileIntervalMs < 0) {
            throw new IllegalArgumentException("config key '" + RECONCILE_INTERVAL_MS + "' must be >= 0, got " + reconcileIntervalMs);
        }
    }

    /**
     * The cluster {@code values} name ({@link #CONFIG_DEF}'s keys; others are ignored), or empty when
     * {@value #ADDRESSES} is empty.
     *
     * @throws org.apache.kafka.common.config.ConfigException for a value that is not valid
     */
    public static Optional<TigerBeetleSettings> fromConfig(Map<String, ?> values) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, values, false);
        List<String> addresses = config.getList(ADDRESSES).stream().map(String::trim).filter(a -> !a.isEmpty()).toList();
        if (addresses.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new TigerBeetleSettings(config.getLong(CLUSTER_ID), addresses, config.getLong(REQUEST_TIMEOUT_MS),
                config.getLong(RECONCILE_INTERVAL_MS)));
    }

    /**
     * The addresses as the TigerBeetle client takes them: host names resolved to IP addresses now
     * (the client parses addresses, it does not look names up), so {@code tigerbeetle:3000} works
     * in docker-compose.
     *
     * @throws IllegalArgumentException when a host name does not resolve
     */
    public List<String> resolvedAddresses() {
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
