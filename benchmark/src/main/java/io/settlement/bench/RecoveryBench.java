package io.settlement.bench;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Deposit;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import io.settlement.http.TokenMinter;
import io.settlement.testsupport.ForkedProcess;
import io.settlement.testsupport.FreePorts;
import io.settlement.topology.RocksDbSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The recovery benchmark: how long a {@code settlement run} instance takes to come back after a
 * SIGKILL under load, in one run on one embedded broker, for variants of the stores: transactional
 * state stores off, on with Kafka Streams' default RocksDB memtables (16 MB), and on with the
 * app's smaller memtables ({@link RocksDbSettings}), which flush often enough that a restart
 * replays only the tail of each changelog. For each variant it starts the app in a JVM of its own (the app's main
 * class on this classpath: the bench jar carries the app), fills the stores with one deposit per
 * user, keeps a steady stream of deposits coming, kills the instance with SIGKILL, starts it again
 * on the same state dir at once, and reports the time until {@code /health/ready} answers, until a
 * balance lookup answers, and until the instance settled again (its consumer lag back under one
 * second of load), and the changelog records it restored (its {@code /metrics}).
 *
 * <pre>java -cp benchmark/target/settlement-bench.jar io.settlement.bench.RecoveryBench --users 100000</pre>
 */
@Command(name = "bench-recovery", mixinStandardHelpOptions = true,
        description = "Recovery after SIGKILL: fill the stores, kill the instance under load, restart it, time it; "
                + "transactional state stores off and on.")
public final class RecoveryBench implements Callable<Integer> {
    /** The app's CLI, started by name: this module is below the app, which carries it in its jar. */
    static final String APP_MAIN = "io.settlement.app.SettlementCli";

    @Option(names = "--users", defaultValue = "100000", description = "Users filled, one deposit each; default: ${DEFAULT-VALUE}")
    int users;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of every topic; default: ${DEFAULT-VALUE}")
    int partitions;

    @Option(names = "--load-rate", defaultValue = "500", description = "Deposits per second while the instance is killed and restarted; default: ${DEFAULT-VALUE}")
    int loadRate;

    @Option(names = "--kill-after-s", defaultValue = "5", description = "Seconds of steady load before the SIGKILL; default: ${DEFAULT-VALUE}")
    int killAfterSeconds;

    @Option(names = "--variants", defaultValue = "off,on-16mb,on", split = ",",
            description = "Per variant, in order: transactional state stores off or on, and -<N>mb for RocksDB memtables of N MB "
                    + "instead of the app's (16 MB is Kafka Streams' default, under which a store may never flush before a crash); "
                    + "default: ${DEFAULT-VALUE}")
    List<String> variants;

    @Option(names = "--data-dir", defaultValue = "target/recovery-bench", description = "Broker data and state dirs (emptied first); default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Option(names = "--timeout-s", defaultValue = "900", description = "Seconds any one wait may take; default: ${DEFAULT-VALUE}")
    int timeoutSeconds;

    /** The issuer of the benchmark's tokens; {@code run} verifies them with the key pair's public half. */
    static final String TOKEN_ISSUER = "settlement-recovery-bench";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final KeyPair tokenKeys = TokenMinter.rsaKeyPair();
    /** A service token (reads every user and {@code /metrics}), sent on every request. */
    private final String authorization = "Bearer " + TokenMinter.rsa(tokenKeys.getPrivate(), TOKEN_ISSUER, "settlement-api")
            .service("recovery-bench", Duration.ofDays(1));

    /** One variant's measurements, in milliseconds from the restart. */
    record Recovery(String variant, int users, long fillMs, long readyMs, long lookupMs, long settledMs, long restartRestored, long firstStartRestored) {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new RecoveryBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path root = dataDir.toAbsolutePath();
        BenchCluster.deleteRecursively(root);
        Files.createDirectories(root);
        Path publicKey = Files.writeString(root.resolve("token-public-key.pem"), TokenMinter.publicKeyPem(tokenKeys.getPublic()));
        Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);
        List<Recovery> recoveries = new ArrayList<>();
        try (BenchCluster cluster = BenchCluster.open(Optional.empty(), root, false);
             KafkaProducer<byte[], byte[]> producer = producer(cluster.bootstrapServers())) {
            Map<String, Integer> layout = new HashMap<>();
            topics.all().forEach(name -> layout.put(name, partitions));
            cluster.createTopics(layout);
            System.out.printf("Recovery benchmark: %d users, %d partitions, %d deposits/s under the kill, variants %s (%s, %d cores)%n",
                    users, partitions, loadRate, variants, Instant.now(), Runtime.getRuntime().availableProcessors());
            boolean filled = false;
            for (String variant : variants) {
                recoveries.add(measure(variant, cluster, topics, producer, !filled, root, publicKey));
                filled = true;
            }
        }
        System.out.printf("%n%-10s %8s %9s %12s %12s %12s %16s %16s%n", "stores", "users", "fill s", "ready ms", "lookup ms", "settled ms",
                "restored@restart", "restored@first");
        for (Recovery r : recoveries) {
            System.out.printf(Locale.ROOT, "%-10s %8d %9.1f %12d %12d %12d %16d %16d%n", r.variant(), r.users(), r.fillMs() / 1000.0,
                    r.readyMs(), r.lookupMs(), r.settledMs(), r.restartRestored(), r.firstStartRestored());
        }
        return 0;
    }

