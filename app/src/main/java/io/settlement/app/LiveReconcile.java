package io.settlement.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.contract.Topics;
import io.settlement.sink.tigerbeetle.LedgerClient;
import io.settlement.sink.tigerbeetle.reconcile.LiveReconciler;
import io.settlement.sink.tigerbeetle.reconcile.StoreBalance;
import io.settlement.sink.tigerbeetle.TigerBeetleConfig;
import io.settlement.sink.tigerbeetle.TigerBeetleSink;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconcile while traffic flows ({@link LiveReconciler}), as the app runs it: the stores' side from
 * their changelog ({@link StoreBalances}), the journal's committed end offsets and the TigerBeetle
 * sink's committed offsets through the Kafka admin client. {@code reconcile --live} runs one check;
 * {@code run} runs one every {@code tigerbeetle.reconcile.interval.ms} (default one minute; 0: off) when TigerBeetle is
 * configured, with the metrics {@code settlement.reconcile.differences} (differences found by the
 * last check that compared), {@code settlement.reconcile.in_flight} (accounts it could not compare
 * because they moved) and {@code settlement.reconcile.checks{outcome=agree|different|lagging|failed}}.
 */
final class LiveReconcile implements AutoCloseable {
    /** How long one check waits for the sink to reach the journal's end. */
    static final Duration SINK_WAIT = Duration.ofSeconds(30);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(LiveReconcile.class);

    private final ScheduledExecutorService scheduler;
    private final LazyLedger ledger;
    private final Admin admin;

    /** The TigerBeetle client, created on first use. */
    private static final class LazyLedger implements AutoCloseable {
        private final TigerBeetleConfig cluster;
        private LedgerClient client;

        LazyLedger(TigerBeetleConfig cluster) {
            this.cluster = cluster;
        }

        synchronized LedgerClient get() {
            if (client == null) {
                client = cluster.client();
            }
            return client;
        }

        @Override
        public synchronized void close() {
            if (client != null) {
                client.close();
            }
        }
    }

    private LiveReconcile(ScheduledExecutorService scheduler, LazyLedger ledger, Admin admin) {
        this.scheduler = scheduler;
        this.ledger = ledger;
        this.admin = admin;
    }

    /** The sources of one deployment: its changelog, its journal, the sink's consumer group. */
    static LiveReconciler.Sources sources(AppSettings settings, Topics topics, Admin admin) {
        String journal = topics.journal().name();
        return new LiveReconciler.Sources() {
            @Override
            public List<StoreBalance> storeRows() {
                return StoreBalances.read(settings);
            }

            @Override
            public Map<Integer, Long> journalEnds() {
                try {
                    TopicDescription description = admin.describeTopics(List.of(journal)).allTopicNames()
                            .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(journal);
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    description.partitions().forEach(p -> latest.put(new TopicPartition(journal, p.partition()), OffsetSpec.latest()));
                    Map<Integer, Long> ends = new HashMap<>();
                    admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                            .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                            .forEach((partition, info) -> ends.put(partition.partition(), info.offset()));
                    return ends;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                } catch (ExecutionException | TimeoutException e) {
                    throw new IllegalStateException("cannot read the end offsets of " + journal + ": " + e, e);
                }
            }

            @Override
            public Map<Integer, Long> sinkCommitted() {
                try {
                    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(TigerBeetleSink.GROUP_ID)
                            .partitionsToOffsetAndMetadata().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    Map<Integer, Long> committed = new HashMap<>();
                    offsets.forEach((partition, offset) -> {
                        if (offset != null && partition.topic().equals(journal)) {
                            committed.put(partition.partition(), offset.offset());
                        }
                    });
                    return committed;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                } catch (ExecutionException | TimeoutException e) {
                    throw new IllegalStateException("cannot read the offsets of group " + TigerBeetleSink.GROUP_ID + ": " + e, e);
                }
            }
        };
    }

    /** Starts the periodic check, or returns null when the cluster's reconcile interval is 0. */
    static LiveReconcile startPeriodic(AppSettings settings, Topics topics, TigerBeetleConfig cluster, MeterRegistry registry) {
        long interval = cluster.reconcileIntervalMs();
        if (interval <= 0) {
            return null;
        }
        AtomicLong differences = new AtomicLong();
        AtomicLong inFlight = new AtomicLong();
        Gauge.builder("settlement.reconcile.differences", differences, AtomicLong::get)
                .description("Differences between the stores and TigerBeetle found by the last live reconcile that compared")
                .register(registry);
        Gauge.builder("settlement.reconcile.in_flight", inFlight, AtomicLong::get)
                .description("Accounts the last live reconcile could not compare because they moved during it")
                .register(registry);
        Map<String, Counter> checks = new HashMap<>();
        for (String outcome : List.of("agree", "different", "lagging", "failed")) {
            checks.put(outcome, Counter.builder("settlement.reconcile.checks").tag("outcome", outcome).register(registry));
        }
        Admin admin = Admin.create(settings.kafkaClientProperties());
        // Host names are resolved, and the client created, at the first check: a replica not yet
        // resolvable when the app starts (docker compose) must not stop the app.
        LazyLedger ledger = new LazyLedger(cluster);
        LiveReconciler.Sources sources = sources(settings, topics, admin);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "live-reconcile");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                LiveReconciler.Report report = new LiveReconciler(sources, ledger.get(), Thread::sleep).check(SINK_WAIT);
                if (!report.sinkCaughtUp()) {
                    checks.get("lagging").increment();
                    log.info("{}", report.summary());
                    return;
                }
                differences.set(report.differences().size());
                inFlight.set(report.inFlight());
                checks.get(report.differences().isEmpty() ? "agree" : "different").increment();
                report.differences().forEach(difference -> log.error("live reconcile: DIFFERENCE {}", difference));
                log.info("{}", report.summary());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // TigerBeetle or Kafka did not answer, or a name did not resolve: try again next time.
                checks.get("failed").increment();
                log.warn("live reconcile failed: {}", e.toString());
            }
        }, interval, interval, TimeUnit.MILLISECONDS);
        return new LiveReconcile(scheduler, ledger, admin);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ledger.close();
        admin.close(Duration.ofSeconds(5));
    }
}
