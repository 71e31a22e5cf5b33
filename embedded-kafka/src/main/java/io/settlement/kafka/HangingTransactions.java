package io.settlement.kafka;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTransactionsResult;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds transactions left open on a partition although their coordinator has already decided
 * them, and writes the decided marker there, as the coordinator should have.
 *
 * <p>Why: a Kafka 4.4.0 broker restarted while a transaction was committing resends its markers
 * as it loads the transaction log, at a moment when some partitions have no leader yet; it takes
 * those partitions for deleted, skips their markers and completes the transaction anyway. The
 * transaction then stays open on them for ever: read-committed consumers (Kafka Streams restoring
 * its stores) stop there, and the app never starts on that data directory (docs/running.md,
 * "`dev`: the whole service on this machine"; on a cluster: docs/operations.md, "A transaction hangs").
 *
 * <p>What is safe to complete, and only that: an open transaction of producer P at epoch E on a
 * partition, whose transactional id's coordinator holds P at epoch E + 1 in state
 * {@code CompleteCommit} or {@code CompleteAbort}. Under transaction protocol version 2 (KIP-890,
 * which this broker runs) the coordinator bumps the epoch as it ends each transaction, so epoch
 * E + 1 in a completed state is exactly the end of the transaction that ran at epoch E, and that
 * state is its outcome. Anything else (the coordinator has moved on, has no record of P, or
 * the transaction is still running or being decided) is left alone and reported: a running
 * transaction is aborted by its producer's next start or by its timeout, and an outcome that is
 * no longer known must not be guessed, since committing or aborting the wrong one moves money.
 */
public final class HangingTransactions {
    private static final Logger log = LoggerFactory.getLogger(HangingTransactions.class);
    private static final String TRANSACTION_VERSION = "transaction.version";
    private static final long POLL_MS = 100;

    /** What was done with one transaction found open on one partition. */
    public enum Verdict { COMMITTED, ABORTED, LEFT_OPEN }

    /** One transaction found open on one partition, and what was done with it. */
    public record Finding(TopicPartition partition, long producerId, int producerEpoch, long firstOffset,
                          String transactionalId, TransactionState coordinatorState, Verdict verdict, String reason) {
        @Override
        public String toString() {
            return verdict + " " + partition + " producer " + producerId + " epoch " + producerEpoch + " open since offset "
                    + firstOffset + " (transactional id " + transactionalId + ", coordinator " + coordinatorState + "): " + reason;
        }
    }

    private final Admin admin;
    private final String host;
    private final int port;

    /** Repairs on the broker {@code admin} talks to, whose plaintext listener is {@code host:port}. */
    public HangingTransactions(Admin admin, String host, int port) {
        this.admin = admin;
        this.host = host;
        this.port = port;
    }

    /**
     * Waits (at most {@code timeout}) until every partition has a leader and the coordinator has
     * loaded its log and finished sending the markers it owes, then completes every transaction that its coordinator
     * decided but left open. Returns one finding per open transaction (empty when none is open).
     *
     * @throws IllegalStateException when a marker could not be written or did not close its transaction
     * @throws TimeoutException when the broker did not settle within {@code timeout}
     */
    public List<Finding> repair(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TopicPartition> partitions = awaitLeaders(deadline);
        awaitCoordinatorLoaded(partitions, deadline);
        awaitNoTransactionBeingDecided(deadline);
        Map<TopicPartition, List<ProducerState>> open = openTransactions(partitions, deadline);
        if (open.isEmpty()) {
            return List.of();
        }
        boolean epochBumpedPerTransaction = transactionVersion(deadline) >= 2;
        Map<Long, TransactionListing> listings = new HashMap<>();
        for (TransactionListing listing : call(() -> admin.listTransactions().all(), deadline)) {
            listings.put(listing.producerId(), listing);
        }
        List<String> ids = new ArrayList<>();
        open.values().forEach(states -> states.forEach(state -> {
            TransactionListing listing = listings.get(state.producerId());
            if (listing != null && !ids.contains(listing.transactionalId())) {
                ids.add(listing.transactionalId());
            }
        }));
        Map<String, TransactionDescription> coordinators = ids.isEmpty() ? Map.of()
                : call(() -> admin.describeTransactions(ids).all(), deadline);

        List<Finding> findings = new ArrayList<>();
        open.forEach((partition, states) -> states.forEach(state -> {
            TransactionListing listing = listings.get(state.producerId());
            String id = listing == null ? null : listing.transactionalId();
            TransactionDescription coordinator = id == null ? null : coordinators.get(id);
            findings.add(decide(partition, state, id, coordinator, epochBumpedPerTransaction));
        }));
        for (Finding finding : findings) {
            if (finding.verdict() != Verdict.LEFT_OPEN) {
                writeMarker(finding, open.get(finding.partition()), coordinators.get(finding.transactionalId()));
            }
        }
        confirmClosed(findings, deadline);
        return findings;
    }

