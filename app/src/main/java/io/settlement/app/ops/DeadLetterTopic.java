package io.settlement.app.ops;

import io.settlement.contract.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The dead-letter topic for the operator's tools: reads every record of {@code settlement.dlq}
 * (committed ones, start to end, no consumer group), and replays chosen ones to their source
 * topic, each at most once. What was replayed is remembered in the compacted topic
 * {@value #REPLAYED_TOPIC}, keyed by the dead letter's {@code partition:offset}; the replayed
 * record and that entry are written in one Kafka transaction (a fixed transactional id, so two
 * replays at once fence each other instead of both writing), and the log is read after the
 * transaction is initialised, so a replay that was cut off is settled before anything is decided.
 */
public final class DeadLetterTopic {
    /** The compacted topic of replayed dead letters (created by the first replay). */
    public static final String REPLAYED_TOPIC = "settlement.dlq.replayed";
    /** Header on a replayed record: the dead letter it came from ({@code settlement.dlq partition:offset}). */
    public static final String REPLAYED_FROM_HEADER = "settlement.dlq.replayed-from";
    /** The transactional id of replays: one replay at a time per cluster. */
    public static final String TRANSACTIONAL_ID = "settlement-dlq-replay";
    /** How long one poll of the reading consumer may wait; the read ends at the end offsets taken first. */
    static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
    /** How long reading a topic to its end may take in all. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final Map<String, Object> clientProperties;
    private final Topics topics;
    private final short replicationFactor;

    /**
     * @param clientProperties the Kafka client settings ({@code bootstrap.servers}, security)
     * @param replicationFactor of {@value #REPLAYED_TOPIC} when it is created
     */
    public DeadLetterTopic(Map<String, Object> clientProperties, Topics topics, short replicationFactor) {
        this.clientProperties = Map.copyOf(clientProperties);
        this.topics = topics;
        this.replicationFactor = replicationFactor;
    }

    /** Every committed record of {@code settlement.dlq}, in partition then offset order. */
    public List<DeadLetter> readAll() {
        return read(Topics.DEAD_LETTERS).stream().map(DeadLetter::new).toList();
    }

    /** The dead letter at {@code partition:offset}, if there is one. */
    public Optional<DeadLetter> find(String id) {
        return readAll().stream().filter(letter -> letter.id().equals(id)).findFirst();
    }

    /** The ids of the dead letters replayed so far, with when. */
    public Map<String, String> replayed() {
        Map<String, String> replayed = new HashMap<>();
        if (!topicExists(REPLAYED_TOPIC)) {
            return replayed;
        }
        for (ConsumerRecord<byte[], byte[]> record : read(REPLAYED_TOPIC)) {
            String id = new String(record.key(), StandardCharsets.UTF_8);
            if (record.value() == null) {
                replayed.remove(id);
            } else {
                replayed.put(id, new String(record.value(), StandardCharsets.UTF_8));
            }
        }
        return replayed;
    }

    /** What a replay did (or, dry, would do) with one chosen dead letter. */
    public record Replay(DeadLetter letter, ReplayOutcome outcome, String detail) {}

    public enum ReplayOutcome { REPLAYED, WOULD_REPLAY, ALREADY_REPLAYED, NOT_REPLAYABLE }

    /**
     * Publishes each chosen dead letter's key and value to its source topic (partitioned by its
     * key, as the contract's producers do), unless it was replayed before or cannot be; with
     * {@code dryRun}, only says what it would do. One transaction for all of them.
     */
    public List<Replay> replay(List<DeadLetter> chosen, boolean dryRun) {
        if (dryRun) {
            return decide(chosen, replayed(), true);
        }
        ensureReplayedTopic();
        Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            // Fences any replay still under way and settles its transaction before the log is read.
            producer.initTransactions();
            List<Replay> plan = decide(chosen, replayed(), false);
            if (plan.stream().noneMatch(replay -> replay.outcome() == ReplayOutcome.REPLAYED)) {
                return plan;
            }
            producer.beginTransaction();
            String at = Instant.now().toString();
            for (Replay replay : plan) {
                if (replay.outcome() != ReplayOutcome.REPLAYED) {
                    continue;
                }
                DeadLetter letter = replay.letter();
                RecordHeaders headers = new RecordHeaders();
                headers.add(REPLAYED_FROM_HEADER, (Topics.DEAD_LETTERS + " " + letter.id()).getBytes(StandardCharsets.UTF_8));
                producer.send(new ProducerRecord<>(letter.sourceTopic().orElseThrow(), null, letter.record().key(),
                        letter.record().value(), headers));
                producer.send(new ProducerRecord<>(REPLAYED_TOPIC, letter.id().getBytes(StandardCharsets.UTF_8),
                        ("replayed to " + letter.sourceTopic().orElseThrow() + " at " + at).getBytes(StandardCharsets.UTF_8)));
            }
            producer.commitTransaction();
            return plan;
        }
    }

    private List<Replay> decide(List<DeadLetter> chosen, Map<String, String> replayed, boolean dryRun) {
        List<Replay> plan = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (DeadLetter letter : chosen) {
            if (!seen.add(letter.id())) {
                continue;
            }
            Optional<String> whyNot = letter.whyNotReplayable(topics);
            if (replayed.containsKey(letter.id())) {
                plan.add(new Replay(letter, ReplayOutcome.ALREADY_REPLAYED, replayed.get(letter.id())));
            } else if (whyNot.isPresent()) {
                plan.add(new Replay(letter, ReplayOutcome.NOT_REPLAYABLE, whyNot.get()));
            } else {
                plan.add(new Replay(letter, dryRun ? ReplayOutcome.WOULD_REPLAY : ReplayOutcome.REPLAYED, "to " + letter.sourceTopic().orElseThrow()));
            }
        }
        return plan;
    }

    private void ensureReplayedTopic() {
        if (topicExists(REPLAYED_TOPIC)) {
            return;
        }
        try (Admin admin = Admin.create(clientProperties)) {
            admin.createTopics(List.of(new NewTopic(REPLAYED_TOPIC, 1, replicationFactor)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new KafkaException("cannot create " + REPLAYED_TOPIC + ": " + e.getCause(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while creating " + REPLAYED_TOPIC, e);
        }
    }

    private boolean topicExists(String topic) {
        try (Admin admin = Admin.create(clientProperties)) {
            return admin.listTopics().names().get().contains(topic);
        } catch (ExecutionException e) {
            throw new KafkaException("cannot list the topics: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while listing the topics", e);
        }
    }

    /** Every committed record of {@code topic} up to the end offsets at the start of the read. */
    List<ConsumerRecord<byte[], byte[]>> read(String topic) {
        Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, READ_TIMEOUT).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .sorted(java.util.Comparator.comparingInt(TopicPartition::partition))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, READ_TIMEOUT);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p, READ_TIMEOUT) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new KafkaException("could not read " + topic + " to its end within " + READ_TIMEOUT);
                }
                consumer.poll(POLL_TIMEOUT).forEach(records::add);
            }
        }
        records.sort(java.util.Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
                .thenComparingLong(ConsumerRecord::offset));
        return records;
    }

    static String headerText(Header header) {
        return header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
