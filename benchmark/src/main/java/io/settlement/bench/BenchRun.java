package io.settlement.bench;

import com.sun.management.OperatingSystemMXBean;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.topology.RunningStores;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.SettlementTopology;
import io.settlement.testsupport.FreePorts;
import io.settlement.testsupport.TigerBeetleProcess;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.ToIntFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settlement.http.HealthChecks;
import io.settlement.http.ApiSecurity;
import io.settlement.http.AuthSettings;
import io.settlement.http.HttpApi;
import io.settlement.http.TokenMinter;
import io.settlement.http.HttpApiConfig;
import io.settlement.http.KafkaCommandPublisher;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;

/**
 * One benchmark run, start to verdict: the pass-through ceiling, then the settlement topology
 * (built by {@link SettlementTopology#build} with the app's Streams settings) under workload A
 * (deposits and transfers), B (the trading mix) and C (the ScyllaDB sink, when configured and
 * reachable), each at full speed and at half its measured peak; every workload verified (one
 * result per command, the invariants) before the next starts.
 */
public final class BenchRun {
    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    /** Workload B's traders: a tenth of the users (each pays a funding deposit and transfer before its first trade). */
    static final int TRADERS_PER_USERS = 10;
    /** The most commands a warm-up sends by default. */
    static final int WARM_UP_MAX = 20_000;
    /** The most trades workload B's trades-only phase sends (its appends per trade); a quarter of a run when that is fewer. */
    static final int TRADES_ONLY_MAX = 5_000;
    /** How often, at most, the end offsets are read while waiting for them to stop moving. */
    private static final int SETTLE_READS_MAX = 50;

    private final BenchSettings settings;
    private final String nonce = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
    private final BenchReport report = new BenchReport();
    private final java.io.PrintStream log;
    private int runs;
    /** The commands of the workloads that verified: the HTTP load looks their users and results up. */
    private final List<Workload> verified = new ArrayList<>();
    /** The topics the benchmark created (inputs and outputs of both topologies). */
    private final java.util.Set<String> createdTopics = new java.util.HashSet<>();

