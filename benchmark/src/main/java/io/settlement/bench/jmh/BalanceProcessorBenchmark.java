package io.settlement.bench.jmh;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Deposit;
import io.settlement.avro.LegPhase;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeSide;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.bench.BenchFiles;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.balance.BalanceInput;
import io.settlement.topology.balance.BalanceOutput;
import io.settlement.topology.balance.BalanceProcessor;
import io.settlement.topology.balance.BalanceStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The balance processor's hot path, alone: a {@link BalanceProcessor} on its real RocksDB
 * stores ({@link BalanceStores}, changelogs off: those are producer sends, not processing),
 * driven through a {@link MockProcessorContext}, one already-deserialized command per
 * invocation, wrapped as the {@link BalanceInput} its source hands on: a deposit, an internal
 * transfer, a trade's debit leg. Every record sits on partition 0 of a 4-partition layout and
 * its user belongs there, so the partition guard runs its full check each time;
 * {@link PartitionGuardBenchmark} measures that check alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class BalanceProcessorBenchmark {
    private Path stateDir;
    private MockProcessorContext<Void, BalanceOutput<?, ?>> context;
    private BalanceProcessor processor;
    private final List<StateStore> stores = new ArrayList<>();
    private long[] users;
    private long sequence;
    private Instant now;

    @Setup(Level.Trial)
    public void start() {
        try {
            stateDir = Files.createTempDirectory("balance-processor-benchmark");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties properties = SettlementConfig.streamsProperties("balance-processor-benchmark", "unused:9092", stateDir.toString());
        context = new MockProcessorContext<>(properties, new TaskId(0, 0), stateDir.toFile());
        for (StoreBuilder<?> builder : BalanceStores.builders()) {
            StateStore store = builder.withLoggingDisabled().build();
            store.init(context.getStateStoreContext(), store);
            context.addStateStore(store);
            stores.add(store);
        }
        processor = new BalanceProcessor(Topics.create(AvroSerdes.SINGLE_OBJECT), SettlementConfig.defaults(BalanceTopologyBenchmark.USER_PARTITIONS));
        processor.init(context);
        users = BalanceTopologyBenchmark.usersOnPartitionZero(BalanceTopologyBenchmark.USERS);
        now = Instant.now();
        for (long user : users) {
            for (String asset : new String[] {"USDT", "BTC"}) {
                process(user, BalanceInput.of(
                        new BalanceOperation("fund-" + asset + user, user, now, new Deposit(asset, BalanceTopologyBenchmark.FUNDS))));
                process(user, new BalanceInput.Transfer(new TransferRequest("spot-" + asset + user, user, Wallet.FUNDING, Wallet.SPOT, asset,
                        BalanceTopologyBenchmark.FUNDS / 2, now)));
            }
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        processor.close();
        stores.forEach(StateStore::close);
        BenchFiles.deleteRecursively(stateDir);
    }

    @Benchmark
    public int deposit() {
        long user = nextUser();
        return process(user, BalanceInput.of(new BalanceOperation("d" + sequence, user, now, new Deposit("USDT", 100L))));
    }

    @Benchmark
    public int transfer() {
        long user = nextUser();
        return process(user, new BalanceInput.Transfer(new TransferRequest("t" + sequence, user, Wallet.FUNDING, Wallet.SPOT, "USDT", 1L, now)));
    }

    @Benchmark
    public int tradeDebitLeg() {
        long user = nextUser();
        return process(user, new BalanceInput.Leg(
                new TradeLeg("x" + sequence, user, TradeSide.BUYER, LegPhase.DEBIT, "USDT", 1L, 0L, null, now, "bench", "USDT", 1L, "BTC", 1L, io.settlement.avro.ChainStep.NONE, null, null, null, null)));
    }

    /** Processes one command as its source would hand it on; returns how many records it forwarded. */
    int process(long user, BalanceInput command) {
        String topic = command instanceof BalanceInput.Leg ? Topics.TRADE_LEGS
                : command instanceof BalanceInput.Transfer ? Topics.TRANSFER_REQUESTS : Topics.BALANCE_OPERATIONS;
        context.setRecordMetadata(topic, 0, sequence);
        context.setCurrentSystemTimeMs(System.currentTimeMillis());
        processor.process(new Record<>(user, command, now.toEpochMilli()));
        int forwarded = context.forwarded().size();
        context.resetForwards();
        return forwarded;
    }

    private long nextUser() {
        sequence++;
        return users[(int) (sequence % users.length)];
    }
}
