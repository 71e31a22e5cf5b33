package io.settlement.topology.trade;

import io.settlement.avro.LegResult;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeState;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.StoreNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The trade coordinator's part of the topology ({@link TradeTopology#addTo}) in a
 * TopologyTestDriver, with the balance tasks played by the test: it reads the legs the
 * coordinator sends and pipes their answers into settlement.internal.leg-results.
 */
final class CoordinatorDriver implements AutoCloseable {
    static final Instant START = Instant.parse("2025-01-01T00:00:00Z");

    final Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);
    final SettlementConfig config;
    final TopologyTestDriver driver;
    private final TestInputTopic<Bytes, Trade> trades;
    private final TestInputTopic<String, LegResult> legResults;
    private final TestOutputTopic<Long, TradeLeg> legs;
    private final TestOutputTopic<String, SettlementResult> results;
    private final TestOutputTopic<byte[], byte[]> deadLetters;

    private Instant now = START;

    /** A coordinator that settles new trades with {@code protocol}. */
    CoordinatorDriver(SettlementConfig.TradeProtocol protocol) {
        this(SettlementConfig.defaults(4).withTradeProtocol(protocol));
    }

    /** A coordinator with {@code config}. */
    CoordinatorDriver(SettlementConfig config) {
        this.config = config;
        StreamsBuilder builder = new StreamsBuilder();
        TradeTopology.addTo(builder, topics, config);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "trade-coordinator-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(builder.build(), props, START);
        trades = driver.createInputTopic(topics.trades().name(), topics.trades().keySerde().serializer(), topics.trades().valueSerde().serializer());
        legResults = driver.createInputTopic(topics.legResults().name(), topics.legResults().keySerde().serializer(), topics.legResults().valueSerde().serializer());
        legs = driver.createOutputTopic(topics.tradeLegs().name(), topics.tradeLegs().keySerde().deserializer(), topics.tradeLegs().valueSerde().deserializer());
        results = driver.createOutputTopic(topics.results().name(), topics.results().keySerde().deserializer(), topics.results().valueSerde().deserializer());
        deadLetters = driver.createOutputTopic(topics.deadLetters().name(), topics.deadLetters().keySerde().deserializer(), topics.deadLetters().valueSerde().deserializer());
    }

    /** Sends a trade keyed by its symbol, as a matching engine might. */
    void send(Trade trade) {
        trades.pipeInput(Bytes.wrap(trade.getSymbol().getBytes(StandardCharsets.UTF_8)), trade);
    }

    /** The records the coordinator's part wrote to the repartition topic since the last call (trade ids). */
    List<String> repartitioned() {
        return driver.createOutputTopic("trade-coordinator-test-" + TradeTopology.TRADES_BY_ID + "-repartition",
                new org.apache.kafka.common.serialization.StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())
                .readRecordsToList().stream().map(TestRecord::key).toList();
    }

    void sendTombstone() {
        trades.pipeInput(Bytes.wrap("BTCUSDT".getBytes(StandardCharsets.UTF_8)), null);
    }

    void accept(TradeLeg leg) {
        answer(leg, ResultStatus.ACCEPTED, null);
    }

    void reject(TradeLeg leg, Reason reason) {
        answer(leg, ResultStatus.REJECTED, reason);
    }

    void answer(TradeLeg leg, ResultStatus status, Reason reason) {
        legResults.pipeInput(leg.getTradeId(), LegResult.newBuilder()
                .setTradeId(leg.getTradeId())
                .setUserId(leg.getUserId())
                .setSide(leg.getSide())
                .setPhase(leg.getPhase())
                .setStatus(status)
                .setReason(reason)
                .build());
    }

    void pipeRawLegResult(String key, LegResult answer) {
        legResults.pipeInput(key, answer);
    }

    /** The legs sent since the last call, with their record keys. */
    List<TestRecord<Long, TradeLeg>> sentLegs() {
        return legs.readRecordsToList();
    }

    List<TestRecord<String, SettlementResult>> results() {
        return results.readRecordsToList();
    }

    List<TestRecord<byte[], byte[]>> deadLetters() {
        return deadLetters.readRecordsToList();
    }

    TradeState state(String tradeId) {
        return driver.<String, TradeState>getKeyValueStore(StoreNames.TRADES).get(tradeId);
    }

    void advanceWallClock(Duration duration) {
        driver.advanceWallClockTime(duration);
        now = now.plus(duration);
    }

    /** The driver's wall clock. */
    Instant now() {
        return now;
    }

    @Override
    public void close() {
        driver.close();
    }
}
