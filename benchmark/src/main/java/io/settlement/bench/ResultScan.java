package io.settlement.bench;

import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.contract.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * invariant 3 (docs/topology.md, "Invariants"), checked on the committed output: reads
 * {@code settlement.results} with {@code read_committed} over the range a workload's runs wrote,
 * and demands exactly one result per command id, except the documented duplicates (a retry gets
 * its first result again, an id reused with other content gets a second, {@code ID_CONFLICT},
 * result), and the reason each must-reject command has to get.
 */
final class ResultScan {
    /** How long reading the range may take. */
    private static final long SCAN_TIMEOUT_MS = 120_000;
    private static final int PROBLEMS_SHOWN_MAX = 20;

    record Verdict(boolean ok, long results, long commands, long expectedResults, long documentedDuplicates,
                   long accepted, long rejected, long unexpectedRejections, Map<String, Long> rejectedByReason, List<String> problems) {}

    private ResultScan() {}

    /** The partitions' end offsets (under read_committed: the last stable offsets) before a workload starts. */
    static Map<TopicPartition, Long> endOffsets(String bootstrapServers, String topic, int partitions) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers)) {
            return consumer.endOffsets(partitionsOf(topic, partitions));
        }
    }

    static Verdict verify(String bootstrapServers, Topic<String, SettlementResult> results, int partitions,
                          Map<TopicPartition, Long> from, List<Workload> sent) {
        Map<String, Workload> byPrefix = new HashMap<>();
        Map<String, List<SettlementResult>[]> observed = new HashMap<>();
        for (Workload workload : sent) {
            byPrefix.put(workload.idPrefix(), workload);
            @SuppressWarnings("unchecked")
            List<SettlementResult>[] slots = new List[workload.size()];
            observed.put(workload.idPrefix(), slots);
        }
        List<String> problems = new ArrayList<>();
        long read = 0;
        Deserializer<SettlementResult> values = results.valueSerde().deserializer();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers)) {
            List<TopicPartition> assigned = partitionsOf(results.name(), partitions);
            consumer.assign(assigned);
            Map<TopicPartition, Long> end = consumer.endOffsets(assigned);
            assigned.forEach(partition -> consumer.seek(partition, from.getOrDefault(partition, 0L)));
            long deadline = System.currentTimeMillis() + SCAN_TIMEOUT_MS;
            while (assigned.stream().anyMatch(partition -> consumer.position(partition) < end.get(partition))) {
                if (System.currentTimeMillis() > deadline) {
                    problems.add("could not read settlement.results up to " + end + " within " + SCAN_TIMEOUT_MS + " ms");
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    read++;
                    String key = new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
                    String id = key.substring(key.lastIndexOf(':') + 1); // KIND:user_id:id or TRADE:id
                    Workload workload = byPrefix.entrySet().stream().filter(entry -> id.startsWith(entry.getKey()))
                            .map(Map.Entry::getValue).findFirst().orElse(null);
                    if (workload == null) {
                        continue; // another workload's or another program's command
                    }
                    int slot;
                    try {
                        slot = Integer.parseInt(id.substring(workload.idPrefix().length()));
                    } catch (NumberFormatException e) {
                        problems.add("a result for a command id the benchmark never used: " + key);
                        continue;
                    }
                    if (slot >= workload.size() || !workload.bySlot(slot).resultKey().equals(key)) {
                        problems.add("a result for a command the benchmark never sent: " + key);
                        continue;
                    }
                    List<SettlementResult>[] slots = observed.get(workload.idPrefix());
                    if (slots[slot] == null) {
                        slots[slot] = new ArrayList<>(1);
                    }
                    slots[slot].add(values.deserialize(results.name(), record.value()));
                }
            }
        }
        long commands = 0;
        long expectedResults = 0;
        long duplicates = 0;
        long accepted = 0;
        long rejected = 0;
        long unexpectedRejections = 0;
        Map<String, Long> rejectedByReason = new TreeMap<>();
        for (Workload workload : sent) {
            List<SettlementResult>[] slots = observed.get(workload.idPrefix());
            Map<Integer, Integer> reuseSeen = new HashMap<>();
            for (PreparedCommand command : workload.commands()) {
                commands++;
                expectedResults++;
                List<SettlementResult> got = slots[command.slot()];
                int index = command.reusesId() ? reuseSeen.merge(command.slot(), 1, Integer::sum) : 0;
                if (command.reusesId()) {
                    duplicates++;
                }
                if (got == null || got.size() <= index) {
                    problems.add(command.resultKey() + ": no result" + (index > 0 ? " number " + (index + 1) : ""));
                    continue;
                }
                SettlementResult result = got.get(index);
                if (result.getStatus() == ResultStatus.ACCEPTED) {
                    accepted++;
                } else {
                    rejected++;
                    rejectedByReason.merge(String.valueOf(result.getReason()), 1L, Long::sum);
                    if (command.expected().status() == null && !command.expected().sameAsFirst()) {
                        unexpectedRejections++;
                    }
                }
                PreparedCommand.Expected expected = command.expected();
                boolean matches = expected.sameAsFirst() ? result.equals(got.get(0)) : expected.matches(result.getStatus(), result.getReason());
                if (!matches) {
                    problems.add(command.resultKey() + ": expected " + expected + ", got " + result.getStatus() + " " + result.getReason()
                            + (result.getDetail() == null ? "" : " (" + result.getDetail() + ")"));
                }
            }
            for (PreparedCommand command : workload.commands()) {
                if (command.reusesId()) {
                    continue;
                }
                List<SettlementResult> got = slots[command.slot()];
                int want = 1 + reuseSeen.getOrDefault(command.slot(), 0);
                if (got != null && got.size() > want) {
                    problems.add(command.resultKey() + ": " + got.size() + " results, " + want + " expected");
                }
            }
        }
        List<String> shown = problems.size() > PROBLEMS_SHOWN_MAX ? new ArrayList<>(problems.subList(0, PROBLEMS_SHOWN_MAX)) : problems;
        if (problems.size() > PROBLEMS_SHOWN_MAX) {
            shown.add("... and " + (problems.size() - PROBLEMS_SHOWN_MAX) + " more");
        }
        return new Verdict(problems.isEmpty(), read, commands, expectedResults, duplicates, accepted, rejected, unexpectedRejections,
                rejectedByReason, shown);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers) {
        return new KafkaConsumer<>(ResultCollector.consumerProperties(bootstrapServers), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static List<TopicPartition> partitionsOf(String topic, int partitions) {
        List<TopicPartition> list = new ArrayList<>();
        for (int partition = 0; partition < partitions; partition++) {
            list.add(new TopicPartition(topic, partition));
        }
        return list;
    }

    /**
     * The dead letters written since {@code from}, counted by their {@code settlement.dlq.reason}
     * header (or the Streams error handler's exception header when there is none).
     */
    static Map<String, Long> deadLettersByReason(String bootstrapServers, String topic, int partitions, Map<TopicPartition, Long> from) {
        Map<String, Long> byReason = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers)) {
            List<TopicPartition> assigned = partitionsOf(topic, partitions);
            consumer.assign(assigned);
            Map<TopicPartition, Long> end = consumer.endOffsets(assigned);
            assigned.forEach(partition -> consumer.seek(partition, from.getOrDefault(partition, 0L)));
            long deadline = System.currentTimeMillis() + SCAN_TIMEOUT_MS;
            while (assigned.stream().anyMatch(partition -> consumer.position(partition) < end.get(partition))
                    && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    var reason = record.headers().lastHeader("settlement.dlq.reason");
                    var exception = record.headers().lastHeader("__streams.errors.exception");
                    String name = reason != null ? new String(reason.value(), java.nio.charset.StandardCharsets.UTF_8)
                            : exception != null ? new String(exception.value(), java.nio.charset.StandardCharsets.UTF_8) : "(no reason header)";
                    byReason.merge(name, 1L, Long::sum);
                }
            }
        }
        return byReason;
    }
}