    public BenchRun(BenchSettings settings, java.io.PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    public BenchReport execute() throws InterruptedException {
        report.environment.put("date", Instant.now().toString());
        report.environment.put("processors", Runtime.getRuntime().availableProcessors());
        report.environment.put("loadAverage1mAtStart", OS.getSystemLoadAverage());
        report.environment.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        report.environment.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        report.environment.put("settings", settings.forReport());
        try (BenchCluster cluster = BenchCluster.open(settings.bootstrapServers(), settings.dataDir(), settings.brokerInOwnProcess())) {
            report.environment.put("kafka", cluster.description());
            String prefix = cluster.embedded() ? "" : "bench-" + nonce + ".";
            Topics topics = prefixed(Topics.create(AvroSerdes.SINGLE_OBJECT), prefix);
            String ceilingIn = prefix + PassThroughCeiling.INPUT;
            String ceilingOut = prefix + PassThroughCeiling.OUTPUT;
            Map<String, Integer> layout = new LinkedHashMap<>();
            topics.all().forEach(topic -> layout.put(topic, settings.partitions()));
            layout.put(ceilingIn, settings.partitions());
            layout.put(ceilingOut, settings.partitions());
            cluster.createTopics(layout);
            createdTopics.addAll(layout.keySet());
            try (CommandSender sender = new CommandSender(cluster.bootstrapServers())) {
                double ceiling = ceiling(cluster, sender, topics, ceilingIn, ceilingOut);
                settlement(cluster, sender, topics, ceiling);
            }
        }
        report.environment.put("loadAverage1mAtEnd", OS.getSystemLoadAverage());
        return report;
    }

    /** The pass-through ceiling at full speed and at half its peak; returns its full-speed records/s. */
    private double ceiling(BenchCluster cluster, CommandSender sender, Topics topics, String input, String output) throws InterruptedException {
        log.println("== ceiling: exactly-once pass-through, " + settings.partitions() + " partitions");
        DepositsAndTransfers generator = new DepositsAndTransfers(settings.seed(), 1, settings.users());
        Properties properties = BenchStreams.properties(applicationIds().get(0), cluster.bootstrapServers(),
                stateDir("ceiling"), settings.streamThreads(), topics.deadLetters().name());
        properties.putAll(settings.streamsOverrides());
        try (StreamsInstance ceiling = StreamsInstance.start(PassThroughCeiling.topology(input, output), properties)) {
            if (settings.warmUpCommands() > 0) {
                Workload warmUp = generator.generate("ceiling", topics, settings.partitions(), idPrefix("C"), settings.warmUpCommands(), Instant.now());
                measure("ceiling warm-up", cluster, sender, warmUp, input, output, CommandSender::slotFromHeader, 0, ceiling);
            }
            Workload full = generator.generate("ceiling", topics, settings.partitions(), idPrefix("C"), settings.commandsMax(), Instant.now());
            TopicAppends.Ends before = appends(cluster);
            RunReport peak = measure("ceiling full", cluster, sender, full, input, output, CommandSender::slotFromHeader, 0, ceiling);
            recordAppends("ceiling full", cluster, before, peak.commands());
            report.runs.add(peak.withCeiling(peak.commandsPerSecond()));
            if (settings.fixedRate() && peak.complete()) {
                double rate = peak.commandsPerSecond() / 2;
                Workload half = generator.generate("ceiling", topics, settings.partitions(), idPrefix("C"), fixedRateCount(rate), Instant.now());
                RunReport steady = measure("ceiling half-peak", cluster, sender, half, input, output, CommandSender::slotFromHeader, rate, ceiling);
                report.runs.add(steady.withCeiling(peak.commandsPerSecond()));
            }
            return peak.commandsPerSecond();
        }
    }

    private void settlement(BenchCluster cluster, CommandSender sender, Topics topics, double ceiling) throws InterruptedException {
        SettlementConfig config = SettlementConfig.defaults(settings.partitions());
        StreamsBuilder builder = new StreamsBuilder();
        // As the app builds it: its processors tell the lookups which store partitions run here.
        RunningStores running = RunningStores.tracked();
        SettlementTopology.build(builder, topics, config, running);
        Properties properties = BenchStreams.properties(applicationIds().get(1), cluster.bootstrapServers(),
                stateDir("settlement"), settings.streamThreads(), topics.deadLetters().name());
        properties.putAll(settings.streamsOverrides());
        HttpApiConfig http = HttpApiConfig.of("127.0.0.1", "127.0.0.1", FreePorts.freePort());
        if (settings.httpRequestsMax() > 0) {
            // The API answers a key locally only when its active host is this instance's application.server.
            properties.put(StreamsConfig.APPLICATION_SERVER_CONFIG, http.applicationServerConfig());
        }
        Topology topology = builder.build(properties);
        if (!reads(topology, topics.balanceOperations().name())) {
            report.fail("the settlement topology has no balance processor (it reads no " + topics.balanceOperations().name() + ")");
            return;
        }
        log.println("== settlement topology, " + settings.partitions() + " partitions, " + settings.streamThreads() + " stream thread(s)");
        try (StreamsInstance instance = StreamsInstance.start(topology, properties)) {
            if (settings.runs('A')) {
                DepositsAndTransfers generator = new DepositsAndTransfers(settings.seed() + 1, 1, settings.users());
                workload("A", cluster, sender, topics, ceiling, instance,
                        (name, count) -> generator.generate(name, topics, settings.partitions(), idPrefix(name), count, Instant.now()));
            }
            if (settings.runs('B')) {
                if (!reads(topology, topics.trades().name())) {
                    report.skipped.add("B: the topology has no trade coordinator yet (it reads no " + topics.trades().name() + ")");
                } else {
                    int traders = Math.max(2, settings.users() / TRADERS_PER_USERS);
                    TradingMix generator = new TradingMix(settings.seed() + 2, settings.users() + 1L, traders, 3L * settings.users() + 1);
                    workload("B", cluster, sender, topics, ceiling, instance, new Generator() {
                        @Override
                        public Workload generate(String name, int count) {
                            return generator.generate(name, topics, settings.partitions(), idPrefix(name), count, Instant.now());
                        }

                        @Override
                        public java.util.Optional<TradingMix.TradesOnly> tradesOnly() {
                            return java.util.Optional.of(generator.tradesOnly("B trades only", "Bo", topics, settings.partitions(),
                                    BenchRun.this::idPrefix, tradesOnlyCount(), Instant.now()));
                        }

                        @Override
                        public List<java.util.function.Supplier<Workload>> setUp() {
                            return List.of(
                                    () -> generator.fundingDeposits("B funding deposits", topics, settings.partitions(), idPrefix("Bd"), Instant.now()),
                                    () -> generator.fundingTransfers("B funding transfers", topics, settings.partitions(), idPrefix("Bt"), Instant.now()));
                        }
                    });
                }
            }
            if (settings.runs('C')) {
                sinkRun(cluster, topics);
            }
            if (settings.runs('T')) {
                tigerBeetleRun(cluster, topics);
            }
            if (settings.httpRequestsMax() > 0) {
                httpLoad(cluster, instance, running, topics, config, http);
            }
        }
    }

    private interface Generator {
        Workload generate(String name, int count);

        /** Unmeasured phases before the runs, each answered before the next is sent. */
        default List<java.util.function.Supplier<Workload>> setUp() {
            return List.of();
        }

        /** Phases after the runs whose middle one sends trades only, to count appends per trade; empty when the workload has no trades. */
        default java.util.Optional<TradingMix.TradesOnly> tradesOnly() {
            return java.util.Optional.empty();
        }
    }

    private void workload(String name, BenchCluster cluster, CommandSender sender, Topics topics, double ceiling,
                          StreamsInstance instance, Generator generator) throws InterruptedException {
        log.println("-- workload " + name);
        int partitions = settings.partitions();
        Map<TopicPartition, Long> resultsFrom = ResultScan.endOffsets(cluster.bootstrapServers(), topics.results().name(), partitions);
        Map<TopicPartition, Long> deadLettersFrom = ResultScan.endOffsets(cluster.bootstrapServers(), topics.deadLetters().name(), partitions);
        List<Workload> sent = new ArrayList<>();
        for (java.util.function.Supplier<Workload> phase : generator.setUp()) {
            Workload setUp = phase.get();
            RunReport done = measure(setUp.name(), cluster, sender, setUp, null, topics.results().name(), slotFromResultKey(setUp), 0, instance);
            sent.add(setUp.prefix((int) done.commands()));
        }
        if (settings.warmUpCommands() > 0) {
            // Warms the JIT for this workload's code paths; its results are verified with the rest.
            Workload warmUp = generator.generate(name + "w", settings.warmUpCommands());
            RunReport warm = measure(name + " warm-up", cluster, sender, warmUp, null, topics.results().name(), slotFromResultKey(warmUp), 0, instance);
            sent.add(warmUp.prefix((int) warm.commands()));
        }
        Workload full = generator.generate(name, settings.commandsMax());
        TopicAppends.Ends before = appends(cluster);
        RunReport peak = measure(name + " full", cluster, sender, full, null, topics.results().name(), slotFromResultKey(full), 0, instance);
        recordAppends(name + " full", cluster, before, peak.commands());
        report.runs.add(peak.withCeiling(ceiling));
        sent.add(full.prefix((int) peak.commands()));
        if (settings.fixedRate() && peak.complete()) {
            double rate = peak.commandsPerSecond() / 2;
            Workload half = generator.generate(name + "h", fixedRateCount(rate));
            RunReport steady = measure(name + " half-peak", cluster, sender, half, null, topics.results().name(), slotFromResultKey(half), rate, instance);
            report.runs.add(steady.withCeiling(ceiling));
            sent.add(half.prefix((int) steady.commands()));
        }
        if (peak.complete()) {
            java.util.Optional<TradingMix.TradesOnly> tradesOnly = generator.tradesOnly();
            if (tradesOnly.isPresent()) {
                sent.addAll(tradesOnly(cluster, sender, topics, instance, tradesOnly.get()));
            }
        }
        ResultScan.Verdict results = ResultScan.verify(cluster.bootstrapServers(), topics.results(), partitions, resultsFrom, sent);
        Invariants.Check invariants = Invariants.check(instance.streams());
        Map<String, Long> deadLettersByReason = ResultScan.deadLettersByReason(cluster.bootstrapServers(), topics.deadLetters().name(),
                partitions, deadLettersFrom);
        long deadLetters = deadLettersByReason.values().stream().mapToLong(Long::longValue).sum();
        long wrongPartitionLetters = deadLettersByReason.getOrDefault(io.settlement.avro.Reason.WRONG_PARTITION.name(), 0L);
        long wrongPartition = sent.stream().flatMap(workload -> workload.commands().stream())
                .filter(command -> command.expected().reason() == io.settlement.avro.Reason.WRONG_PARTITION).count();
        List<String> problems = new ArrayList<>(results.problems());
        problems.addAll(invariants.violations());
        if (wrongPartitionLetters < wrongPartition) {
            problems.add(wrongPartition + " records were sent to a wrong partition but only " + wrongPartitionLetters
                    + " WRONG_PARTITION dead letters appeared " + deadLettersByReason);
        }
        if (instance.failure() != null) {
            problems.add("a stream thread died: " + instance.failure());
        }
        boolean ok = problems.isEmpty();
        if (ok) {
            verified.addAll(sent);
        }
        report.verifications.add(new BenchReport.Verification(name, ok, results, invariants, deadLetters, deadLettersByReason, problems));
        if (!ok) {
            report.fail("workload " + name + " failed verification: " + problems.get(0));
        }
        log.printf("   verified %s: %d results for %d commands (%d documented duplicates), %d rejected, invariants over %d accounts %s%n",
                ok ? "OK" : "FAILED", results.results(), results.commands(), results.documentedDuplicates(), results.rejected(),
                invariants.accounts(), invariants.ok() ? "hold" : "BROKEN");
    }

    /**
     * The end offsets of every topic of this run's (inputs, outputs, both applications' own, Kafka's
     * internal ones when the broker is ours); null, said in the log, when they cannot be read.
     */
    private TopicAppends.Ends appends(BenchCluster cluster) {
        try (Admin admin = cluster.admin()) {
            return TopicAppends.ends(admin, topic -> createdTopics.contains(topic)
                    || applicationIds().stream().anyMatch(id -> topic.startsWith(id + "-"))
                    || cluster.embedded() && TopicAppends.KAFKA_INTERNAL.contains(topic));
        } catch (RuntimeException e) {
            log.println("   appends per command not measured: " + e.getMessage());
            return null;
        }
    }

    private void recordAppends(String run, BenchCluster cluster, TopicAppends.Ends before, long commands) {
        TopicAppends.Ends after = before == null || commands == 0 ? null : appends(cluster);
        if (after == null) {
            return;
        }
        Map<String, Double> perCommand = TopicAppends.perCommand(before, after, commands,
                topic -> TopicAppends.label(topic, applicationIds()));
        report.appendsPerCommand.put(run, perCommand);
        log.println("   appends per command: " + TopicAppends.line(perCommand));
    }

    /**
     * The trades-only phases ({@link TradingMix#tradesOnly}), each answered before the next is sent;
     * what the broker appended while the trades phase ran, once it settled, divided by its trades is
     * the appends per trade. Returns what was sent, verified with the rest of the workload.
     */
    private List<Workload> tradesOnly(BenchCluster cluster, CommandSender sender, Topics topics, StreamsInstance instance,
                                      TradingMix.TradesOnly phases) throws InterruptedException {
        List<Workload> sent = new ArrayList<>();
        boolean whole = true;
        for (Workload phase : phases.before()) {
            if (phase.size() > 0) {
                RunReport done = measure(phase.name(), cluster, sender, phase, null, topics.results().name(), slotFromResultKey(phase), 0, instance);
                sent.add(phase.prefix((int) done.commands()));
                whole &= done.complete() && done.commands() == phase.size();
            }
        }
        Workload trades = phases.trades();
        TopicAppends.Ends before = whole ? settledEnds(cluster, instance) : null;
        RunReport run = measure(trades.name(), cluster, sender, trades, null, topics.results().name(), slotFromResultKey(trades), 0, instance);
        sent.add(trades.prefix((int) run.commands()));
        whole &= run.complete() && run.commands() == trades.size();
        TopicAppends.Ends after = before != null && whole ? settledEnds(cluster, instance) : null;
        if (after != null && run.trades() > 0) {
            Map<String, Double> perTrade = TopicAppends.perCommand(before, after, run.trades(), topic -> TopicAppends.label(topic, applicationIds()));
            report.appendsPerTrade = new BenchReport.TradeAppends(trades.name(), run.trades(), perTrade);
            log.println("   appends per trade: " + TopicAppends.line(perTrade));
        } else {
            log.println("   appends per trade not measured: a phase did not send all its commands or got no result for some");
        }
        if (!whole) {
            return sent; // a release names an order whose trade may not have been sent
        }
        Workload releases = phases.after();
        if (releases.size() > 0) {
            RunReport done = measure(releases.name(), cluster, sender, releases, null, topics.results().name(), slotFromResultKey(releases), 0,
                    instance);
            sent.add(releases.prefix((int) done.commands()));
        }
        return sent;
    }

    /**
     * The end offsets once nothing moves: trades in flight cleared (credit legs still travel after a
     * trade's result), then every topic's end unchanged over a few commit intervals, so the last
     * transactions' markers are in; null when they cannot be read.
     */
    private TopicAppends.Ends settledEnds(BenchCluster cluster, StreamsInstance instance) throws InterruptedException {
        Invariants.check(instance.streams()); // waits, with a deadline, until no trade is in flight; verified later
        TopicAppends.Ends last = appends(cluster);
        for (int read = 0; last != null && read < SETTLE_READS_MAX; read++) {
            Thread.sleep(3 * BenchStreams.COMMIT_INTERVAL_MS);
            TopicAppends.Ends next = appends(cluster);
            if (next == null || next.equals(last)) {
                return next;
            }
            last = next;
        }
        log.println("   the end offsets still moved after " + SETTLE_READS_MAX + " reads; counting up to the last");
        return last;
    }

    /** Trades of the trades-only phase: a quarter of a run, at most {@value #TRADES_ONLY_MAX}. */
    private int tradesOnlyCount() {
        return Math.max(1, Math.min(TRADES_ONLY_MAX, settings.commandsMax() / 4));
    }

    private List<String> applicationIds() {
        return List.of("bench-ceiling-" + nonce, "bench-settlement-" + nonce);
    }

    /**
     * One measured run: sends the workload (at a fixed rate, or full speed when {@code rate} is
     * 0) and waits for every command's committed result.
     */
    private RunReport measure(String run, BenchCluster cluster, CommandSender sender, Workload workload, String topicOverride,
                              String outputTopic, ToIntFunction<ConsumerRecord<byte[], byte[]>> slotOf, double rate,
                              StreamsInstance instance) throws InterruptedException {
        runs++;
        RunTracker tracker = new RunTracker(workload);
        long cpuBefore = OS.getProcessCpuTime();
        long brokerCpuBefore = cluster.brokerProcessCpuNanos();
        CpuByPart cpuParts = CpuByPart.start(cpuBefore);
        int sent;
        boolean complete;
        long firstSent;
        long cpuNanos;
        Map<String, Double> cpuShares;
        try (ResultCollector collector = ResultCollector.start(cluster.bootstrapServers(), outputTopic, settings.partitions(), tracker, slotOf)) {
            firstSent = System.nanoTime();
            sent = sender.send(workload, topicOverride, tracker, rate, settings.runDurationMax().toNanos());
            tracker.notSent(workload.commands().subList(sent, workload.size()));
            complete = tracker.awaitAll(settings.resultTimeout().toMillis());
            // read while the collector's threads still live, so their time counts as the harness's
            long cpuAfter = OS.getProcessCpuTime();
            long brokerProcessNanos = cluster.brokerProcessCpuNanos() - brokerCpuBefore;
            cpuNanos = cpuAfter - cpuBefore + brokerProcessNanos;
            cpuShares = cpuParts.shares(cpuAfter, brokerProcessNanos);
        }
        if (topicOverride != null && (tracker.repeatedResults() > 0 || tracker.unknownResults() > 0)) {
            report.fail(run + ": the pass-through wrote " + tracker.repeatedResults() + " records twice and "
                    + tracker.unknownResults() + " records nobody sent; exactly once means one output per input");
        }
        if (sender.failedSends() > 0) {
            report.fail(run + ": " + sender.failedSends() + " sends failed, the first with " + sender.firstFailure());
        }
        if (!complete) {
            report.fail(run + ": " + tracker.missing() + " of " + sent + " commands got no result within " + settings.resultTimeout()
                    + (instance.failure() != null ? " (a stream thread died: " + instance.failure() + ")" : ""));
        }
        long end = complete ? tracker.lastResultNanos() : System.nanoTime();
        double seconds = Math.max(1e-9, (end - firstSent) / 1e9);
        long[] single = new long[sent];
        long[] trades = new long[sent];
        int singles = 0;
        int tradeCount = 0;
        long tradesSent = 0;
        for (int index = 0; index < sent; index++) {
            PreparedCommand command = workload.commands().get(index);
            if (command.reusesId()) {
                continue;
            }
            if (command.trade()) {
                tradesSent++;
            }
            long latency = tracker.latencyNanos(command.slot());
            if (latency < 0) {
                continue;
            }
            if (command.trade()) {
                trades[tradeCount++] = latency;
            } else {
                single[singles++] = latency;
            }
        }
        RunReport result = new RunReport(run, Math.round(rate), sent, tradesSent, RunReport.round(seconds), Math.round(sent / seconds),
                Math.round(tradesSent / seconds), Double.NaN, Double.NaN, Latencies.of(single, singles), Latencies.of(trades, tradeCount),
                RunReport.round(cpuNanos / 1e9 / sent * 1000), Double.NaN, complete, cpuShares);
        log.printf("   %-18s %,9d commands in %7.2f s: %,9.0f commands/s, p99 %.1f ms; CPU %s%n", run, sent, seconds, result.commandsPerSecond(),
                result.singleStep().count() > 0 ? result.singleStep().p99Ms() : result.tradeLatency().p99Ms(), percentages(cpuShares));
        return result;
    }

    /** {@code broker 41%, streams 33%, ...} */
    static String percentages(Map<String, Double> shares) {
        StringBuilder text = new StringBuilder();
        shares.forEach((part, share) -> text.append(text.length() == 0 ? "" : ", ").append(part).append(' ').append(Math.round(share * 100)).append('%'));
        return text.toString();
    }

    /** How many commands a fixed-rate run sends: as many as fit in the run's duration, at most the command limit. */
    private int fixedRateCount(double rate) {
        return (int) Math.max(1, Math.min(settings.commandsMax(), rate * settings.runDurationMax().toSeconds()));
    }

    /** Result keys are {@code KIND:<user_id>:<prefix><slot>} or {@code TRADE:<prefix><slot>}: the slot is read back from the key. */
    private static ToIntFunction<ConsumerRecord<byte[], byte[]>> slotFromResultKey(Workload workload) {
        byte[] prefix = workload.idPrefix().getBytes(StandardCharsets.US_ASCII);
        return record -> {
            byte[] key = record.key();
            int colon = -1;
            for (int i = key.length - 1; i >= 0; i--) {
                if (key[i] == ':') {
                    colon = i;
                    break;
                }
            }
            int start = colon + 1;
            if (colon < 0 || key.length - start <= prefix.length) {
                return -1;
            }
            for (int i = 0; i < prefix.length; i++) {
                if (key[start + i] != prefix[i]) {
                    return -1;
                }
            }
            int slot = 0;
            for (int i = start + prefix.length; i < key.length; i++) {
                int digit = key[i] - '0';
                if (digit < 0 || digit > 9) {
                    return -1;
                }
                slot = slot * 10 + digit;
            }
            return slot;
        };
    }

    private void sinkRun(BenchCluster cluster, Topics topics) {
        if (settings.cqlEndpoint().isEmpty()) {
            report.skipped.add("C: no CQL endpoint configured (--cql host:port)");
            return;
        }
        log.println("-- workload C: the ScyllaDB sink drains every output so far into " + settings.cqlEndpoint().get());
        ScyllaSinkRun.Drained drained;
        try {
            drained = ScyllaSinkRun.drain(cluster, topics, settings.cqlEndpoint().get(), "bench-scylla-" + nonce, settings.resultTimeout());
        } catch (Exception e) {
            report.fail("C ScyllaDB sink: " + e);
            return;
        }
        double seconds = Math.max(1e-9, drained.seconds());
        RunReport run = new RunReport("C ScyllaDB sink", 0, drained.rows(), 0, RunReport.round(seconds), 0, 0, Double.NaN, Double.NaN,
                Latencies.NONE, Latencies.NONE, Double.NaN, Math.round(drained.rows() / seconds), drained.complete(), Map.of());
        report.runs.add(run);
        log.printf("   %,d rows in %.2f s: %,.0f rows/s%n", drained.rows(), seconds, run.sinkRowsPerSecond());
        if (!drained.complete()) {
            report.fail("C ScyllaDB sink: did not catch up within " + settings.resultTimeout() + " " + drained.problems());
        }
    }

    private void tigerBeetleRun(BenchCluster cluster, Topics topics) {
        TigerBeetleProcess.Binary binary = TigerBeetleProcess.binary();
        if (binary.path().isEmpty()) {
            report.skipped.add("T: " + binary.description());
            return;
        }
        log.println("-- workload T: the TigerBeetle sink drains the journal so far into a real TigerBeetle server ("
                + binary.path().get() + "), once to warm up and once measured, then TigerBeetle's own benchmark measures the ceiling");
        TigerBeetleSinkRun.Drained drained;
        try {
            drained = TigerBeetleSinkRun.drain(cluster, topics, binary.path().get(), settings.dataDir().resolve("tigerbeetle-" + nonce),
                    "bench-tigerbeetle-" + nonce, settings.resultTimeout());
        } catch (Exception e) {
            report.fail("T TigerBeetle sink: " + e);
            return;
        }
        double seconds = Math.max(1e-9, drained.seconds());
        double perSecond = Math.round(drained.transfers() / seconds);
        RunReport run = new RunReport("T TigerBeetle sink", 0, drained.transfers(), 0, RunReport.round(seconds), 0, 0,
                RunReport.round(perSecond / drained.ceiling()), Double.NaN, Latencies.NONE, Latencies.NONE, Double.NaN, perSecond,
                drained.complete(), Map.of());
        report.runs.add(run);
        report.environment.put("tigerbeetleCeilingTransfersPerSecond", drained.ceiling());
        report.environment.put("tigerbeetleDefaultShapeTransfersPerSecond", drained.defaultShapeCeiling());
        report.environment.put("tigerbeetleSinkEventsPerRequest", drained.eventsPerRequest());
        report.environment.put("tigerbeetleSinkTransferRequests", drained.requests());
        report.environment.put("tigerbeetleSinkAccountsCreated", drained.accounts());
        report.environment.put("tigerbeetleSinkColdTransfersPerSecond", Math.round(drained.coldTransfersPerSecond()));
        log.printf("   %,d transfers (%,d entries) in %.2f s: %,.0f transfers/s; TigerBeetle's own benchmark, as many transfers and accounts: "
                        + "%,.0f transfers/s; ratio %.3f (in its default shape: %,.0f transfers/s, ratio %.3f; events per request %d; "
                        + "%,d create_transfers requests, %,.0f transfers each; %,d accounts created; the warm-up's drain, cold: %,.0f transfers/s)%n",
                drained.transfers(), drained.entries(), seconds, perSecond, drained.ceiling(), run.ratioToCeiling(),
                drained.defaultShapeCeiling(), perSecond / drained.defaultShapeCeiling(),
                drained.eventsPerRequest(), drained.requests(), drained.transfers() / (double) Math.max(1, drained.requests()),
                drained.accounts(), drained.coldTransfersPerSecond());
        if (!drained.complete()) {
            report.fail("T TigerBeetle sink: did not catch up within " + settings.resultTimeout() + " " + drained.problems());
        }
    }

    /** The HTTP lookup load against this instance's API, for users and commands the workloads left behind. */
    private void httpLoad(BenchCluster cluster, StreamsInstance instance, RunningStores running, Topics topics, SettlementConfig config,
                          HttpApiConfig http)
            throws InterruptedException {
        List<Long> users = new ArrayList<>();
        List<String> commandKeys = new ArrayList<>();
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (Workload workload : verified) {
            for (PreparedCommand command : workload.commands()) {
                if (command.reusesId() || command.expected().reason() == io.settlement.avro.Reason.WRONG_PARTITION) {
                    continue;
                }
                commandKeys.add(command.resultKey());
                if (!command.trade() && command.expected().status() == null) {
                    long user = java.nio.ByteBuffer.wrap(command.key()).getLong();
                    if (seen.add(user)) {
                        users.add(user);
                    }
                }
            }
        }
        if (users.isEmpty() || commandKeys.isEmpty()) {
            report.skipped.add("HTTP lookup load: no verified workload left users and commands to look up");
            return;
        }
        // The server's heap should not carry the bench's own: the workloads' commands (hundreds of
        // megabytes after B) are dropped and collected before the lookups, which otherwise paid for
        // them in every young collection's scan of the old generation (docs/performance.md, "The lookups' tail").
        verified.clear();
        System.gc();
        log.println("-- HTTP lookups: " + settings.httpRequestsMax() + " requests from " + settings.httpClientThreads() + " clients");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // The lookups carry an operator token, verified like any other: the measured latency includes the JWT check.
        byte[] secret = new byte[32];
        new java.security.SecureRandom().nextBytes(secret);
        ApiSecurity security = ApiSecurity.of(AuthSettings.hmac(secret, "settlement-bench", "settlement-api"));
        String authorization = "Bearer " + new TokenMinter(secret, "settlement-bench", "settlement-api")
                .operator("bench", settings.runDurationMax().plusMinutes(5));
        try (KafkaCommandPublisher publisher = KafkaCommandPublisher.create(Map.of("bootstrap.servers", cluster.bootstrapServers()), topics);
             HttpApi api = HttpApi.start(http, instance.streams(), topics, config.assets(), publisher, new HealthChecks(), registry, security,
                     Optional.empty(), Optional.empty(), running)) {
            // A first closed-loop pass, not measured: the JIT compiles the lookup path for seconds after
            // its first requests (docs/performance.md, "The lookups' tail").
            BenchReport.HttpLoad warmUp = HttpLookupLoad.run("http://127.0.0.1:" + http.port(), users, commandKeys, settings.httpRequestsMax(),
                    settings.httpClientThreads(), settings.seed() + 2, settings.runDurationMax(), authorization, 0);
            log.printf("   warm-up: %,d lookups in %.2f s (%,.0f requests/s), not measured%n", warmUp.requests(), warmUp.seconds(),
                    warmUp.requestsPerSecond());
            BenchReport.HttpLoad load = HttpLookupLoad.run("http://127.0.0.1:" + http.port(), users, commandKeys, settings.httpRequestsMax(),
                    settings.httpClientThreads(), settings.seed() + 3, settings.runDurationMax(), authorization, 0);
            report.httpLoad = load;
            log.printf("   %,d lookups in %.2f s: %,.0f requests/s, balance p99 %.2f ms, status p99 %.2f ms%n", load.requests(), load.seconds(),
                    load.requestsPerSecond(), load.balanceLookups().p99Ms(), load.statusLookups().p99Ms());
            double halfPeak = load.requestsPerSecond() / 2;
            BenchReport.HttpLoad paced = HttpLookupLoad.run("http://127.0.0.1:" + http.port(), users, commandKeys, settings.httpRequestsMax(),
                    settings.httpClientThreads(), settings.seed() + 4, settings.runDurationMax(), authorization, halfPeak);
            report.httpLoadHalfPeak = paced;
            log.printf("   paced at %,.0f requests/s: balance p50 %.2f p99 %.2f ms, status p50 %.2f p99 %.2f ms%n", halfPeak,
                    paced.balanceLookups().p50Ms(), paced.balanceLookups().p99Ms(), paced.statusLookups().p50Ms(), paced.statusLookups().p99Ms());
            for (BenchReport.HttpLoad run : new BenchReport.HttpLoad[] {warmUp, load, paced}) {
                if (run.errors() > 0) {
                    report.fail("HTTP lookups: " + run.errors() + " of " + settings.httpRequestsMax() + " lookups did not answer 200");
                }
            }
        } finally {
            registry.close();
        }
    }

    private String idPrefix(String run) {
        return nonce + "-" + run + runs + "-";
    }

    private Path stateDir(String name) {
        Path dir = settings.dataDir().resolve("state-" + name + "-" + nonce);
        BenchCluster.deleteRecursively(dir);
        return dir;
    }

    /** Whether any source node of the topology reads the topic. */
    static boolean reads(Topology topology, String topic) {
        for (TopologyDescription.Subtopology subtopology : topology.describe().subtopologies()) {
            for (TopologyDescription.Node node : subtopology.nodes()) {
                if (node instanceof TopologyDescription.Source source && source.topicSet() != null && source.topicSet().contains(topic)) {
                    return true;
                }
            }
        }
        return false;
    }

    static Topics prefixed(Topics topics, String prefix) {
        if (prefix.isEmpty()) {
            return topics;
        }
        return new Topics(rename(topics.balanceOperations(), prefix), rename(topics.transferRequests(), prefix), rename(topics.trades(), prefix),
                rename(topics.results(), prefix), rename(topics.journal(), prefix), rename(topics.balanceEvents(), prefix),
                rename(topics.deadLetters(), prefix), rename(topics.tradeLegs(), prefix), rename(topics.legResults(), prefix),
                topics.tradesByIdValues());
    }

    private static <K, V> Topic<K, V> rename(Topic<K, V> topic, String prefix) {
        return new Topic<>(prefix + topic.name(), topic.keySerde(), topic.valueSerde());
    }
}
