package io.settlement.sink.tigerbeetle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settlement.avro.AccountType;
import io.settlement.avro.JournalEntry;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.kafka.EmbeddedKafkaBroker;
import io.settlement.sink.Health.Status;
import io.settlement.sink.tigerbeetle.reconcile.BalanceDifference;
import io.settlement.sink.tigerbeetle.reconcile.Reconciler;
import io.settlement.sink.tigerbeetle.server.RealTigerBeetle;
import io.settlement.testsupport.TigerBeetleProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink with its real Kafka consumer on an in-process broker, writing into the real TigerBeetle
 * server: a mixed journal mirrored and reconciled with the stores' model to zero differences, a
 * replay answered {@code exists}, TigerBeetle killed with SIGKILL mid-stream and started again on
 * its data file, and TigerBeetle down when the sink starts. Each test has an asset (a TigerBeetle
 * ledger) and users of its own, so the server shared by the run holds nothing else it could see.
 */
@ExtendWith(RealTigerBeetle.class)
class TigerBeetleSinkOnRealServerTest {
    static final Topic<Long, JournalEntry> JOURNAL = Topics.create(AvroSerdes.SINGLE_OBJECT).journal();
    static final int PARTITIONS = 2;
    static final Duration DEADLINE = Duration.ofSeconds(120);
    static final TigerBeetleConfig FAST_RETRIES = TigerBeetleConfig.defaults().withLimits(200, LedgerMapping.EVENTS_PER_REQUEST_MAX,
            3, 100, 500, 1_000_000);
    private static int nextAsset = 100 + new Random().nextInt(1_000_000);

    @TempDir
    Path dataDir;
    EmbeddedKafkaBroker broker;
    final List<AutoCloseable> running = new ArrayList<>();
    final StoreModel stores = new StoreModel();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    int asset;
    long firstUser;

    @BeforeEach
    void startBroker() {
        broker = EmbeddedKafkaBroker.startOnFreePorts(dataDir);
        broker.createTopics(Map.of(JOURNAL.name(), PARTITIONS));
        asset = nextAsset++;
        firstUser = RealTigerBeetle.owners(100);
    }

