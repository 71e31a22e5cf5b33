package io.settlement.topology.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.AccountType;
import io.settlement.avro.BalanceEvent;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.CommandKind;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.ChainStep;
import io.settlement.avro.LegResult;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TransferRequest;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.BalanceEvents;
import io.settlement.contract.InternalRecordKeys;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.topology.Asset;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.DeadLetterHeaders;
import io.settlement.topology.SettlementTopology;
import io.settlement.topology.StoreNames;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import io.settlement.topology.balance.Reservation;
import io.settlement.topology.balance.ResultRules;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

/**
 * A {@link TopologyTestDriver} over the real {@link SettlementTopology#build}, with the real
 * {@link SettlementConfig}, a fixed wall clock, typed inputs, and every output record kept in
 * order. {@link #assertInvariants()} checks the invariants (docs/topology.md) after a scenario: no user bucket
 * negative, per asset the sum over all accounts (system accounts included) zero, every command
 * exactly one result and one distinct first result per command key. Published in this module's
 * test-jar for the other modules' tests.
 */
public final class SettlementDriver implements AutoCloseable {
    /** The wall clock every driver starts at, so tests are deterministic. */
    public static final Instant START = Instant.parse("2026-01-05T09:00:00Z");

    private final TopologyTestDriver driver;
    private final Topics topics;
    private final SettlementConfig config;
    private final Commands commands;
    private final TestInputTopic<Long, BalanceOperation> operationsIn;
    private final TestInputTopic<Long, TransferRequest> transfersIn;
    private final TestInputTopic<Long, TradeLeg> legsIn;
    private final TestInputTopic<Bytes, Trade> tradesIn;
    private final TestOutputTopic<String, SettlementResult> resultsOut;
    private final TestOutputTopic<Long, JournalEntry> journalOut;
    private final TestOutputTopic<Long, BalanceEvent> eventsOut;
    private final TestOutputTopic<String, LegResult> legResultsOut;
    private final TestOutputTopic<Long, TradeLeg> legsOut;
    private final TestOutputTopic<byte[], byte[]> deadLettersOut;
    private final List<SettlementResult> results = new ArrayList<>();
    private final List<String> resultKeys = new ArrayList<>();
    private final List<JournalEntry> journal = new ArrayList<>();
    /** What balance.events received: nothing unless balance.events.enabled. */
    private final List<BalanceEvent> topicEvents = new ArrayList<>();
    private final List<LegResult> legResults = new ArrayList<>();
    private final List<TradeLeg> coordinatorLegs = new ArrayList<>();
    /** Every leg sent by hand that got an answer, with it, in order: the CLEARING invariant's input. */
    private final List<AnsweredLeg> answeredLegs = new ArrayList<>();
    private final List<TestRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
    private Instant now = START;
    private int commandsSent;
    private int legsSent;
    private int fundings;
    private int tradesSent;

    private SettlementDriver(SettlementConfig config, InternalRecordKeys keys) {
        this(config, driverClock -> keys);
    }

