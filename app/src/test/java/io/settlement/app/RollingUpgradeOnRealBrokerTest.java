package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settlement.avro.JournalEntry;
import io.settlement.avro.LegResult;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeLeg;
import io.settlement.contract.AuthenticatedSerde;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.InternalRecordKeys;
import io.settlement.contract.SchemaHistory;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.UpgradeFixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An upgrade without draining, on a real broker, the way docs/running.md ("Upgrading") tells an
 * operator to roll: two instances, {@code a} of the previous version and {@code b} of today's; the
 * first roll replaces {@code a} with today's code on its state directory, both still starting
 * trades in two phases ({@code trade.protocol=two-phase}, which the previous version's balance
 * tasks need); the second roll restarts both with today's default, the chain. Trades flow the whole
 * time, and every one settles exactly once with nothing left in CLEARING.
 *
 * <p>The previous version is today's code with that version's trade protocol and its encodings of
 * the internal records (TradeLeg v2 and LegResult v2 of the schema history, authenticated), written
 * through {@link SettlementApp#start(AppSettings, io.settlement.sink.LiabilityProofs,
 * java.util.function.UnaryOperator)}: what the other instance and the next incarnation read is what
 * the previous version wrote on the wire. The previous version's store layouts are read by
 * {@code UpgradeFixtureTest} and {@code RollingUpgradeTest} in the topology's tests.
 */
class RollingUpgradeOnRealBrokerTest {
    private static final int TRADES_PER_STAGE = 30;