    /** The verdict for one open transaction, from what its coordinator holds (null when it holds nothing). */
    static Finding decide(TopicPartition partition, ProducerState open, String transactionalId, TransactionDescription coordinator,
            boolean epochBumpedPerTransaction) {
        long firstOffset = open.currentTransactionStartOffset().orElse(-1);
        TransactionState state = coordinator == null ? null : coordinator.state();
        Verdict verdict = Verdict.LEFT_OPEN;
        String reason;
        if (coordinator == null) {
            reason = "no coordinator holds this producer id any more; its outcome is unknown";
        } else if (!epochBumpedPerTransaction) {
            reason = "the cluster runs transaction version 1, where the coordinator's state does not tell which transaction it ended";
        } else if (coordinator.producerId() != open.producerId()) {
            reason = "the coordinator moved to producer id " + coordinator.producerId() + "; the outcome of this one is unknown";
        } else if (state == TransactionState.ONGOING || state == TransactionState.PREPARE_COMMIT
                || state == TransactionState.PREPARE_ABORT || state == TransactionState.PREPARE_EPOCH_FENCE) {
            reason = "still running or being decided: its producer's next start or its timeout ends it";
        } else if (coordinator.producerEpoch() != open.producerEpoch() + 1) {
            reason = "the coordinator is at epoch " + coordinator.producerEpoch() + ", not the one that ends epoch "
                    + open.producerEpoch() + "; the outcome of this transaction is no longer known";
        } else if (state == TransactionState.COMPLETE_COMMIT) {
            verdict = Verdict.COMMITTED;
            reason = "its coordinator had committed it without writing this partition's marker";
        } else if (state == TransactionState.COMPLETE_ABORT) {
            verdict = Verdict.ABORTED;
            reason = "its coordinator had aborted it without writing this partition's marker";
        } else {
            reason = "the coordinator's state " + state + " does not say how it ended";
        }
        return new Finding(partition, open.producerId(), open.producerEpoch(), firstOffset, transactionalId, state, verdict, reason);
    }

    /** The marker the coordinator would have written: its bumped epoch, the partition's coordinator epoch, version 2. */
    private void writeMarker(Finding finding, List<ProducerState> states, TransactionDescription coordinator) {
        // the broker refuses a marker whose coordinator epoch is below the last one it wrote for this producer
        int coordinatorEpoch = states.stream().filter(s -> s.producerId() == finding.producerId())
                .mapToInt(s -> s.coordinatorEpoch().orElse(0)).max().orElse(0);
        WriteTxnMarkersRequestData.WritableTxnMarker marker = new WriteTxnMarkersRequestData.WritableTxnMarker()
                .setProducerId(finding.producerId())
                .setProducerEpoch((short) coordinator.producerEpoch())
                .setCoordinatorEpoch(Math.max(coordinatorEpoch, 0))
                .setTransactionResult(finding.verdict() == Verdict.COMMITTED)
                .setTransactionVersion((byte) 2);
        marker.topics().add(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic()
                .setName(finding.partition().topic())
                .setPartitionIndexes(List.of(finding.partition().partition())));
        WriteTxnMarkersRequestData data = new WriteTxnMarkersRequestData();
        data.markers().add(marker);
        WriteTxnMarkersResponse response;
        try {
            response = KafkaWire.send(host, port, new WriteTxnMarkersRequest.Builder(data),
                    ApiKeys.WRITE_TXN_MARKERS.latestVersion(), WriteTxnMarkersResponse.class);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the marker for " + finding + " to " + host + ":" + port, e);
        }
        for (WriteTxnMarkersResponseData.WritableTxnMarkerResult result : response.data().markers()) {
            for (WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult topic : result.topics()) {
                for (WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult partition : topic.partitions()) {
                    Errors error = Errors.forCode(partition.errorCode());
                    if (error != Errors.NONE) {
                        throw new IllegalStateException("the broker refused the marker for " + finding + ": " + error);
                    }
                }
            }
        }
        log.warn("Completed a transaction the broker's restart had left open: {}", finding);
    }

    private void confirmClosed(List<Finding> findings, long deadline) throws InterruptedException, TimeoutException {
        List<TopicPartition> repaired = findings.stream().filter(f -> f.verdict() != Verdict.LEFT_OPEN).map(Finding::partition).distinct().toList();
        if (repaired.isEmpty()) {
            return;
        }
        Map<TopicPartition, List<ProducerState>> still = openTransactions(repaired, deadline);
        for (Finding finding : findings) {
            if (finding.verdict() != Verdict.LEFT_OPEN && still.getOrDefault(finding.partition(), List.of()).stream()
                    .anyMatch(s -> s.producerId() == finding.producerId() && s.producerEpoch() == finding.producerEpoch())) {
                throw new IllegalStateException("the marker was written but the transaction is still open: " + finding);
            }
        }
    }