    private Recovery measure(String variant, BenchCluster cluster, Topics topics, KafkaProducer<byte[], byte[]> producer, boolean fill, Path root,
            Path publicKey)
            throws Exception {
        Matcher shape = VARIANT.matcher(variant);
        if (!shape.matches()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "a variant is off, on or on-<N>mb, not " + variant);
        }
        boolean transactional = shape.group(1).equals("on");
        long memtableBytes = shape.group(2) == null ? RocksDbSettings.MEMTABLE_BYTES : Long.parseLong(shape.group(2)) * 1024 * 1024;
        String applicationId = "recovery-" + variant;
        int port = FreePorts.freePort();
        List<String> args = List.of("run",
                "--set", "application.id=" + applicationId,
                "--set", "bootstrap.servers=" + cluster.bootstrapServers(),
                "--set", "state.dir=" + root.resolve("state-" + variant),
                "--set", "http.host=127.0.0.1",
                "--set", "http.port=" + port,
                "--set", "topic.partitions=" + partitions,
                "--set", "topic.replication.factor=1",
                "--set", "num.standby.replicas=0",
                "--set", "auth.public.key.file=" + publicKey,
                "--set", "auth.issuer=" + TOKEN_ISSUER,
                "--set", "streams.main.consumer.group.instance.id=" + applicationId,
                "--set", "streams.enable.transactional.statestores=" + transactional,
                "--set", "streams." + RocksDbSettings.MEMTABLE_BYTES_CONFIG + "=" + memtableBytes,
                // A budget no variant's memtables reach (its half, three memtables of each of the nine stores on each
                // partition), so RocksDB flushes them when full, never early: the variants compare memtable sizes alone.
                "--set", "rocksdb.memory.bytes=" + Math.max(RocksDbSettings.MEMORY_BYTES_DEFAULT, 2L * 3 * 9 * partitions * memtableBytes),
                // The bench cluster has one replica per topic, which run refuses unless told.
                "--allow-unsafe-durability");
        String base = "http://127.0.0.1:" + port;
        Path log = root.resolve("instance-" + variant + ".log");
        System.out.printf("%n[%s] transactional state stores %s, RocksDB memtables of %d MB; instance log %s%n", variant, transactional,
                memtableBytes / 1024 / 1024, log);

        ForkedProcess instance = start(args, log);
        long startNs = System.nanoTime();
        awaitStatus(base + "/health/ready", instance);
        if (fill) {
            for (int user = 1; user <= users; user++) {
                send(producer, topics, "fill-" + user, user);
            }
            producer.flush();
        }
        awaitLagAtMost(cluster, applicationId, topics, 0);
        long fillMs = (System.nanoTime() - startNs) / 1_000_000;
        long firstRestored = restored(base);
        System.out.printf("[%s] filled: %d users settled %.1f s after the start (%d changelog records restored at that start)%n",
                variant, users, fillMs / 1000.0, firstRestored);

