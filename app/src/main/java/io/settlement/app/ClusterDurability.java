package io.settlement.app;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Whether the cluster {@code run} starts on keeps what settlement commits when a broker dies:
 * every topic the app reads and writes, and every internal topic Kafka Streams has created or
 * will create (changelogs hold the balances; repartition topics hold trades in flight), needs
 * at least {@value #MIN_REPLICAS} replicas and {@code min.insync.replicas} of at least
 * {@value #MIN_IN_SYNC}, and no unclean leader election. With fewer, a transaction can commit on
 * one broker's disk alone, and losing that disk loses results that clients were already told
 * about, or balances the changelog no longer holds.
 *
 * <p>Only what the app's principal may read is asked (topic descriptions and topic configs; the
 * ACLs of docs/security.md grant them): the brokers' defaults are read from a topic that inherits
 * them. The check reports; {@link RunCommand} refuses to start on an unsafe report unless the
 * operator passes {@code --allow-unsafe-durability}. {@code dev} never runs it (one embedded broker).
 */
final class ClusterDurability {
    /** Replicas every topic needs: one broker may be down and one more may fail without losing a write. */
    static final int MIN_REPLICAS = 3;
    /** {@code min.insync.replicas} every topic needs: an acknowledged write is on two disks at least. */
    static final int MIN_IN_SYNC = 2;
    private static final long ADMIN_TIMEOUT_MS = TopicLayout.ADMIN_TIMEOUT_MS;

    private ClusterDurability() {}

    /** One unsafe setting and the topics (or the setting) it applies to, with what to change. */
    record Finding(String problem, List<String> subjects, String fix) {
        String line() {
            return problem + ": " + String.join(", ", subjects) + ". " + fix;
        }
    }

    /** What the check found; {@link #safe()} when nothing. */
    record Report(List<Finding> findings, int topicsChecked, int streamsReplicationFactor) {
        boolean safe() {
            return findings.isEmpty();
        }

        /** One line for the log and {@code /health}. */
        String summary() {
            if (safe()) {
                return topicsChecked + " topics with at least " + MIN_REPLICAS + " replicas and min.insync.replicas at least "
                        + MIN_IN_SYNC + ", Kafka Streams' internal topics created with replication.factor " + streamsReplicationFactor;
            }
            return String.join("; ", findings.stream().map(f -> f.problem() + ": " + String.join(", ", f.subjects())).toList());
        }

        /** Every finding on its own line, with what to change. */
        String details() {
            StringBuilder text = new StringBuilder();
            for (Finding finding : findings) {
                text.append("\n  - ").append(finding.line());
            }
            return text.toString();
        }

        /** The refusal: what is needed, every finding, and the way out. */
        String refusal() {
            return "unsafe durability: a broker failure could lose committed settlements. Every topic needs at least "
                    + MIN_REPLICAS + " replicas and min.insync.replicas " + MIN_IN_SYNC + " or more (docs/running.md)." + details()
                    + "\nRefusing to run. Fix the cluster, or pass --allow-unsafe-durability to run anyway on a cluster "
                    + "that cannot be durable (one broker, a test); `dev` is the single-broker mode.";
        }
    }

    /** {@code run} refuses to start: the message lists every unsafe topic and setting. */
    static final class UnsafeDurabilityException extends RuntimeException {
        UnsafeDurabilityException(String message) {
            super(message);
        }
    }

    /**
     * Reads the replication of {@code contractTopics} (those that exist; a missing one is the
     * topic layout's refusal), of the Kafka Streams internal topics of the {@code application.id} that
     * exist, and the replication Kafka Streams will create the others with (the effective
     * {@code replication.factor} and {@code topic.min.insync.replicas} of the instance's Streams settings).
     *
     * @throws TopicLayout.TopicLayoutException when the cluster does not answer
     */
    static Report check(Admin admin, Collection<String> contractTopics, AppSettings settings) {
        String applicationId = settings.applicationId();
        Properties streamsProperties = SettlementApp.streamsProperties(settings);
        Set<String> existing = call(admin.listTopics().names(), "list topics");
        List<String> streamsInternal = existing.stream()
                .filter(name -> name.startsWith(applicationId + "-") && (name.endsWith("-changelog") || name.endsWith("-repartition")))
                .sorted().toList();
        List<String> topics = new ArrayList<>(contractTopics.stream().filter(existing::contains).toList());
        topics.addAll(streamsInternal);

        Map<String, TopicDescription> described = topics.isEmpty() ? Map.of()
                : call(admin.describeTopics(topics).allTopicNames(), "describe topics");
        Map<String, Config> configs = new TreeMap<>();
        if (!topics.isEmpty()) {
            List<ConfigResource> resources = topics.stream().map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList();
            call(admin.describeConfigs(resources).all(), "describe topic configs")
                    .forEach((resource, config) -> configs.put(resource.name(), config));
        }

        Map<Integer, List<String>> fewReplicas = new TreeMap<>();
        Map<Integer, List<String>> fewInSync = new TreeMap<>();
        List<String> unclean = new ArrayList<>();
        Integer brokerMinInSync = null;
        for (String topic : topics) {
            int replicas = described.get(topic).partitions().stream().mapToInt(p -> p.replicas().size()).min().orElse(0);
            if (replicas < MIN_REPLICAS) {
                fewReplicas.computeIfAbsent(replicas, r -> new ArrayList<>()).add(topic);
            }
            Config config = configs.get(topic);
            ConfigEntry minInSync = config == null ? null : config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            if (minInSync != null && minInSync.value() != null) {
                int value = Integer.parseInt(minInSync.value());
                if (value < MIN_IN_SYNC) {
                    fewInSync.computeIfAbsent(value, v -> new ArrayList<>()).add(topic);
                }
                if (minInSync.source() != ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
                    // A topic without its own value shows the brokers' default, which new internal topics get too.
                    brokerMinInSync = value;
                }
            }
            ConfigEntry uncleanElection = config == null ? null : config.get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG);
            if (uncleanElection != null && Boolean.parseBoolean(uncleanElection.value())) {
                unclean.add(topic);
            }
        }

        List<Finding> findings = new ArrayList<>();
        fewReplicas.forEach((replicas, names) -> findings.add(new Finding(
                "topics with " + replicas + " replica" + (replicas == 1 ? "" : "s") + " (at least " + MIN_REPLICAS + " needed)", names,
                "Add replicas with kafka-reassign-partitions.sh (a reassignment listing " + MIN_REPLICAS
                        + " brokers per partition), or recreate the topic with replication factor " + MIN_REPLICAS + ".")));
        fewInSync.forEach((value, names) -> findings.add(new Finding(
                "topics with min.insync.replicas=" + value + " (at least " + MIN_IN_SYNC + " needed)", names,
                "Set it per topic: kafka-configs.sh --alter --entity-type topics --entity-name <topic> --add-config min.insync.replicas="
                        + MIN_IN_SYNC + ", or the brokers' min.insync.replicas=" + MIN_IN_SYNC + " for topics without their own value.")));
        if (!unclean.isEmpty()) {
            findings.add(new Finding("topics with unclean.leader.election.enable=true (an out-of-sync replica may become leader and drop acknowledged writes)",
                    unclean, "Set unclean.leader.election.enable=false on them and on the brokers."));
        }

        Map<String, Object> streams = StreamsConfig.configDef().parse(streamsProperties);
        int replicationFactor = (Integer) streams.get(StreamsConfig.REPLICATION_FACTOR_CONFIG);
        String replicationSource = settings.streamsOverrides().containsKey(StreamsConfig.REPLICATION_FACTOR_CONFIG)
                ? AppSettings.STREAMS_PREFIX + StreamsConfig.REPLICATION_FACTOR_CONFIG : AppSettings.TOPIC_REPLICATION_FACTOR;
        if (replicationFactor == -1) {
            Optional<Integer> brokerDefault = brokerDefault(admin, "default.replication.factor");
            if (brokerDefault.isEmpty()) {
                findings.add(new Finding("Kafka Streams' internal topics (changelogs, repartition topics) would take the brokers' "
                        + "default.replication.factor (replication.factor=-1), which this principal cannot read",
                        List.of(StreamsConfig.REPLICATION_FACTOR_CONFIG),
                        "Set " + AppSettings.TOPIC_REPLICATION_FACTOR + "=" + MIN_REPLICAS + " and leave streams.replication.factor unset."));
            } else {
                replicationFactor = brokerDefault.get();
                replicationSource = "the brokers' default.replication.factor";
            }
        }
        if (replicationFactor != -1 && replicationFactor < MIN_REPLICAS) {
            findings.add(new Finding("Kafka Streams would create its internal topics (changelogs, repartition topics) with replication.factor="
                    + replicationFactor + ", from " + replicationSource + " (at least " + MIN_REPLICAS + " needed)",
                    List.of(StreamsConfig.REPLICATION_FACTOR_CONFIG),
                    "Set " + AppSettings.TOPIC_REPLICATION_FACTOR + "=" + MIN_REPLICAS + " (" + AppSettings.environmentVariable(AppSettings.TOPIC_REPLICATION_FACTOR)
                            + "); it is also what --create-topics uses."));
        }
        Object streamsMinInSync = streamsProperties.get(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG));
        Integer internalMinInSync = streamsMinInSync != null ? Integer.valueOf(String.valueOf(streamsMinInSync).trim())
                : brokerMinInSync != null ? brokerMinInSync : brokerDefault(admin, TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).orElse(null);
        if (internalMinInSync == null) {
            findings.add(new Finding("Kafka Streams' new internal topics would take the brokers' min.insync.replicas, which this principal cannot read",
                    List.of(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG)),
                    "Set streams.topic.min.insync.replicas=" + MIN_IN_SYNC + "."));
        } else if (internalMinInSync < MIN_IN_SYNC) {
            findings.add(new Finding("Kafka Streams would create its internal topics with min.insync.replicas=" + internalMinInSync
                    + (streamsMinInSync != null ? " (streams.topic.min.insync.replicas)" : " (the brokers' default)")
                    + " (at least " + MIN_IN_SYNC + " needed)",
                    List.of(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG)),
                    "Set the brokers' min.insync.replicas=" + MIN_IN_SYNC + ", or streams.topic.min.insync.replicas=" + MIN_IN_SYNC + "."));
        }
        return new Report(List.copyOf(findings), topics.size(), replicationFactor);
    }

    /** A broker setting's value, or empty when no broker answers or the principal may not read broker configs. */
    private static Optional<Integer> brokerDefault(Admin admin, String name) {
        try {
            Collection<Node> nodes = admin.describeCluster().nodes().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (nodes.isEmpty()) {
                return Optional.empty();
            }
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, nodes.iterator().next().idString());
            Config config = admin.describeConfigs(List.of(broker)).all().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS).get(broker);
            ConfigEntry entry = config == null ? null : config.get(name);
            return entry == null || entry.value() == null ? Optional.empty() : Optional.of(Integer.parseInt(entry.value()));
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static <T> T call(KafkaFuture<T> future, String what) {
        try {
            return future.get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new TopicLayout.TopicLayoutException("cannot check durability, cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new TopicLayout.TopicLayoutException("cannot check durability, cannot " + what + ": no answer from the cluster within "
                    + ADMIN_TIMEOUT_MS + " ms (is bootstrap.servers right?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicLayout.TopicLayoutException("interrupted while checking durability", e);
        }
    }
}
