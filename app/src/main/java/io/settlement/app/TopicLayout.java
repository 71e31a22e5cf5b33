package io.settlement.app;

import io.settlement.contract.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the application's topics (dev mode, {@code run --create-topics}) and checks, before
 * the topology starts, that they exist and that the user-keyed inputs are co-partitioned.
 *
 * <p>Why refuse to run: a user's balance lives in exactly one task, the one that owns partition
 * {@code murmur2(user id) mod N}. If {@code balance.operations}, {@code transfer.requests} and
 * {@code settlement.internal.trade-legs} had different partition counts, one user's commands
 * would reach two tasks, each with a balance of its own: money from nothing.
 */
public final class TopicLayout {
    /** How long one admin call may take before the start is abandoned. */
    public static final long ADMIN_TIMEOUT_MS = 30_000;

    private final Admin admin;
    private final Topics topics;

    public TopicLayout(Admin admin, Topics topics) {
        this.admin = admin;
        this.topics = topics;
    }

    /**
     * Creates every topic of {@link Topics#all()} that does not exist yet, with {@code partitions}
     * partitions; returns the names it created. {@code settlement.internal.leg-results} (the trade
     * coordinator's input beside the {@code trades-by-id} repartition topic) gets the partition
     * count of the user-keyed inputs when they exist already, since the coordinator's
     * partitions are the user partitions ({@code TradeTopology.coordinatorPartitions}).
     */
    public List<String> createMissing(int partitions, short replicationFactor) {
        Set<String> existing = call(admin.listTopics().names(), "list topics");
        int userPartitions = existingUserPartitions(existing).orElse(partitions);
        List<NewTopic> missing = new ArrayList<>();
        for (String name : topics.all()) {
            if (!existing.contains(name)) {
                int count = name.equals(topics.legResults().name()) || topics.userKeyedInputs().contains(name)
                        ? userPartitions : partitions;
                missing.add(new NewTopic(name, count, replicationFactor));
            }
        }
        if (missing.isEmpty()) {
            return List.of();
        }
        try {
            admin.createTopics(missing).all().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new TopicLayoutException("cannot create topics " + missing.stream().map(NewTopic::name).toList()
                        + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new TopicLayoutException("creating topics took longer than " + ADMIN_TIMEOUT_MS + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicLayoutException("interrupted while creating topics", e);
        }
        return missing.stream().map(NewTopic::name).toList();
    }

    /**
     * Checks that every topic exists and that the user-keyed inputs share one partition count.
     *
     * @return the partition count of the user-keyed inputs, which the partition guard uses
     * @throws TopicLayoutException with a message saying what is wrong and how to fix it
     */
    public int verify() {
        Set<String> existing = call(admin.listTopics().names(), "list topics");
        List<String> missing = topics.all().stream().filter(name -> !existing.contains(name)).toList();
        if (!missing.isEmpty()) {
            throw new TopicLayoutException("missing topics: " + String.join(", ", missing)
                    + ". Create them (same partition count for " + String.join(", ", topics.userKeyedInputs())
                    + "), or start with --create-topics.");
        }
        Map<String, TopicDescription> described = call(admin.describeTopics(topics.userKeyedInputs()).allTopicNames(),
                "describe topics");
        Map<String, Integer> partitionCounts = new TreeMap<>();
        described.forEach((name, description) -> partitionCounts.put(name, description.partitions().size()));
        if (partitionCounts.values().stream().distinct().count() != 1) {
            throw new TopicLayoutException("the user-keyed input topics are not co-partitioned: " + partitionCounts
                    + ". They must have the same partition count, or one user's balance would be split across two "
                    + "tasks. Refusing to run.");
        }
        return partitionCounts.values().iterator().next();
    }

    /**
     * Checks that {@code settlement.internal.leg-results} has the trade coordinator's partition
     * count ({@code TradeTopology.coordinatorPartitions(config)}, the user partition count): the
     * coordinator reads it together with the {@code trades-by-id} repartition topic, which Kafka
     * Streams creates with that count, so a leg's answer reaches the task that holds its trade.
     *
     * @throws TopicLayoutException when the counts differ
     */
    public void verifyCoordinatorInputs(int coordinatorPartitions) {
        String legResults = topics.legResults().name();
        Map<String, TopicDescription> described = call(admin.describeTopics(List.of(legResults)).allTopicNames(),
                "describe topics");
        int actual = described.get(legResults).partitions().size();
        if (actual != coordinatorPartitions) {
            throw new TopicLayoutException(legResults + " has " + actual + " partitions, but the trade coordinator reads it "
                    + "beside the trades-by-id repartition topic with " + coordinatorPartitions + " partitions (the "
                    + "user-keyed inputs' count): a trade leg's answer would reach a task that does not hold the trade. "
                    + "Recreate " + legResults + " with " + coordinatorPartitions + " partitions. Refusing to run.");
        }
    }

    /** The partition count of the user-keyed inputs that exist already (the first found), if any. */
    private java.util.Optional<Integer> existingUserPartitions(Set<String> existing) {
        List<String> present = topics.userKeyedInputs().stream().filter(existing::contains).toList();
        if (present.isEmpty()) {
            return java.util.Optional.empty();
        }
        Map<String, TopicDescription> described = call(admin.describeTopics(present).allTopicNames(), "describe topics");
        return java.util.Optional.of(described.get(present.get(0)).partitions().size());
    }

    private static <T> T call(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new TopicLayoutException("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new TopicLayoutException("cannot " + what + ": no answer from the cluster within " + ADMIN_TIMEOUT_MS
                    + " ms (is bootstrap.servers right?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicLayoutException("interrupted while trying to " + what, e);
        }
    }

    /** The topic layout forbids starting; the message says why and what to do. */
    public static final class TopicLayoutException extends RuntimeException {
        public TopicLayoutException(String message) {
            super(message);
        }

        public TopicLayoutException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