    private SettlementDriver(SettlementConfig config, java.util.function.Function<java.time.Clock, InternalRecordKeys> keysOnDriverClock) {
        this.config = config;
        // What reads the wall clock outside the processors (the window for untagged records) reads the driver's.
        java.time.Clock driverClock = new java.time.Clock() {
            @Override
            public Instant instant() {
                return now;
            }

            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        };
        this.topics = Topics.create(AvroSerdes.SINGLE_OBJECT, keysOnDriverClock.apply(driverClock));
        StreamsBuilder builder = new StreamsBuilder();
        SettlementTopology.build(builder, topics, config);
        this.driver = new TopologyTestDriver(builder.build(), properties(), START);
        this.commands = new Commands(this::now);
        this.operationsIn = driver.createInputTopic(topics.balanceOperations().name(),
                topics.balanceOperations().keySerde().serializer(), topics.balanceOperations().valueSerde().serializer());
        this.transfersIn = driver.createInputTopic(topics.transferRequests().name(),
                topics.transferRequests().keySerde().serializer(), topics.transferRequests().valueSerde().serializer());
        this.legsIn = driver.createInputTopic(topics.tradeLegs().name(),
                topics.tradeLegs().keySerde().serializer(), topics.tradeLegs().valueSerde().serializer());
        this.tradesIn = driver.createInputTopic(topics.trades().name(),
                topics.trades().keySerde().serializer(), topics.trades().valueSerde().serializer());
        this.resultsOut = driver.createOutputTopic(topics.results().name(),
                topics.results().keySerde().deserializer(), topics.results().valueSerde().deserializer());
        this.journalOut = driver.createOutputTopic(topics.journal().name(),
                topics.journal().keySerde().deserializer(), topics.journal().valueSerde().deserializer());
        this.eventsOut = driver.createOutputTopic(topics.balanceEvents().name(),
                topics.balanceEvents().keySerde().deserializer(), topics.balanceEvents().valueSerde().deserializer());
        this.legResultsOut = driver.createOutputTopic(topics.legResults().name(),
                topics.legResults().keySerde().deserializer(), topics.legResults().valueSerde().deserializer());
        this.legsOut = driver.createOutputTopic(topics.tradeLegs().name(),
                topics.tradeLegs().keySerde().deserializer(), topics.tradeLegs().valueSerde().deserializer());
        this.deadLettersOut = driver.createOutputTopic(topics.deadLetters().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** A driver with the default assets (BTC:1:8, USDT:2:6, ETH:3:9), one user partition and the default retention. */
    public static SettlementDriver start() {
        return start(SettlementConfig.defaults(1));
    }

    public static SettlementDriver start(SettlementConfig config) {
        return new SettlementDriver(config, InternalRecordKeys.ephemeral());
    }

    /** A driver whose topology authenticates internal records with {@code keys} (the first signs what it writes). */
    public static SettlementDriver start(SettlementConfig config, InternalRecordKeys keys) {
        return new SettlementDriver(config, keys);
    }

    /**
     * A driver whose topology accepts internal records without a tag while the driver's wall clock
     * is before {@code until} (internal.record.unsigned.accepted.until): a rolling upgrade from a
     * version that wrote them untagged.
     */
    public static SettlementDriver startAcceptingUntaggedUntil(SettlementConfig config, Instant until) {
        return new SettlementDriver(config, clock -> InternalRecordKeys.parse(InternalRecordKeys.generate())
                .withUnsignedAcceptedUntil(until, clock));
    }

    /**
     * Sends a trade leg as a version from before the tags wrote it, keyed by its user: the Avro
     * record alone, in {@code format} (any version from the schema history). Returns the answer, null if none.
     */
    public LegResult sendUntagged(TradeLeg leg, org.apache.kafka.common.serialization.Serializer<TradeLeg> format) {
        int answered = legResults.size();
        legsSent++;
        String topic = topics.tradeLegs().name();
        driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer())
                .pipeInput(io.settlement.contract.UserPartitioner.keyBytes(leg.getUserId()), format.serialize(topic, leg), now);
        drain();
        LegResult answer = legResults.size() == answered ? null : legResults.get(legResults.size() - 1);
        if (answer != null) {
            answeredLegs.add(new AnsweredLeg(leg, answer));
        }
        return answer;
    }

    private static Properties properties() {
        try {
            Path stateDir = Files.createTempDirectory("settlement-driver");
            Properties props = SettlementConfig.streamsProperties("settlement-test", "127.0.0.1:9", stateDir.toString());
            // The driver's transactional MockProducer drops what is sent while no record is processed
            // (the dead letter of a record that could not be read), so the driver runs at-least-once;
            // everything else is the real settings. Exactly-once is a runtime claim, tested on a broker.
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
            return props;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Commands commands() {
        return commands;
    }

    public Topics topics() {
        return topics;
    }

    public SettlementConfig config() {
        return config;
    }

    public TopologyTestDriver testDriver() {
        return driver;
    }

    public Instant now() {
        return now;
    }

    /** Moves the wall clock (and runs the wall-clock punctuators that fall due). */
    public void advanceWallClock(Duration duration) {
        now = now.plus(duration);
        driver.advanceWallClockTime(duration);
    }

    // ---- inputs -------------------------------------------------------------------------

    /** Sends a balance operation keyed by its user and returns its result. */
    public SettlementResult send(BalanceOperation operation) {
        return send(operation.getUserId(), operation);
    }

    /** Sends a balance operation with the given record key and returns its result. */
    public SettlementResult send(Long key, BalanceOperation operation) {
        commandsSent++;
        operationsIn.pipeInput(key, operation, now);
        return lastResult();
    }

    public SettlementResult send(TransferRequest request) {
        return send(request.getUserId(), request);
    }

    public SettlementResult send(Long key, TransferRequest request) {
        commandsSent++;
        transfersIn.pipeInput(key, request, now);
        return lastResult();
    }

    /** Sends a trade leg keyed by its user and returns the balance task's answer. */
    public LegResult send(TradeLeg leg) {
        return send(leg.getUserId(), leg);
    }

    public LegResult send(Long key, TradeLeg leg) {
        return send(key, leg, legsIn);
    }

    /**
     * Sends a trade leg signed with {@code keys} instead of the topology's own (a leg from before a
     * key rotation, or from someone holding another key) and returns the answer, null if none.
     */
    public LegResult sendSignedWith(InternalRecordKeys keys, TradeLeg leg) {
        Topic<Long, TradeLeg> legs = Topics.create(AvroSerdes.SINGLE_OBJECT, keys).tradeLegs();
        return send(leg.getUserId(), leg, driver.createInputTopic(legs.name(), legs.keySerde().serializer(), legs.valueSerde().serializer()));
    }

    private LegResult send(Long key, TradeLeg leg, TestInputTopic<Long, TradeLeg> input) {
        legsSent++;
        int answered = legResults.size();
        input.pipeInput(key, leg, now);
        drain();
        // null when the leg got no answer: a CREDIT or REFUND that ends no accepted DEBIT is only dead-lettered
        LegResult answer = legResults.size() == answered ? null : legResults.get(legResults.size() - 1);
        if (answer != null) {
            answeredLegs.add(new AnsweredLeg(leg, answer));
        }
        return answer;
    }

    /** Sends a trade (for the trade coordinator's tests); each trade is expected to get one TRADE result. */
    public void send(Bytes key, Trade trade) {
        tradesSent++;
        tradesIn.pipeInput(key, trade, now);
        drain();
    }

    /** Sends a trade keyed by its symbol, as a matching engine might, and returns its one result (every trade ends in the driver). */
    public SettlementResult settle(Trade trade) {
        int before = results.size();
        send(Bytes.wrap(trade.getSymbol().getBytes(java.nio.charset.StandardCharsets.UTF_8)), trade);
        assertThat(results).as("one result for trade %s", trade.getTradeId()).hasSize(before + 1);
        return results.get(results.size() - 1);
    }

    /** Deposits {@code amount} into the user's FUNDING and moves it to SPOT, both ACCEPTED. */
    public void fundSpot(long userId, String asset, long amount) {
        String id = "fund-" + (++fundings);
        assertThat(send(commands.deposit(id, userId, asset, amount)).getStatus()).as("deposit %s", id).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(send(commands.transfer(id, userId, io.settlement.avro.Wallet.FUNDING, io.settlement.avro.Wallet.SPOT, asset, amount)).getStatus())
                .as("transfer %s", id).isEqualTo(ResultStatus.ACCEPTED);
    }

    /** Sends raw bytes to any input topic, e.g. a record no serde can read. Expects no result. */
    public void sendRaw(String topic, byte[] key, byte[] value) {
        if (topic.equals(topics.tradeLegs().name())) {
            legsSent++;
        }
        driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer()).pipeInput(key, value, now);
        drain();
    }

    // ---- outputs ------------------------------------------------------------------------

    private SettlementResult lastResult() {
        drain();
        return results.isEmpty() ? null : results.get(results.size() - 1);
    }

    /** Moves every new output record into the kept lists. */
    public void drain() {
        for (KeyValue<String, SettlementResult> record : resultsOut.readKeyValuesToList()) {
            resultKeys.add(record.key);
            results.add(record.value);
        }
        journal.addAll(journalOut.readValuesToList());
        topicEvents.addAll(eventsOut.readValuesToList());
        legResults.addAll(legResultsOut.readValuesToList());
        coordinatorLegs.addAll(legsOut.readValuesToList());
        deadLetters.addAll(deadLettersOut.readRecordsToList());
    }

    public List<SettlementResult> results() {
        drain();
        return results;
    }

    /** The keys of {@link #results()}, in the same order. */
    public List<String> resultKeys() {
        drain();
        return resultKeys;
    }

    public List<JournalEntry> journal() {
        drain();
        return journal;
    }

    /** The balance events of the journal so far (BalanceEvents.of each entry): what the sink and balance.events see. */
    public List<BalanceEvent> events() {
        drain();
        return journal.stream().flatMap(entry -> BalanceEvents.of(entry).stream()).toList();
    }

    public List<LegResult> legResults() {
        drain();
        return legResults;
    }

    public List<TestRecord<byte[], byte[]>> deadLetters() {
        drain();
        return deadLetters;
    }

    // ---- stores -------------------------------------------------------------------------

    public KeyValueStore<BalanceKey, Balance> balancesStore() {
        return driver.getKeyValueStore(StoreNames.BALANCES);
    }

    public Balance balance(long ownerId, AccountType type, String assetCode) {
        Balance balance = balancesStore().get(new BalanceKey(ownerId, type, asset(assetCode).id()));
        return balance == null ? Balance.ZERO : balance;
    }

    /** This task's share of a system account (EXTERNAL, FEES, CLEARING); only AVAILABLE is used. */
    public long system(AccountType type, String assetCode) {
        return balance(BalanceKey.SYSTEM_OWNER, type, assetCode).available();
    }

    public Map<BalanceKey, Balance> allBalances() {
        Map<BalanceKey, Balance> all = new LinkedHashMap<>();
        try (KeyValueIterator<BalanceKey, Balance> iterator = balancesStore().all()) {
            iterator.forEachRemaining(entry -> all.put(entry.key, entry.value));
        }
        return all;
    }

    public SettlementResult status(String commandKey) {
        int colon = commandKey.indexOf(':');
        io.settlement.avro.CommandKind kind = io.settlement.avro.CommandKind.valueOf(commandKey.substring(0, colon));
        if (kind == io.settlement.avro.CommandKind.TRADE) {
            String tradeId = commandKey.substring(colon + 1);
            KeyValueStore<String, io.settlement.avro.TradeState> trades = driver.getKeyValueStore(StoreNames.TRADES);
            KeyValueStore<String, io.settlement.topology.trade.RetiredTrade> retired = driver.getKeyValueStore(StoreNames.TRADE_IDS);
            return io.settlement.topology.status.CommandStatuses.ofTrade(tradeId, trades.get(tradeId), retired.get(tradeId));
        }
        int second = commandKey.indexOf(':', colon + 1);
        KeyValueStore<String, io.settlement.topology.balance.RememberedCommand> commands = driver.getKeyValueStore(StoreNames.COMMANDS);
        io.settlement.topology.balance.RememberedCommand remembered = commands.get(commandKey);
        return remembered == null ? null : io.settlement.topology.status.CommandStatuses.ofCommand(remembered, kind,
                Long.parseLong(commandKey.substring(colon + 1, second)), commandKey.substring(second + 1));
    }

    public Asset asset(String code) {
        return config.assets().byCode(code).orElseThrow(() -> new IllegalArgumentException("unknown asset " + code));
    }

    // ---- invariants ---------------------------------------------------------------------

    /** the invariants 1 to 3 (docs/topology.md, "Invariants") over everything this driver saw. */
    public void assertInvariants() {
        drain();
        Map<Integer, Long> sumPerAsset = new HashMap<>();
        for (Map.Entry<BalanceKey, Balance> entry : allBalances().entrySet()) {
            BalanceKey key = entry.getKey();
            Balance balance = entry.getValue();
            if (key.ownerId() != BalanceKey.SYSTEM_OWNER) {
                assertThat(balance.available()).as("available of %s", key).isNotNegative();
                assertThat(balance.frozen()).as("frozen of %s", key).isNotNegative();
                assertThat(balance.pending()).as("pending of %s", key).isNotNegative();
                assertThat(balance.incoming()).as("room kept in %s", key).isNotNegative();
                assertThat(java.math.BigInteger.valueOf(balance.available()).add(java.math.BigInteger.valueOf(balance.frozen()))
                        .add(java.math.BigInteger.valueOf(balance.pending())).add(java.math.BigInteger.valueOf(balance.incoming())))
                        .as("%s holds and keeps room for at most a long", key).isLessThanOrEqualTo(java.math.BigInteger.valueOf(Long.MAX_VALUE));
            } else {
                assertThat(balance.frozen() | balance.pending()).as("system account %s uses only AVAILABLE", key).isZero();
            }
            // System accounts are per-task shares kept modulo 2^64: plain long addition sums them exactly.
            sumPerAsset.merge(key.assetId(), balance.available() + balance.frozen() + balance.pending(), Long::sum);
        }
        sumPerAsset.forEach((assetId, sum) -> assertThat(sum).as("sum over all accounts of asset %d", assetId).isZero());
        assertClearingHoldsWhatAcceptedLegsPutThere();
        assertThat(topicEvents).as("balance.events: the journal's events when enabled, else nothing")
                .isEqualTo(config.balanceEvents() ? events() : List.of());
        assertNoClosedOrderHoldsFunds();

        long tradeResults = results.stream().filter(r -> r.getKind() == CommandKind.TRADE).count();
        assertThat(results.size() - tradeResults).as("one result per command sent").isEqualTo(commandsSent);
        assertThat(tradeResults).as("one result per trade sent: every trade ended").isEqualTo(tradesSent);
        assertThat(journal.stream().map(JournalEntry::getEntryId).distinct().count()).as("no journal entry applied twice").isEqualTo(journal.size());
        // Every dead-lettered leg is unanswered but one on the wrong partition, which is also rejected.
        long unanswered = deadLetters.stream().filter(letter -> topics.tradeLegs().name().equals(header(letter, DeadLetterHeaders.TOPIC))
                && !"WRONG_PARTITION".equals(header(letter, DeadLetterHeaders.REASON))).count();
        // A chained trade is answered once, at its end (ChainedLegs), not leg by leg.
        long twoPhaseLegs = coordinatorLegs.stream().filter(leg -> leg.getChainStep() == ChainStep.NONE).count();
        List<LegResult> chainEnds = legResults.stream().filter(answer -> answer.getTradeResult() != null).toList();
        assertThat(legResults.size() - chainEnds.size()).as("one answer per trade leg sent (typed or raw), by a test or by the trade "
                        + "coordinator, but for the legs only dead-lettered (unreadable, unauthenticated, keyed wrong, ending no accepted DEBIT) "
                        + "and the steps of chained trades")
                .isEqualTo(legsSent + (int) twoPhaseLegs - (int) unanswered);
        for (LegResult end : chainEnds) {
            assertThat(results).as("the result a chained trade's end told the coordinator is the one written").contains(end.getTradeResult());
        }
        // Per key, the first result that claims the id stands: a retry repeats it exactly; only an
        // EXPIRED replay (after the id was forgotten) or an unattributed/conflicting answer may differ.
        Map<String, SettlementResult> firstResults = new HashMap<>();
        for (int i = 0; i < results.size(); i++) {
            SettlementResult result = results.get(i);
            if (!ResultRules.claimsId(result.getKind(), result.getReason())) {
                continue;
            }
            SettlementResult first = firstResults.putIfAbsent(resultKeys.get(i), result);
            if (first != null && result.getReason() != Reason.EXPIRED) {
                assertThat(result).as("a later result of %s", resultKeys.get(i)).isEqualTo(first);
            }
        }
        for (JournalEntry entry : journal) {
            entry.getPostings().forEach(posting -> assertThat(posting.getAmount()).as("posting of %s", entry.getEntryId()).isPositive());
        }
    }

    /**
     * Per asset, CLEARING holds exactly what the accepted legs put there: the accepted DEBITs'
     * amounts minus the accepted CREDITs' and REFUNDs' (a CREDIT takes its whole amount out: the
     * net to the user, the fee to FEES). Computed from the legs sent, by hand and by the
     * coordinator, and their answers, not from the balances, and always checked: so CLEARING is
     * empty whenever nothing is in flight, and a leg that moved money without an accepted answer
     * (a forgery the topology let through) shows. Each (trade, side, phase) counts once: a retry
     * is answered with its first answer and moves nothing.
     */
    private void assertClearingHoldsWhatAcceptedLegsPutThere() {
        List<AnsweredLeg> all = new ArrayList<>(answeredLegs);
        // A chained trade's legs get no answer each: once it ended, nothing of it is left in CLEARING.
        for (TradeLeg leg : coordinatorLegs.stream().filter(leg -> leg.getChainStep() == ChainStep.NONE).toList()) {
            legResults.stream()
                    .filter(answer -> answer.getTradeId().equals(leg.getTradeId()) && answer.getSide() == leg.getSide()
                            && answer.getPhase() == leg.getPhase() && answer.getUserId() == leg.getUserId())
                    .findFirst()
                    .ifPresent(answer -> all.add(new AnsweredLeg(leg, answer)));
        }
        Map<String, Long> expected = new HashMap<>();
        java.util.Set<String> counted = new java.util.HashSet<>();
        for (AnsweredLeg answered : all) {
            TradeLeg leg = answered.leg();
            if (answered.answer().getStatus() != ResultStatus.ACCEPTED
                    || !counted.add(leg.getTradeId() + '/' + leg.getSide() + '/' + leg.getPhase())) {
                continue;
            }
            long signed = leg.getPhase() == io.settlement.avro.LegPhase.DEBIT ? leg.getAmount() : -leg.getAmount();
            expected.merge(leg.getAsset(), signed, Long::sum);
        }
        for (Asset asset : config.assets().all()) {
            assertThat(system(AccountType.CLEARING, asset.code()))
                    .as("CLEARING of %s: accepted DEBITs minus accepted CREDITs and REFUNDs", asset.code())
                    .isEqualTo(expected.getOrDefault(asset.code(), 0L));
        }
    }

    /** A trade leg and the balance task's answer to it. */
    private record AnsweredLeg(TradeLeg leg, LegResult answer) {}

    /**
     * A closed order holds nothing; a released one holds something (else it would have closed),
     * never more than its announced fills not yet settled or rejected; and one whose fill grace
     * and a purge interval have passed is listed as overdue, never closed by time.
     */
    private void assertNoClosedOrderHoldsFunds() {
        KeyValueStore<String, Reservation> reservations = driver.getKeyValueStore(StoreNames.RESERVATIONS);
        KeyValueStore<String, Reservation> overdue = driver.getKeyValueStore(StoreNames.OVERDUE_ORDERS);
        long overdueMs = now.minus(config.orderFillGrace()).minus(config.purgeInterval()).toEpochMilli();
        try (KeyValueIterator<String, Reservation> all = reservations.all()) {
            while (all.hasNext()) {
                KeyValue<String, Reservation> entry = all.next();
                Reservation order = entry.value;
                if (order.isClosed()) {
                    assertThat(order.remaining()).as("closed order %s", entry.key).isZero();
                    assertThat(overdue.get(entry.key)).as("closed order %s listed as overdue", entry.key).isNull();
                } else if (order.isReleased()) {
                    assertThat(order.remaining()).as("released order %s with nothing announced outstanding", entry.key).isPositive()
                            .isLessThanOrEqualTo(order.filledTotal() - order.consumed() - order.rejected());
                    if (order.releasedAtMs() < overdueMs) {
                        assertThat(overdue.get(entry.key)).as("order %s past its fill grace is listed as overdue", entry.key).isNotNull();
                    }
                }
            }
        }
    }

    /** The user's reservation of {@code orderId}. */
    public Reservation reservation(long userId, String orderId) {
        return driver.<String, Reservation>getKeyValueStore(StoreNames.RESERVATIONS).get(Reservation.keyOf(userId, orderId));
    }

    /** The reservation keys of the orders listed as overdue. */
    public List<String> overdueOrders() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, Reservation> all = driver.<String, Reservation>getKeyValueStore(StoreNames.OVERDUE_ORDERS).all()) {
            all.forEachRemaining(entry -> keys.add(entry.key));
        }
        return keys;
    }

    /**
     * Counts a trade another instance received (one whose state is seeded into the store, as a
     * previous version left it): the invariants then expect its one result too.
     */
    public void takeOverTrade() {
        tradesSent++;
    }

    /** The number of trades sent through {@link #send(Bytes, Trade)}. */
    public int tradesSent() {
        return tradesSent;
    }

    @Override
    public void close() {
        driver.close();
    }

    /** The value of a record's last header of that name, or null when it has none. */
    public static String header(TestRecord<byte[], byte[]> record, String name) {
        org.apache.kafka.common.header.Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
