package io.settlement.app;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.StreamsGroupDescription;
import org.apache.kafka.clients.admin.StreamsGroupMemberDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the open transaction of an instance that died, as soon as the group has dropped it, instead
 * of waiting for the broker to time it out.
 *
 * <p>Why: with exactly-once every instance's stream thread writes in a transaction of its own
 * ({@code transactional.id} = application id, the instance's process id, the thread's index). An
 * instance killed mid-transaction leaves that transaction open, and read-committed readers of
 * every partition it wrote (results, journal, changelogs, repartition topics) stop at its first
 * record until it ends. The instance that takes the partitions over has another transactional id,
 * so nothing fences the dead one: the broker aborts it only when {@code transaction.timeout.ms}
 * (Kafka Streams: 10 s) has passed <em>and</em> its periodic check next runs
 * ({@code transaction.abort.timed.out.transaction.cleanup.interval.ms}, 10 s by default): 10 to 20 s
 * after the kill, longer than the group takes to notice the crash.
 *
 * <p>What: whenever Kafka Streams starts a rebalance here (the group dropped or added a member),
 * and again after 1, 2 and 4 s, this lists the application's transactions that have been open for
 * at least {@link #OPEN_FOR} and fences ({@link Admin#fenceProducers}, which aborts the open
 * transaction) those whose process is not a member of the group. A live member is never fenced:
 * its process is in the group, and its transactions last about a commit interval (50 ms by default), far
 * under {@link #OPEN_FOR}. A process that is in the middle of rejoining has its transaction open for
 * less, or is fenced exactly as the broker's timeout would fence it, and Kafka Streams recovers
 * from that by itself (its tasks are re-initialised). Needs DESCRIBE on the group and DESCRIBE and
 * WRITE on the application's transactional ids, which the application has anyway
 * (docs/security.md, "A secured Kafka cluster"). A failure is logged and leaves the broker's timeout to do the job.
 */
final class AbandonedTransactions {
    private static final Logger log = LoggerFactory.getLogger(AbandonedTransactions.class);
    /** How long a transaction must have been open to be a candidate: many commit intervals. */
    static final Duration OPEN_FOR = Duration.ofSeconds(2);
    /** When after a rebalance starts the check runs (the group's view of its members settles within these). */
    private static final long[] CHECK_AFTER_MS = {0, 1_000, 2_000, 4_000};
    private static final long ADMIN_TIMEOUT_MS = 10_000;

    private final Admin admin;
    private final String applicationId;
    private final boolean streamsProtocol;
    private final Pattern transactionalIds;
    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "settlement-abandoned-transactions");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicInteger fenced = new AtomicInteger();
    private static final Pattern PROCESS_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /**
     * For one Kafka Streams client: its own admin client with {@code adminProperties}; it stops
     * with Kafka Streams ({@link #onStateChange} seeing {@code NOT_RUNNING} or {@code ERROR}).
     */
    static AbandonedTransactions forStreams(java.util.Properties adminProperties, String applicationId, String groupProtocol) {
        return new AbandonedTransactions(Admin.create(adminProperties), applicationId, "streams".equalsIgnoreCase(groupProtocol.trim()));
    }

    AbandonedTransactions(Admin admin, String applicationId, boolean streamsProtocol) {
        this.admin = admin;
        this.applicationId = applicationId;
        this.streamsProtocol = streamsProtocol;
        this.transactionalIds = transactionalIdPattern(applicationId);
    }

    /** Kafka Streams' exactly-once v2 transactional ids of {@code applicationId}: the process id is group 1. */
    static Pattern transactionalIdPattern(String applicationId) {
        return Pattern.compile(Pattern.quote(applicationId) + "-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-\\d+");
    }

    /** For Kafka Streams' state listener: schedules the checks when a rebalance starts, stops when Kafka Streams stops. */
    void onStateChange(KafkaStreams.State newState, KafkaStreams.State oldState) {
        if (newState == KafkaStreams.State.NOT_RUNNING || newState == KafkaStreams.State.ERROR) {
            close();
            return;
        }
        if (newState == KafkaStreams.State.REBALANCING && oldState != KafkaStreams.State.REBALANCING) {
            for (long delay : CHECK_AFTER_MS) {
                try {
                    checks.schedule(this::fenceAbandoned, delay, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    return;
                }
            }
        }
    }

    /** How many transactional ids this instance fenced so far. */
    int fenced() {
        return fenced.get();
    }

    /** One check: the open transactions of processes outside the group are fenced. Returns the ids fenced. */
    Set<String> fenceAbandoned() {
        try {
            // Transactions first, members second: a process that joins in between is seen as a member.
            Set<String> candidates = new HashSet<>();
            for (TransactionListing listing : admin.listTransactions(new ListTransactionsOptions()
                            .filterStates(List.of(TransactionState.ONGOING))
                            .filterOnDuration(OPEN_FOR.toMillis()))
                    .all().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                if (transactionalIds.matcher(listing.transactionalId()).matches()) {
                    candidates.add(listing.transactionalId());
                }
            }
            if (candidates.isEmpty()) {
                return Set.of();
            }
            Set<String> members = memberProcesses();
            if (members.isEmpty()) {
                return Set.of(); // no member, or one whose process cannot be told: nothing can be called abandoned
            }
            Set<String> abandoned = new HashSet<>();
            for (String id : candidates) {
                Matcher matcher = transactionalIds.matcher(id);
                if (matcher.matches() && members.stream().noneMatch(member -> member.contains(matcher.group(1)))) {
                    abandoned.add(id);
                }
            }
            if (abandoned.isEmpty()) {
                return Set.of();
            }
            admin.fenceProducers(abandoned).all().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            fenced.addAndGet(abandoned.size());
            log.info("Fenced the open transactions of {}: their process is no longer in group {} (a crashed instance);"
                    + " read-committed readers of what they wrote go on now instead of after the transaction timeout", abandoned, applicationId);
            return abandoned;
        } catch (ExecutionException e) {
            log.warn("Could not check for transactions of crashed instances; the broker's transaction timeout ends them", e.getCause());
        } catch (TimeoutException | RuntimeException e) {
            log.warn("Could not check for transactions of crashed instances; the broker's transaction timeout ends them", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Set.of();
    }

    /** What identifies each member's process: its process id (streams protocol) or client id (classic: it holds the process id). */
    private Set<String> memberProcesses() throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> processes = new HashSet<>();
        try {
            if (streamsProtocol) {
                StreamsGroupDescription group = admin.describeStreamsGroups(List.of(applicationId)).all()
                        .get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS).get(applicationId);
                for (StreamsGroupMemberDescription member : group.members()) {
                    processes.add(member.processId());
                    processes.add(member.clientId());
                }
            } else {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(applicationId)).all()
                        .get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS).get(applicationId);
                for (MemberDescription member : group.members()) {
                    if (!PROCESS_ID.matcher(member.clientId()).find()) {
                        // a client.id of the operator's: which process a transaction belongs to cannot be told
                        return Set.of();
                    }
                    processes.add(member.clientId());
                }
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                throw e;
            }
        }
        return processes;
    }

    /** Stops the checks and closes the admin client (on the checks' thread: never blocks Kafka Streams' thread). */
    void close() {
        try {
            checks.execute(() -> admin.close(Duration.ofSeconds(5)));
        } catch (java.util.concurrent.RejectedExecutionException alreadyClosed) {
            return;
        }
        checks.shutdown();
    }
}
