package io.settlement.app.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.sink.Health;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches for hanging transactions on the app's topics: a partition whose last stable offset
 * (what {@code read_committed} readers, Kafka Streams included, may read up to) has stood still
 * behind its end offset for longer than {@code threshold}. A transaction open that long has
 * outlived any producer's transaction timeout, so its coordinator has lost it (a broker bug, a
 * coordinator that moved while partitions had no leader); until it is completed every
 * {@code read_committed} reader of that partition stops there, and settlement with it.
 *
 * <p>Each round, on a thread of its own every {@code interval}, it lists the watched topics'
 * partitions and reads their offsets twice with the Admin client ({@code listOffsets} latest under
 * {@code READ_COMMITTED}: the last stable offset; under {@code READ_UNCOMMITTED}: the end offset):
 * three requests to the cluster whatever the partition count, each bounded by a timeout, and a
 * round never overlaps the next. It only reads; what to do is in docs/operations.md.
 */
public final class HangingTransactionWatch implements AutoCloseable {
    /** The component's name in {@code GET /health}. */
    public static final String COMPONENT = "hanging-transactions";
    /** How many partitions the health detail names; the count is always complete. */
    static final int NAMED_MAX = 10;
    private static final Logger log = LoggerFactory.getLogger(HangingTransactionWatch.class);

    private final Admin admin;
    private final Collection<String> topics;
    private final String internalTopicPrefix;
    private final Duration threshold;
    private final int requestTimeoutMs;
    private final LongSupplier nanoTime;
    private final ScheduledExecutorService thread;
    private final Counter checksOk;
    private final Counter checksFailed;
    /** Per partition: its last stable offset when last seen, and since when it has stood there (nanoTime). */
    private final Map<TopicPartition, long[]> stable = new HashMap<>();

    private volatile List<Stalled> hanging = List.of();
    private volatile double longestStalledSeconds;
    private volatile String lastCheck = "not checked yet";
    private volatile String lastFailure;

    /** A partition whose last stable offset stands behind its end offset. */
    record Stalled(TopicPartition partition, long lastStable, long end, Duration stalledFor) {
        String describe() {
            return partition + " last stable offset " + lastStable + ", end offset " + end + ", for " + stalledFor.toSeconds() + " s";
        }
    }

