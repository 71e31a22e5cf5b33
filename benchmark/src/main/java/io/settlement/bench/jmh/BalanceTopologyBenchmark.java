package io.settlement.bench.jmh;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Deposit;
import io.settlement.avro.LegPhase;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeSide;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.SettlementTopology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
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
 * The whole topology without a broker: the real topology ({@link SettlementTopology#build},
 * RocksDB stores, changelogs, the app's Streams settings) in a {@link TopologyTestDriver}, one
 * command per invocation: a deposit, an internal transfer, a trade's debit leg. Each invocation
 * includes serializing the command, the record cache, the changelog writes and reading the
 * outputs back as bytes, and the driver's commit after every record (which flushes the stores:
 * a real instance commits every 100 ms), so it is an upper bound of the per-record cost;
 * {@link BalanceProcessorBenchmark} measures the processor alone. The users all sit on partition 0 of a
 * 4-partition layout (the driver delivers everything on partition 0), so the partition guard
 * runs its full check on every record; {@link PartitionGuardBenchmark} measures that check alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class BalanceTopologyBenchmark {
    /** The user partition count the topology is configured with; all benchmark users are on partition 0. */
    static final int USER_PARTITIONS = 4;
    static final int USERS = 200;
    /** Enough on every wallet that no invocation of a trial runs short. */
    static final long FUNDS = 1_000_000_000_000_000L;

    private Path stateDir;
    private TopologyTestDriver driver;
    private TestInputTopic<Long, BalanceOperation> operations;
    private TestInputTopic<Long, TransferRequest> transfers;
    private TestInputTopic<Long, TradeLeg> legs;
    private final List<TestOutputTopic<byte[], byte[]>> outputs = new ArrayList<>();
    private long[] users;
    private long sequence;
    private Instant now;

    @Setup(Level.Trial)
    public void start() {
        Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);
        StreamsBuilder builder = new StreamsBuilder();
        SettlementTopology.build(builder, topics, SettlementConfig.defaults(USER_PARTITIONS));
        try {
            stateDir = Files.createTempDirectory("balance-processor-benchmark");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties properties = SettlementConfig.streamsProperties("balance-processor-benchmark", "unused:9092", stateDir.toString());
        driver = new TopologyTestDriver(builder.build(properties), properties);
        operations = driver.createInputTopic(topics.balanceOperations().name(), new LongSerializer(), topics.balanceOperations().valueSerde().serializer());
        transfers = driver.createInputTopic(topics.transferRequests().name(), new LongSerializer(), topics.transferRequests().valueSerde().serializer());
        legs = driver.createInputTopic(topics.tradeLegs().name(), new LongSerializer(), topics.tradeLegs().valueSerde().serializer());
        for (String output : List.of(topics.results().name(), topics.journal().name(), topics.balanceEvents().name(), topics.legResults().name(),
                topics.deadLetters().name())) {
            outputs.add(driver.createOutputTopic(output, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
        }
        users = usersOnPartitionZero(USERS);
        now = Instant.now();
        for (long user : users) {
            for (String asset : new String[] {"USDT", "BTC"}) {
                operations.pipeInput(user, new BalanceOperation("fund-" + asset + user, user, now, new Deposit(asset, FUNDS)));
                transfers.pipeInput(user, new TransferRequest("spot-" + asset + user, user, Wallet.FUNDING, Wallet.SPOT, asset, FUNDS / 2, now));
            }
        }
        drain();
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        driver.close();
        io.settlement.bench.BenchFiles.deleteRecursively(stateDir);
    }

    @Benchmark
    public int deposit() {
        long user = nextUser();
        operations.pipeInput(user, new BalanceOperation("d" + sequence, user, now, new Deposit("USDT", 100L)));
        return drain();
    }

    @Benchmark
    public int transfer() {
        long user = nextUser();
        transfers.pipeInput(user, new TransferRequest("t" + sequence, user, Wallet.FUNDING, Wallet.SPOT, "USDT", 1L, now));
        return drain();
    }

    @Benchmark
    public int tradeDebitLeg() {
        long user = nextUser();
        legs.pipeInput(user, new TradeLeg("x" + sequence, user, TradeSide.BUYER, LegPhase.DEBIT, "USDT", 1L, 0L, null, now, "bench", "USDT", 1L, "BTC", 1L, io.settlement.avro.ChainStep.NONE, null, null, null, null));
        return drain();
    }

    private long nextUser() {
        sequence++;
        return users[(int) (sequence % users.length)];
    }

    /** Reads every output record back (as bytes); returns how many there were, so the work cannot be optimised away. */
    int drain() {
        int records = 0;
        for (TestOutputTopic<byte[], byte[]> output : outputs) {
            while (!output.isEmpty()) {
                output.readRecord();
                records++;
            }
        }
        return records;
    }

    static long[] usersOnPartitionZero(int count) {
        long[] users = new long[count];
        int found = 0;
        for (long user = 1; found < count; user++) {
            if (UserPartitioner.partitionOf(user, USER_PARTITIONS) == 0) {
                users[found++] = user;
            }
        }
        return users;
    }
}