        AtomicBoolean loading = new AtomicBoolean(true);
        Thread load = new Thread(() -> steadyLoad(producer, topics, variant, loading), "recovery-load");
        load.start();
        try {
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(killAfterSeconds));
            instance.kill();
            long restartNs = System.nanoTime();
            instance = start(args, log);
            long readyMs = awaitStatus(base + "/health/ready", instance) - restartNs;
            long lookupMs = awaitStatus(base + "/api/v1/users/1/balances", instance) - restartNs;
            awaitLagAtMost(cluster, applicationId, topics, loadRate);
            long settledMs = System.nanoTime() - restartNs;
            long restartRestored = restored(base);
            System.out.printf("[%s] after SIGKILL: ready %d ms, lookup %d ms, settled %d ms, %d changelog records restored%n",
                    variant, readyMs / 1_000_000, lookupMs / 1_000_000, settledMs / 1_000_000, restartRestored);
            return new Recovery(variant, users, fillMs, readyMs / 1_000_000, lookupMs / 1_000_000, settledMs / 1_000_000, restartRestored, firstRestored);
        } finally {
            loading.set(false);
            load.join(30_000);
            instance.stop(Duration.ofSeconds(60));
        }
    }

    private void steadyLoad(KafkaProducer<byte[], byte[]> producer, Topics topics, String variant, AtomicBoolean loading) {
        Random random = new Random(42);
        long intervalNs = 1_000_000_000L / Math.max(1, loadRate);
        long next = System.nanoTime();
        for (long n = 0; loading.get(); n++) {
            send(producer, topics, "load-" + variant + "-" + n, 1 + random.nextInt(users));
            next += intervalNs;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    private void send(KafkaProducer<byte[], byte[]> producer, Topics topics, String id, long user) {
        BalanceOperation deposit = new BalanceOperation(id, user, Instant.now(), new Deposit("BTC", 1_000L));
        byte[] key = UserPartitioner.keyBytes(user);
        String topic = topics.balanceOperations().name();
        producer.send(new ProducerRecord<>(topic, UserPartitioner.partitionOf(key, partitions), key,
                topics.balanceOperations().valueSerde().serializer().serialize(topic, deposit)));
    }

    /** Polls {@code url} until it answers 200; returns System.nanoTime() then. */
    private long awaitStatus(String url, ForkedProcess instance) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            if (!instance.isAlive()) {
                throw new IllegalStateException("the instance exited with " + instance.exitValue() + " (see its log)");
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).header("Authorization", authorization).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return System.nanoTime();
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(20); // a polling interval, not synchronisation: the condition is the answer above
        }
        throw new IllegalStateException(url + " did not answer 200 within " + timeoutSeconds + " s");
    }

    /** Waits until the group's lag over the command inputs is at most {@code records}. */
    private void awaitLagAtMost(BenchCluster cluster, String group, Topics topics, long records) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        try (Admin admin = cluster.admin()) {
            List<TopicPartition> inputs = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                inputs.add(new TopicPartition(topics.balanceOperations().name(), p));
            }
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                        .get(30, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                inputs.forEach(partition -> latest.put(partition, OffsetSpec.latest()));
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
                long lag = 0;
                for (TopicPartition partition : inputs) {
                    OffsetAndMetadata offset = committed.get(partition);
                    lag += ends.get(partition).offset() - (offset == null ? 0 : offset.offset());
                }
                if (lag <= records) {
                    return;
                }
                Thread.sleep(100); // a polling interval
            }
        }
        throw new IllegalStateException("group " + group + " did not catch up within " + timeoutSeconds + " s");
    }

    /** A variant: transactional stores off or on, and optionally the memtable size in MB (default {@link RocksDbSettings#MEMTABLE_BYTES}). */
    private static final Pattern VARIANT = Pattern.compile("(off|on)(?:-([0-9]{1,5})mb)?");

    private static final Pattern RESTORED = Pattern.compile("^settlement_restore_records_total(?:\\{[^}]*\\})? ([0-9.E+]+)$", Pattern.MULTILINE);

    /** The changelog records the instance restored since it started, over every store, from its /metrics; -1 if none is reported. */
    private long restored(String base) throws InterruptedException {
        try {
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(10))
                            .header("Authorization", authorization).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher matcher = RESTORED.matcher(metrics);
            long restored = -1;
            while (matcher.find()) { // one line per store
                restored = Math.max(restored, 0) + (long) Double.parseDouble(matcher.group(1));
            }
            return restored;
        } catch (IOException e) {
            return -1;
        }
    }

    private static ForkedProcess start(List<String> args, Path log) {
        List<String> command = new ArrayList<>();
        command.add(ForkedProcess.java());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(APP_MAIN);
        command.addAll(args);
        return ForkedProcess.start("instance", command, null, log).destroyOnExit();
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