    @AfterEach
    void stopEverything(TigerBeetleProcess server) throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
        broker.close();
        if (!server.running()) {
            server.start();
        }
    }

    @Test
    void aMixedJournalIsMirroredOnceReconcilesCleanAndAReplayAnswersExists(TigerBeetleProcess server) throws Exception {
        // given a journal of every kind of entry, trades between users of both partitions
        List<JournalEntry> journal = mixedJournal(8);
        produce(journal);

        // when the sink mirrors it into TigerBeetle
        TigerBeetleSink sink = startSink(server, TigerBeetleSink.GROUP_ID);
        awaitCaughtUp(TigerBeetleSink.GROUP_ID);

        // then every entry was applied once and TigerBeetle equals the stores, system accounts included
        assertThat(counter("entries", "outcome", "applied")).isEqualTo(journal.size());
        // and the idle sink committed past the transaction's closing marker: no lag is left on the group
        try (Admin admin = broker.admin()) {
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                latest.put(new TopicPartition(JOURNAL.name(), p), org.apache.kafka.clients.admin.OffsetSpec.latest());
            }
            await().atMost(DEADLINE).untilAsserted(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = committed(TigerBeetleSink.GROUP_ID);
                admin.listOffsets(latest).all().get().forEach((partition, end) -> assertThat(committed.get(partition))
                        .as("committed offset of %s", partition).isNotNull()
                        .extracting(OffsetAndMetadata::offset).isEqualTo(end.offset()));
            });
        }
        assertThat(sink.state()).isEqualTo(Status.UP);
        assertThat(reconcile(server)).isEmpty();

        // when the whole journal is mirrored again (another consumer group: a replay from the start)
        startSink(server, "replay-" + asset);
        awaitCaughtUp("replay-" + asset);

        // then TigerBeetle answered exists for every entry and nothing moved twice
        assertThat(counter("entries", "outcome", "already_applied")).isEqualTo(journal.size());
        assertThat(reconcile(server)).isEmpty();
    }

    @Test
    void aReplayCutIntoOtherRequestsAnswersExistsForEveryEntry(TigerBeetleProcess server) {
        // given a mixed journal mirrored in requests of up to 8190 transfers
        List<JournalEntry> journal = mixedJournal(6);
        produce(journal);
        startSink(server, TigerBeetleSink.GROUP_ID);
        awaitCaughtUp(TigerBeetleSink.GROUP_ID);

        // when it is mirrored again in requests of at most 7 transfers, each sent while the next is read
        startSink(server, "replay-" + asset, TigerBeetleConfig.defaults().withLimits(200, 7, 3, 100, 500, 1_000_000));
        awaitCaughtUp("replay-" + asset);

        // then every entry answered exists however the requests were cut, and nothing moved twice
        assertThat(counter("entries", "outcome", "applied")).isEqualTo(journal.size());
        assertThat(counter("entries", "outcome", "already_applied")).isEqualTo(journal.size());
        assertThat(reconcile(server)).isEmpty();
    }

    @Test
    void anEntryTigerBeetleRefusesHaltsOnlyItsPartitionWhileRequestsFollowOneAnother(TigerBeetleProcess server) throws Exception {
        // given one user per partition, each with 40 entries; on P0 the 21st reserves more than the user's SPOT holds
        long seller = firstUser;
        long buyer = firstUser + 1;
        List<JournalEntry> journal = new ArrayList<>();
        int refusedOffset = 20;
        for (int i = 0; i < 40; i++) {
            String n = asset + "-" + i;
            journal.add(i == refusedOffset ? Journal.orderReserved(n + "-o", seller, asset, 1_000_000)
                    : Journal.deposit(n + "-s", seller, asset, 10));
            journal.add(Journal.deposit(n + "-b", buyer, asset, 10));
        }
        journal.forEach(entry -> entryPartition.put(entry.getEntryId(), entry.getUserId() == seller ? 0 : 1));
        produce(journal);

        // when the sink mirrors it in requests of at most 8 transfers
        TigerBeetleSink sink = startSink(server, TigerBeetleSink.GROUP_ID, TigerBeetleConfig.defaults().withLimits(200, 8, 3, 100, 500, 1_000_000));

        // then P1 is mirrored to its end, P0 is committed up to the refused entry and halted there
        TopicPartition p0 = new TopicPartition(JOURNAL.name(), 0);
        TopicPartition p1 = new TopicPartition(JOURNAL.name(), 1);
        await().atMost(DEADLINE).untilAsserted(() -> {
            Map<TopicPartition, OffsetAndMetadata> committed = committed(TigerBeetleSink.GROUP_ID);
            assertThat(committed.get(p0)).isNotNull().extracting(OffsetAndMetadata::offset).isEqualTo((long) refusedOffset);
            assertThat(committed.get(p1)).isNotNull().extracting(OffsetAndMetadata::offset).asInstanceOf(
                    org.assertj.core.api.InstanceOfAssertFactories.LONG).isGreaterThanOrEqualTo(40L);
        });
        assertThat(sink.state()).isEqualTo(Status.DEGRADED);
        assertThat(sink.problems()).singleElement().asString().contains(asset + "-20-o").contains("ExceedsCredits");
        // and TigerBeetle holds every deposit of the buyer, and of the seller those before the refused entry (and at
        // most the 7 transfers that shared the refused entry's request: they answer exists when P0 is read again)
        try (TigerBeetleLedgerClient ledger = RealTigerBeetle.client(server)) {
            assertThat(postedBalance(ledger, buyer)).isEqualTo(400);
            assertThat(postedBalance(ledger, seller)).isBetween(10L * refusedOffset, 10L * (refusedOffset + 7));
        }

        // when both users deposit again
        long p1Before = committed(TigerBeetleSink.GROUP_ID).get(p1).offset();
        List<JournalEntry> more = List.of(Journal.deposit(asset + "-more-s", seller, asset, 10), Journal.deposit(asset + "-more-b", buyer, asset, 10));
        more.forEach(entry -> entryPartition.put(entry.getEntryId(), entry.getUserId() == seller ? 0 : 1));
        produce(more);

        // then P1 goes on and the halted P0 stays where it is
        await().atMost(DEADLINE).until(() -> committed(TigerBeetleSink.GROUP_ID).get(p1).offset() > p1Before);
        assertThat(committed(TigerBeetleSink.GROUP_ID).get(p0).offset()).isEqualTo(refusedOffset);
    }

    long postedBalance(TigerBeetleLedgerClient ledger, long owner) {
        LedgerId id = LedgerMapping.accountId(new LedgerAccountKey(owner, AccountType.FUNDING, asset, io.settlement.avro.Bucket.AVAILABLE));
        return ledger.lookupAccounts(List.of(id)).get(0).postedBalance().longValueExact();
    }

    @Test
    void tigerBeetleKilledMidStreamAndStartedAgainLosesNothingAndAppliesNothingTwice(TigerBeetleProcess server) {
        // given the sink mirroring the first half of a journal
        List<JournalEntry> journal = mixedJournal(10);
        int half = journal.size() / 2;
        produce(journal.subList(0, half));
        TigerBeetleSink sink = startSink(server, TigerBeetleSink.GROUP_ID);
        await().atMost(DEADLINE).until(() -> counter("entries", "outcome", "applied") > 0);

        // when TigerBeetle is killed (SIGKILL) while the rest arrives
        server.kill();
        produce(journal.subList(half, journal.size()));

        // then the sink says TigerBeetle does not answer
        await().atMost(DEADLINE).untilAsserted(() -> {
            assertThat(sink.state()).isEqualTo(Status.DEGRADED);
            assertThat(sink.problems()).anySatisfy(problem -> assertThat(problem).startsWith("TigerBeetle: "));
        });

        // when TigerBeetle is started again on the same data file
        server.start();

        // then the sink resumes, catches up, is UP, and TigerBeetle equals the stores exactly
        awaitCaughtUp(TigerBeetleSink.GROUP_ID);
        await().atMost(DEADLINE).until(() -> sink.state() == Status.UP);
        assertThat(counter("entries", "outcome", "applied") + counter("entries", "outcome", "already_applied"))
                .isGreaterThanOrEqualTo(journal.size());
        assertThat(reconcile(server)).isEmpty();
    }

    @Test
    void tigerBeetleDownWhenTheSinkStartsIsReportedAndCaughtUpWhenItComesBack(TigerBeetleProcess server) throws Exception {
        // given TigerBeetle is down and the journal has entries
        server.kill();
        List<JournalEntry> journal = mixedJournal(4);
        produce(journal);

        // when the sink starts
        TigerBeetleSink sink = startSink(server, TigerBeetleSink.GROUP_ID);

        // then it is DEGRADED, saying TigerBeetle does not answer, and commits nothing
        await().atMost(DEADLINE).untilAsserted(() -> {
            assertThat(sink.state()).isEqualTo(Status.DEGRADED);
            assertThat(sink.problems()).anySatisfy(problem -> assertThat(problem).contains("TigerBeetle: create_accounts"));
        });
        assertThat(committed(TigerBeetleSink.GROUP_ID)).isEmpty();

        // when TigerBeetle comes back
        server.start();

        // then the sink catches up and TigerBeetle equals the stores
        awaitCaughtUp(TigerBeetleSink.GROUP_ID);
        await().atMost(DEADLINE).until(() -> sink.state() == Status.UP);
        assertThat(reconcile(server)).isEmpty();
    }

    /**
     * Per user pair (one user per partition): deposits plain and pending (confirmed and cancelled),
     * withdrawals held (confirmed and cancelled), moves to SPOT, reservations and releases, and a
     * trade with fees on both sides; the stores' model follows every entry.
     */
    List<JournalEntry> mixedJournal(int pairs) {
        List<JournalEntry> journal = new ArrayList<>();
        Map<Long, Integer> taskOf = new HashMap<>();
        for (int pair = 0; pair < pairs; pair++) {
            long seller = firstUser + 2L * pair;
            long buyer = seller + 1;
            taskOf.put(seller, 0);
            taskOf.put(buyer, 1);
            String p = asset + "-" + pair + "-";
            for (long user : List.of(seller, buyer)) {
                String u = p + user + "-";
                journal.add(Journal.deposit(u + "d1", user, asset, 10_000));
                journal.add(Journal.depositInitiated(u + "d2", user, asset, 3_000));
                journal.add(Journal.depositConfirmed(u + "d2", user, asset, 3_000));
                journal.add(Journal.depositInitiated(u + "d3", user, asset, 500));
                journal.add(Journal.depositCancelled(u + "d3", user, asset, 500));
                journal.add(Journal.withdrawRequested(u + "w1", user, asset, 1_000));
                journal.add(Journal.withdrawConfirmed(u + "w1", user, asset, 1_000));
                journal.add(Journal.withdrawRequested(u + "w2", user, asset, 700));
                journal.add(Journal.withdrawCancelled(u + "w2", user, asset, 700));
                journal.add(Journal.transfer(u + "t1", user, AccountType.FUNDING, AccountType.SPOT, asset, 8_000));
                journal.add(Journal.orderReserved(u + "o1", user, asset, 4_000));
                journal.add(Journal.orderReleased(u + "o1", user, asset, 1_000));
            }
            journal.add(Journal.tradeDebit(p + "x", "SELLER", seller, asset, 2_000, true));
            journal.add(Journal.tradeDebit(p + "x", "BUYER", buyer, asset, 1_500, true));
            journal.add(Journal.tradeCredit(p + "x", "BUYER", buyer, asset, 2_000, 20));
            journal.add(Journal.tradeCredit(p + "x", "SELLER", seller, asset, 1_500, 15));
        }
        journal.forEach(entry -> stores.apply(taskOf.get(entry.getUserId()), entry));
        journal.forEach(entry -> entryPartition.put(entry.getEntryId(), taskOf.get(entry.getUserId())));
        return journal;
    }

    private final Map<String, Integer> entryPartition = new HashMap<>();

    void produce(List<JournalEntry> entries) {
        try (KafkaProducer<Long, JournalEntry> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "journal-writer-" + asset),
                JOURNAL.keySerde().serializer(), JOURNAL.valueSerde().serializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (JournalEntry entry : entries) {
                producer.send(new ProducerRecord<>(JOURNAL.name(), entryPartition.get(entry.getEntryId()), entry.getUserId(), entry));
            }
            producer.commitTransaction();
        }
    }

    TigerBeetleSink startSink(TigerBeetleProcess server, String group) {
        return startSink(server, group, FAST_RETRIES);
    }

    TigerBeetleSink startSink(TigerBeetleProcess server, String group, TigerBeetleConfig settings) {
        Map<String, Object> properties = new HashMap<>(TigerBeetleSink.consumerProperties(broker.bootstrapServers()));
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        TigerBeetleSink sink = new TigerBeetleSink(() -> new KafkaConsumer<>(properties), JOURNAL, "TigerBeetle " + server.address(),
                () -> new TigerBeetleLedgerClient(server.clusterId(), List.of(server.address()), 1_000), settings, registry, null);
        sink.start();
        running.add(sink::close);
        return sink;
    }

    List<BalanceDifference> reconcile(TigerBeetleProcess server) {
        try (TigerBeetleLedgerClient ledger = RealTigerBeetle.client(server)) {
            return new Reconciler(ledger).reconcile(stores.rows());
        }
    }

    long counter(String name, String tag, String value) {
        return (long) registry.get("settlement.sink.tigerbeetle." + name).tag(tag, value).counter().count();
    }

    Map<TopicPartition, OffsetAndMetadata> committed(String group) throws Exception {
        try (Admin admin = broker.admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get());
            offsets.values().removeIf(java.util.Objects::isNull);
            return offsets;
        }
    }

    /**
     * Until the group has committed, on every partition, at least the offset after its last record
     * (an idle sink commits its position, past the transaction's closing marker).
     */
    void awaitCaughtUp(String group) {
        Map<TopicPartition, Long> next = new HashMap<>();
        Map<String, Object> properties = new HashMap<>(TigerBeetleSink.consumerProperties(broker.bootstrapServers()));
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + group + "-" + asset);
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(properties)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(JOURNAL.name(), p));
            }
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            await().atMost(DEADLINE).until(() -> {
                reader.poll(Duration.ofMillis(200)).forEach(record ->
                        next.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1));
                return partitions.stream().allMatch(partition -> reader.position(partition) >= ends.get(partition));
            });
        }
        await().atMost(DEADLINE).untilAsserted(() -> {
            Map<TopicPartition, OffsetAndMetadata> committed = committed(group);
            next.forEach((partition, offset) -> assertThat(committed.get(partition)).as("committed offset of %s", partition)
                    .isNotNull().extracting(OffsetAndMetadata::offset).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LONG)
                    .isGreaterThanOrEqualTo(offset));
        });
    }
}