    /** Every partition of every topic (internal ones too), once each has a leader. */
    private List<TopicPartition> awaitLeaders(long deadline) throws InterruptedException, TimeoutException {
        while (true) {
            Set<String> names = call(() -> admin.listTopics(new ListTopicsOptions().listInternal(true)).names(), deadline);
            Map<String, TopicDescription> topics = call(() -> admin.describeTopics(names).allTopicNames(), deadline);
            List<TopicPartition> partitions = new ArrayList<>();
            boolean allLed = true;
            for (TopicDescription topic : topics.values()) {
                for (TopicPartitionInfo info : topic.partitions()) {
                    partitions.add(new TopicPartition(topic.name(), info.partition()));
                    allLed &= info.leader() != null && !info.leader().isEmpty();
                }
            }
            if (allLed) {
                return partitions;
            }
            pause(deadline, "every partition to have a leader");
        }
    }

    /**
     * Waits until the transaction coordinator has loaded every partition of its log: until then
     * it lists no transactions at all (not even an error), and the ones it is about to resend
     * markers for would look unknown. A description of a transactional id that does not exist
     * answers "not found" only from a loaded partition ("loading" or "not coordinator" before), so
     * one such probe per partition of the log tells.
     */
    private void awaitCoordinatorLoaded(List<TopicPartition> partitions, long deadline) throws InterruptedException, TimeoutException {
        int logPartitions = (int) partitions.stream().filter(p -> p.topic().equals(Topic.TRANSACTION_STATE_TOPIC_NAME)).count();
        if (logPartitions == 0) {
            return; // no transaction was ever started on this cluster
        }
        List<String> probes = new ArrayList<>();
        Set<Integer> covered = new HashSet<>();
        for (int i = 0; covered.size() < logPartitions; i++) {
            String probe = "settlement-coordinator-probe-" + i;
            if (covered.add(coordinatorPartition(probe, logPartitions))) {
                probes.add(probe);
            }
        }
        while (true) {
            DescribeTransactionsResult result = admin.describeTransactions(probes);
            boolean loaded = true;
            for (String probe : probes) {
                try {
                    result.description(probe).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException e) {
                    loaded &= e.getCause() instanceof TransactionalIdNotFoundException;
                }
            }
            if (loaded) {
                return;
            }
            pause(deadline, "the transaction coordinator to load its log");
        }
    }

    /** The partition of the transaction log that holds {@code transactionalId}, as the coordinator computes it. */
    static int coordinatorPartition(String transactionalId, int logPartitions) {
        int hash = transactionalId.hashCode();
        return (hash == Integer.MIN_VALUE ? 0 : Math.abs(hash)) % logPartitions;
    }

    /** Waits until no transaction is in a Prepare state: the coordinator has sent (or skipped) every marker it owes. */
    private void awaitNoTransactionBeingDecided(long deadline) throws InterruptedException, TimeoutException {
        while (true) {
            Collection<TransactionListing> listings = call(() -> admin.listTransactions().all(), deadline);
            boolean deciding = listings.stream().anyMatch(l -> l.state() == TransactionState.PREPARE_COMMIT
                    || l.state() == TransactionState.PREPARE_ABORT || l.state() == TransactionState.PREPARE_EPOCH_FENCE);
            if (!deciding) {
                return;
            }
            pause(deadline, "the transaction coordinator to finish writing its markers");
        }
    }

    /** The producers with an open transaction on each partition that has one. */
    private Map<TopicPartition, List<ProducerState>> openTransactions(List<TopicPartition> partitions, long deadline)
            throws InterruptedException, TimeoutException {
        Map<TopicPartition, List<ProducerState>> open = new LinkedHashMap<>();
        call(() -> admin.describeProducers(partitions).all(), deadline).forEach((partition, producers) -> {
            List<ProducerState> states = producers.activeProducers().stream()
                    .filter(s -> s.currentTransactionStartOffset().isPresent()).toList();
            if (!states.isEmpty()) {
                open.put(partition, states);
            }
        });
        return open;
    }

    private short transactionVersion(long deadline) throws InterruptedException, TimeoutException {
        FinalizedVersionRange range = call(() -> admin.describeFeatures().featureMetadata(), deadline).finalizedFeatures().get(TRANSACTION_VERSION);
        return range == null ? 0 : range.maxVersionLevel();
    }

    /**
     * The value of the admin call {@code request} makes; a failure (the coordinator still loading,
     * a leader moving) is retried until the deadline, then reported with its cause.
     */
    private static <T> T call(Supplier<KafkaFuture<T>> request, long deadline) throws InterruptedException, TimeoutException {
        while (true) {
            try {
                return request.get().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(POLL_MS) > deadline) {
                    TimeoutException timeout = new TimeoutException("an admin call kept failing: " + e.getCause());
                    timeout.initCause(e.getCause());
                    throw timeout;
                }
                Thread.sleep(POLL_MS);
            }
        }
    }

    private static void pause(long deadline, String what) throws InterruptedException, TimeoutException {
        if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(POLL_MS) > deadline) {
            throw new TimeoutException("gave up waiting for " + what);
        }
        Thread.sleep(POLL_MS);
    }
}
