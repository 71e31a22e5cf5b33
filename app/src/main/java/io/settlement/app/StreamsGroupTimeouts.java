package io.settlement.app;

import io.settlement.topology.SettlementConfig;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With the streams rebalance protocol ({@code group.protocol=streams}, KIP-1071) the session
 * timeout and heartbeat interval are the group's configuration on the broker, not the client's.
 * At start, {@code run} sets its group's {@code streams.session.timeout.ms} and
 * {@code streams.heartbeat.interval.ms} to the same values the classic protocol gets
 * ({@link SettlementConfig#SESSION_TIMEOUT_MS}, {@link SettlementConfig#HEARTBEAT_INTERVAL_MS}) with an
 * Admin {@code incrementalAlterConfigs} on the GROUP resource (the application id).
 *
 * <p>The broker bounds both: {@code group.streams.min.session.timeout.ms} and
 * {@code group.streams.min.heartbeat.interval.ms} default to 45 s and 5 s in Kafka 4.4.0 and are
 * static broker settings, so against a default broker the change is refused
 * ({@code INVALID_CONFIG}) and the group keeps the broker's 45 s. That is logged at WARN with the
 * two broker settings to lower (docs/running.md, "Failover"), and the instance starts anyway: a
 * slow failover is no reason to refuse to settle. A principal without ALTER_CONFIGS on the group
 * gets the same warning with the reason. Either way nothing else changes.
 */
final class StreamsGroupTimeouts {
    private static final Logger log = LoggerFactory.getLogger(StreamsGroupTimeouts.class);
    static final String SESSION_TIMEOUT = "streams.session.timeout.ms";
    static final String HEARTBEAT_INTERVAL = "streams.heartbeat.interval.ms";
    private static final long TIMEOUT_MS = 30_000;

    /** What happened, for the log and the tests. */
    enum Outcome { NOT_STREAMS_PROTOCOL, SET, REFUSED_BY_BROKER_BOUNDS, NOT_AUTHORIZED, FAILED }

    private StreamsGroupTimeouts() {}

    /** Sets the group's timeouts when {@code streamsProperties} selects the streams protocol; does nothing otherwise. */
    static Outcome apply(Admin admin, Properties streamsProperties) {
        Object protocol = streamsProperties.getOrDefault(StreamsConfig.GROUP_PROTOCOL_CONFIG, "classic");
        if (!"streams".equalsIgnoreCase(String.valueOf(protocol).trim())) {
            return Outcome.NOT_STREAMS_PROTOCOL;
        }
        String group = String.valueOf(streamsProperties.get(StreamsConfig.APPLICATION_ID_CONFIG));
        String session = String.valueOf(SettlementConfig.SESSION_TIMEOUT_MS);
        String heartbeat = String.valueOf(SettlementConfig.HEARTBEAT_INTERVAL_MS);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        List<AlterConfigOp> ops = List.of(
                new AlterConfigOp(new ConfigEntry(SESSION_TIMEOUT, session), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry(HEARTBEAT_INTERVAL, heartbeat), AlterConfigOp.OpType.SET));
        try {
            admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            log.info("Streams group {}: {}={} and {}={} set, so a crashed instance's tasks move within seconds",
                    group, SESSION_TIMEOUT, session, HEARTBEAT_INTERVAL, heartbeat);
            return Outcome.SET;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InvalidConfigurationException || cause instanceof InvalidRequestException) {
                log.warn("Streams group {}: the broker refused {}={} and {}={} ({}). A crashed instance's tasks then wait for the"
                                + " group's session timeout (45 s by default). Lower the broker settings group.streams.min.session.timeout.ms"
                                + " to at most {} and group.streams.min.heartbeat.interval.ms to at most {} (static, restart each broker;"
                                + " docs/running.md, \"Failover\")", group, SESSION_TIMEOUT, session, HEARTBEAT_INTERVAL, heartbeat,
                        cause.getMessage(), session, heartbeat);
                return Outcome.REFUSED_BY_BROKER_BOUNDS;
            }
            if (cause instanceof AuthorizationException) {
                log.warn("Streams group {}: not allowed to set {} and {} ({}); grant ALTER_CONFIGS on the group, or set them with"
                        + " kafka-configs.sh --entity-type groups (docs/running.md, \"Failover\")", group, SESSION_TIMEOUT,
                        HEARTBEAT_INTERVAL, cause.getMessage());
                return Outcome.NOT_AUTHORIZED;
            }
            log.warn("Streams group {}: could not set {} and {}; the group keeps its timeouts", group, SESSION_TIMEOUT, HEARTBEAT_INTERVAL, cause);
            return Outcome.FAILED;
        } catch (TimeoutException e) {
            log.warn("Streams group {}: setting {} and {} timed out after {} ms; the group keeps its timeouts", group, SESSION_TIMEOUT,
                    HEARTBEAT_INTERVAL, TIMEOUT_MS);
            return Outcome.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.FAILED;
        }
    }
}