    private RealBroker kafka;
    private final List<SettlementApp> running = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stopEverything() {
        for (SettlementApp instance : running) {
            instance.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void givenAnInstanceOfThePreviousVersionBesideTodaysWhenBothAreRolledWhileTradesFlowThenEveryTradeSettlesOnceAndClearingEndsEmpty()
            throws Exception {
        kafka = RealBroker.startWithTopics("rolling-upgrade");
        Map<String, String> firstRoll = Map.of(SettlementConfig.TRADE_PROTOCOL, "two-phase");
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer();
                TopicTail<String, SettlementResult> results = kafka.tail(kafka.topics.results());
                TopicTail<Long, JournalEntry> journal = kafka.tail(kafka.topics.journal());
                TopicTail<Long, byte[]> legs = kafka.tail(new Topic<>(Topics.TRADE_LEGS, Serdes.Long(), Serdes.ByteArray()));
                TopicTail<String, byte[]> legResults = kafka.tail(new Topic<>(Topics.LEG_RESULTS, Serdes.String(), Serdes.ByteArray()))) {
            // given a of the previous version and b of today's, set for the first roll
            AppSettings previousA = kafka.instanceSettings("a", firstRoll);
            SettlementApp a = start(previousA, topics -> previousVersionWire(topics, previousA.internalRecordKeys()));
            SettlementApp b = start(kafka.instanceSettings("b", firstRoll), UnaryOperator.identity());
            awaitBothRunning(a, b);
            // and traders on every partition with BTC and USDT in SPOT
            Traders traders = new Traders(kafka, producer, 7001, 4 * RealBroker.PARTITIONS);
            traders.fund(results);

            // when trades flow while a is rolled to today's code, then both to today's default (the chain)
            TradeFlow flow = new TradeFlow(traders, results);
            flow.start();
            try {
                flow.awaitSettled(TRADES_PER_STAGE);
                a = roll(a, kafka.instanceSettings("a", firstRoll));
                awaitBothRunning(a, b);
                flow.awaitSettled(2 * TRADES_PER_STAGE);
                b = roll(b, kafka.instanceSettings("b", Map.of()));
                a = roll(a, kafka.instanceSettings("a", Map.of()));
                awaitBothRunning(a, b);
                flow.awaitSettled(3 * TRADES_PER_STAGE);
            } finally {
                flow.stop();
            }

            // then every trade sent has exactly one result, ACCEPTED
            List<String> tradeKeys = flow.keys();
            Traders.awaitAccepted(results, tradeKeys);
            SettlementApp lastA = a;
            SettlementApp lastB = b;
            await().atMost(Traders.WITHIN).untilAsserted(() -> {
                Map<String, Long> perTrade = results.records().stream().filter(r -> r.key().startsWith("TRADE:upgrade-"))
                        .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
                assertThat(perTrade).hasSize(tradeKeys.size()).allSatisfy((key, count) -> assertThat(count).as(key).isEqualTo(1));
                // and CLEARING is empty, the ledger's invariants holding over both instances
                Ledger.assertInvariants(List.of(lastA, lastB), results, journal);
                Traders.assertClearingEmpty(List.of(lastA, lastB));
            });
            // and the previous version's encodings were on the wire, trades ran in two phases and then as chains
            long legsV2 = legs.records().stream().filter(r -> written(r.value(), TradeLeg.getClassSchema(), 2)).count();
            long resultsV2 = legResults.records().stream().filter(r -> written(r.value(), LegResult.getClassSchema(), 2)).count();
            System.out.printf("RollingUpgradeOnRealBrokerTest: %d trades; %d of %d legs and %d of %d leg results in the previous version's encodings%n",
                    tradeKeys.size(), legsV2, legs.records().size(), resultsV2, legResults.records().size());
            assertThat(legsV2).as("TradeLeg v2 records on %s", Topics.TRADE_LEGS).isPositive();
            assertThat(resultsV2).as("LegResult v2 records on %s", Topics.LEG_RESULTS).isPositive();
            Set<Boolean> chained = new HashSet<>(Traders.protocolsOf(lastA, "upgrade-"));
            chained.addAll(Traders.protocolsOf(lastB, "upgrade-"));
            assertThat(chained).as("trades in two phases (false) and chained (true)").containsExactlyInAnyOrder(false, true);
        }
    }

    /** Stops {@code instance} as an operator does for an upgrade and starts today's code on its state with {@code settings}. */
    private SettlementApp roll(SettlementApp instance, AppSettings settings) {
        instance.close();
        running.remove(instance);
        return start(settings, UnaryOperator.identity());
    }

    private SettlementApp start(AppSettings settings, UnaryOperator<Topics> wire) {
        SettlementApp instance = SettlementApp.start(settings, null, wire);
        running.add(instance);
        return instance;
    }

    private static void awaitBothRunning(SettlementApp a, SettlementApp b) {
        await().atMost(Traders.WITHIN).until(() -> a.health().isRunning() && b.health().isRunning()
                && !a.streams().metadataForLocalThreads().iterator().next().activeTasks().isEmpty()
                && !b.streams().metadataForLocalThreads().iterator().next().activeTasks().isEmpty());
    }

    /**
     * Today's topics with the previous version's encodings of the internal records it wrote:
     * TradeLeg v2 and LegResult v2 (without the chain's fields), authenticated as that version
     * authenticated them. Reading stays today's.
     */
    static Topics previousVersionWire(Topics today, InternalRecordKeys keys) {
        return new Topics(today.balanceOperations(), today.transferRequests(), today.trades(), today.results(), today.journal(),
                today.balanceEvents(), today.deadLetters(),
                new Topic<>(Topics.TRADE_LEGS, Serdes.Long(), new AuthenticatedSerde<>(writtenAs(TradeLeg.class, 2),
                        Serdes.Long().serializer(), TradeLeg::getUserId, keys)),
                new Topic<>(Topics.LEG_RESULTS, Serdes.String(), new AuthenticatedSerde<>(writtenAs(LegResult.class, 2),
                        Serdes.String().serializer(), LegResult::getTradeId, keys)),
                today.tradesByIdValues());
    }

    /** A serde that writes version {@code version} of {@code type}'s schema history and reads as today's code does. */
    private static <V extends SpecificRecord> Serde<V> writtenAs(Class<V> type, int version) {
        Serializer<V> older = (topic, value) -> {
            try {
                return UpgradeFixtures.olderVersion(value, version);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        return Serdes.serdeFrom(older, AvroSerdes.SINGLE_OBJECT.valueSerde(type).deserializer());
    }

    /** Whether {@code value} holds a single-object encoding written with version {@code version} of {@code current}'s history. */
    private static boolean written(byte[] value, Schema current, int version) {
        Schema schema = SchemaHistory.versions(current.getFullName()).get(version - 1);
        byte[] header = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).put((byte) 0xC3).put((byte) 0x01)
                .putLong(SchemaNormalization.parsingFingerprint64(schema)).array();
        for (int at = 0; at + header.length <= value.length; at++) {
            if (Arrays.equals(value, at, at + header.length, header, 0, header.length)) {
                return true;
            }
        }
        return false;
    }

    /** Trades sent one every 50 ms (the pace of a matching engine, scheduled) until stopped, between random traders. */
    private static final class TradeFlow {
        private final Traders traders;
        private final TopicTail<String, SettlementResult> results;
        private final List<String> keys = Collections.synchronizedList(new ArrayList<>());
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "trade-flow"));
        private final Random random = new Random(20261207L);
        private int next;

        TradeFlow(Traders traders, TopicTail<String, SettlementResult> results) {
            this.traders = traders;
            this.results = results;
        }

        void start() {
            sender.scheduleAtFixedRate(this::sendOne, 0, 50, TimeUnit.MILLISECONDS);
        }

        private void sendOne() {
            try {
                keys.add(traders.trade("upgrade-" + next++, random));
            } catch (Exception e) {
                failure.compareAndSet(null, e);
            }
        }

        /** Waits until at least {@code count} of the trades sent so far have a result. */
        void awaitSettled(int count) {
            await().atMost(Traders.WITHIN).until(() -> {
                assertThat(failure.get()).as("sending trades").isNull();
                Set<String> sent = Set.copyOf(keys());
                return results.records().stream().map(ConsumerRecord::key).filter(sent::contains).distinct().count() >= count;
            });
        }

        List<String> keys() {
            synchronized (keys) {
                return List.copyOf(keys);
            }
        }

        void stop() throws InterruptedException {
            sender.shutdown();
            assertThat(sender.awaitTermination(30, TimeUnit.SECONDS)).as("the trade flow stops").isTrue();
            assertThat(failure.get()).as("sending trades").isNull();
        }
    }
}
