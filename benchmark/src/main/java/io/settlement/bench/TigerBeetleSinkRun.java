package io.settlement.bench;

import com.tigerbeetle.AccountBatch;
import com.tigerbeetle.TransferBatch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settlement.contract.Topics;
import io.settlement.sink.Health;
import io.settlement.sink.tigerbeetle.LedgerClient;
import io.settlement.sink.tigerbeetle.LedgerId;
import io.settlement.sink.tigerbeetle.TigerBeetleLedgerClient;
import io.settlement.sink.tigerbeetle.TigerBeetleSink;
import io.settlement.sink.tigerbeetle.TigerBeetleConfig;
import io.settlement.testsupport.TigerBeetleProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Workload T: the TigerBeetle sink ({@link TigerBeetleSink}, what the app runs) drains the journal
 * the settlement runs wrote so far into a real TigerBeetle server started for the run
 * (production mode: 8190 events per request), from a fresh consumer group; the benchmark measures
 * transfers created per second, from the sink's start (its consumer joining the group included)
 * until the group's committed offsets reach the journal's end. The client's session is registered
 * before that, as {@code tigerbeetle benchmark} registers its own in a stage of its own before it
 * times the transfers (the first request of a new client waits about 0.6 s for it). Then, with
 * that server stopped, TigerBeetle's own {@code tigerbeetle benchmark} runs on the same machine for
 * as many transfers among as many accounts as the drain made: its "load accepted" is the ceiling
 * the sink's rate is compared with (TigerBeetle slows as its data grows: in its default shape,
 * 500,000 transfers among its default number of accounts, it ran 1.2-1.8x faster here than with the
 * bench's ~1.45 million among ~390,000). Its rate in the default shape is reported too.
 *
 * <p>The measured drain is the second: a first one, the warm-up, drains the same journal the same
 * way into a server of its own (stopped and deleted after), so that the JIT has compiled the
 * sink's code, as the other workloads' warm-ups do for theirs; TigerBeetle's benchmark is native
 * code. Cold, the compiler took about 40% of a core during a 2 s drain. The warm-up's rate is
 * reported too ({@link Drained#coldTransfersPerSecond()}).
 */
final class TigerBeetleSinkRun {
    /** How often the committed offsets are checked: the drain's end is known to within this. */
    private static final long CHECK_INTERVAL_NANOS = 20_000_000;
    /** Transfers of TigerBeetle's own benchmark in its default shape (with its default number of accounts). */
    static final long DEFAULT_SHAPE_TRANSFERS = 500_000;

    /**
     * @param eventsPerRequest the most transfers the client puts in one request (learnt from the cluster)
     * @param requests         create_transfers requests the sink made
     * @param accounts         accounts the sink created
     * @param ceiling          TigerBeetle's benchmark for {@code transfers} transfers among {@code accounts} accounts, transfers/s
     * @param defaultShapeCeiling TigerBeetle's benchmark in its default shape, transfers/s
     * @param coldTransfersPerSecond the warm-up drain's rate, the JIT compiling the sink's code meanwhile
     */
    record Drained(long transfers, long entries, double seconds, boolean complete, int eventsPerRequest, long requests,
                   long accounts, double ceiling, double defaultShapeCeiling, double coldTransfersPerSecond, List<String> problems) {}

    private TigerBeetleSinkRun() {}

    static Drained drain(BenchCluster cluster, Topics topics, Path binary, Path dataDir, String groupId, Duration timeout) throws Exception {
        // One TigerBeetle server at a time: each is stopped and deleted before the next starts.
        Drained cold = drainInto(cluster, topics, binary, dataDir.resolve("tigerbeetle-warm-up"), groupId + "-warm-up", timeout);
        Drained drained = drainInto(cluster, topics, binary, dataDir.resolve("tigerbeetle"), groupId, timeout);
        double ceiling = TigerBeetleProcess.benchmark(binary, dataDir.resolve("tigerbeetle-benchmark"), Math.max(1, drained.transfers()),
                Math.max(2, drained.accounts()));
        double defaultShape = TigerBeetleProcess.benchmark(binary, dataDir.resolve("tigerbeetle-benchmark-default"), DEFAULT_SHAPE_TRANSFERS,
                TigerBeetleProcess.DEFAULT_ACCOUNTS);
        return new Drained(drained.transfers(), drained.entries(), drained.seconds(), drained.complete(), drained.eventsPerRequest(),
                drained.requests(), drained.accounts(), ceiling, defaultShape, cold.transfers() / Math.max(1e-9, cold.seconds()),
                drained.problems());
    }

    /** Drains the journal from the start, as consumer group {@code groupId}, into a new server in {@code serverDir}. */
    private static Drained drainInto(BenchCluster cluster, Topics topics, Path binary, Path serverDir, String groupId, Duration timeout)
            throws Exception {
        Map<String, Object> consumer = new HashMap<>(TigerBeetleSink.consumerProperties(cluster.bootstrapServers()));
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Admin admin = cluster.admin();
             TigerBeetleProcess server = TigerBeetleProcess.formatAndStart(binary, serverDir, false);
             TigerBeetleLedgerClient client = new TigerBeetleLedgerClient(server.clusterId(), List.of(server.address()), 30_000)) {
            Map<TopicPartition, Long> ends = ScyllaSinkRun.ends(admin, List.of(topics.journal().name()));
            CountingLedger ledger = new CountingLedger(client);
            TigerBeetleSink sink = new TigerBeetleSink(() -> new KafkaConsumer<>(consumer), topics.journal(),
                    "TigerBeetle " + server.address(), () -> ledger, TigerBeetleConfig.defaults(), registry, null);
            // Registers the client's session: no account has id 1 (structured ids have a type code in bits 16-31).
            client.lookupAccounts(List.of(new LedgerId(0, 1)));
            long started = System.nanoTime();
            sink.start();
            try {
                long deadline = started + timeout.toNanos();
                boolean caughtUp = false;
                while (System.nanoTime() < deadline && sink.state() != Health.Status.DOWN) {
                    if (ScyllaSinkRun.caughtUp(admin, groupId, ends)) {
                        caughtUp = true;
                        break;
                    }
                    LockSupport.parkNanos(CHECK_INTERVAL_NANOS);
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                long entries = (long) registry.get("settlement.sink.tigerbeetle.entries").tag("outcome", "applied").counter().count();
                long accounts = (long) registry.get("settlement.sink.tigerbeetle.accounts.created").counter().count();
                return new Drained(ledger.created.get(), entries, seconds, caughtUp, client.writesPerRequest(),
                        ledger.transferRequests.get(), accounts, Double.NaN, Double.NaN, Double.NaN, sink.problems());
            } finally {
                sink.close();
            }
        }
    }

    /** Counts the transfers TigerBeetle created (sent minus refused) and the create_transfers requests. */
    private static final class CountingLedger implements LedgerClient {
        private final LedgerClient ledger;
        final AtomicLong created = new AtomicLong();
        final AtomicLong transferRequests = new AtomicLong();

        CountingLedger(LedgerClient ledger) {
            this.ledger = ledger;
        }

        @Override
        public List<AccountError> createAccounts(AccountBatch accounts) {
            return ledger.createAccounts(accounts);
        }

        @Override
        public List<TransferError> createTransfers(TransferBatch transfers) {
            return counted(transfers, ledger.createTransfers(transfers));
        }

        @Override
        public Pending<List<AccountError>> sendAccounts(AccountBatch accounts) {
            return ledger.sendAccounts(accounts);
        }

        @Override
        public Pending<List<TransferError>> sendTransfers(TransferBatch transfers) {
            Pending<List<TransferError>> sent = ledger.sendTransfers(transfers);
            return () -> counted(transfers, sent.await());
        }

        private List<TransferError> counted(TransferBatch transfers, List<TransferError> errors) {
            transferRequests.incrementAndGet();
            created.addAndGet(transfers.getLength() - errors.size());
            return errors;
        }

        @Override
        public List<LedgerBalance> lookupAccounts(List<LedgerId> ids) {
            return ledger.lookupAccounts(ids);
        }

        /** The client is the caller's: it closes it. */
        @Override
        public void close() {
        }
    }
}
