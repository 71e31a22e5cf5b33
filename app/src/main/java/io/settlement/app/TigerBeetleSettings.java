package io.settlement.app;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
    public static final String CLUSTER_ID = "tigerbeetle.cluster-id";
    public static final String ADDRESSES = "tigerbeetle.addresses";
    public static final String REQUEST_TIMEOUT_MS = "tigerbeetle.request-timeout-ms";
    public static final long REQUEST_TIMEOUT_MS_DEFAULT = 5_000;
    public static final String RECONCILE_INTERVAL_MS = "tigerbeetle.reconcile-interval-ms";
    public static final long RECONCILE_INTERVAL_MS_DEFAULT = 60_000;

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

    /** The cluster the settings name, or empty when {@value #ADDRESSES} is empty. */
    public static Optional<TigerBeetleSettings> fromSettings(Map<String, String> settings) {
        String addresses = settings.getOrDefault(ADDRESSES, "").trim();
        if (addresses.isEmpty()) {
            return Optional.empty();
        }
        List<String> list = Arrays.stream(addresses.split(",")).map(String::trim).filter(a -> !a.isEmpty()).toList();
        return Optional.of(new TigerBeetleSettings(number(settings, CLUSTER_ID, 0), list,
                number(settings, REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_MS_DEFAULT),
                number(settings, RECONCILE_INTERVAL_MS, RECONCILE_INTERVAL_MS_DEFAULT)));
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

    private static long number(Map<String, String> settings, String key, long defaultValue) {
        String text = settings.getOrDefault(key, "").trim();
        if (text.isEmpty()) {
            return defaultValue;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("config key '" + key + "': '" + text + "' is not an integer", e);
        }
    }
}