    private HangingTransactionWatch(Admin admin, Collection<String> topics, String internalTopicPrefix, Duration threshold,
            Duration interval, MeterRegistry registry, LongSupplier nanoTime) {
        this.admin = admin;
        this.topics = List.copyOf(topics);
        this.internalTopicPrefix = internalTopicPrefix;
        this.threshold = threshold;
        // A round must end before the next is due, and never wait on the cluster for long.
        this.requestTimeoutMs = (int) Math.max(1_000, Math.min(interval.toMillis(), 30_000));
        this.nanoTime = nanoTime;
        Gauge.builder("settlement.transactions.hanging.partitions", this, watch -> watch.hanging.size())
                .description("Partitions of the app's topics whose last stable offset has stood behind the end offset longer than "
                        + "hanging.transactions.threshold.ms: a transaction its coordinator lost")
                .register(registry);
        Gauge.builder("settlement.transactions.stalled.seconds", this, watch -> watch.longestStalledSeconds)
                .description("The longest time a watched partition's last stable offset has stood behind its end offset (0 when none)")
                .register(registry);
        this.checksOk = Counter.builder("settlement.transactions.checks").tag("outcome", "ok")
                .description("Rounds of the hanging transaction check").register(registry);
        this.checksFailed = Counter.builder("settlement.transactions.checks").tag("outcome", "failed")
                .description("Rounds of the hanging transaction check").register(registry);
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "settlement-hanging-transactions");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::checkSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Starts watching {@code topics} and the Kafka Streams internal topics starting with
     * {@code internalTopicPrefix} (changelogs and repartition topics: a hanging transaction there
     * stops a restore); {@code clientProperties} are the Kafka client settings of the app's other clients.
     */
    public static HangingTransactionWatch start(Properties clientProperties, Collection<String> topics, String internalTopicPrefix,
            Duration threshold, Duration interval, MeterRegistry registry) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "settlement-hanging-transactions");
        return new HangingTransactionWatch(Admin.create(props), topics, internalTopicPrefix, threshold, interval, registry, System::nanoTime);
    }

    /** For {@code GET /health}: DEGRADED while a partition hangs (settlement stops there), UP otherwise. */
    public Health health() {
        List<Stalled> now = hanging;
        String failure = lastFailure == null ? "" : "; the last check failed: " + lastFailure;
        if (now.isEmpty()) {
            return Health.up("none (" + lastCheck + ", threshold " + threshold.toSeconds() + " s)" + failure);
        }
        List<String> named = now.stream().limit(NAMED_MAX).map(Stalled::describe).toList();
        String more = now.size() > NAMED_MAX ? "; and " + (now.size() - NAMED_MAX) + " more" : "";
        return Health.degraded("HANGING on " + now.size() + " partition(s), last stable offset still for longer than "
                + threshold.toSeconds() + " s: " + String.join("; ", named) + more
                + " (kafka-transactions.sh find-hanging; docs/operations.md)" + failure);
    }

    private void checkSafely() {
        try {
            check();
            lastFailure = null;
            checksOk.increment();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // The previous answer stands; health says the check failed.
            lastFailure = e instanceof ExecutionException && e.getCause() != null ? e.getCause().toString() : e.toString();
            checksFailed.increment();
            log.debug("hanging transaction check failed", e);
        }
    }

    private void check() throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = get(admin.listTopics().names());
        List<String> watched = new ArrayList<>(topics.stream().filter(existing::contains).toList());
        existing.stream().filter(name -> name.startsWith(internalTopicPrefix)
                && (name.endsWith("-changelog") || name.endsWith("-repartition"))).sorted().forEach(watched::add);
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        if (!watched.isEmpty()) {
            for (TopicDescription description : get(admin.describeTopics(watched).allTopicNames()).values()) {
                description.partitions().forEach(p -> partitions.put(new TopicPartition(description.name(), p.partition()), OffsetSpec.latest()));
            }
        }
        // The end first: a transaction that commits between the two reads then shows no gap, never a false one.
        Map<TopicPartition, ListOffsetsResultInfo> ends = partitions.isEmpty() ? Map.of()
                : get(admin.listOffsets(partitions, options(IsolationLevel.READ_UNCOMMITTED)).all());
        Map<TopicPartition, ListOffsetsResultInfo> stables = partitions.isEmpty() ? Map.of()
                : get(admin.listOffsets(partitions, options(IsolationLevel.READ_COMMITTED)).all());
        long now = nanoTime.getAsLong();
        List<Stalled> found = new ArrayList<>();
        long longest = 0;
        stable.keySet().retainAll(partitions.keySet());
        for (TopicPartition partition : partitions.keySet()) {
            ListOffsetsResultInfo end = ends.get(partition);
            ListOffsetsResultInfo lastStable = stables.get(partition);
            if (end == null || lastStable == null) {
                continue;
            }
            long[] seen = stable.get(partition);
            if (seen == null || seen[0] != lastStable.offset() || lastStable.offset() >= end.offset()) {
                // It moved, or nothing waits behind it: the clock starts again.
                stable.put(partition, new long[] {lastStable.offset(), now});
                continue;
            }
            long stalledNs = now - seen[1];
            longest = Math.max(longest, stalledNs);
            if (stalledNs > threshold.toNanos()) {
                found.add(new Stalled(partition, lastStable.offset(), end.offset(), Duration.ofNanos(stalledNs)));
            }
        }
        found.sort(java.util.Comparator.comparing((Stalled s) -> s.partition().topic()).thenComparingInt(s -> s.partition().partition()));
        if (!found.isEmpty() && found.size() != hanging.size()) {
            log.warn("Hanging transactions: {} partition(s) with a last stable offset still for longer than {} s: {}. "
                    + "read_committed readers stop there; see docs/operations.md", found.size(), threshold.toSeconds(),
                    String.join("; ", found.stream().limit(NAMED_MAX).map(Stalled::describe).toList()));
        } else if (found.isEmpty() && !hanging.isEmpty()) {
            log.info("Hanging transactions: none any more");
        }
        hanging = List.copyOf(found);
        longestStalledSeconds = longest / 1e9;
        lastCheck = partitions.size() + " partitions checked at " + Instant.now();
    }

    private ListOffsetsOptions options(IsolationLevel isolation) {
        return new ListOffsetsOptions(isolation).timeoutMs(requestTimeoutMs);
    }

    private <T> T get(KafkaFuture<T> future) throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(requestTimeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Stops the thread and closes the Admin client. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(requestTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(5));
    }
}
