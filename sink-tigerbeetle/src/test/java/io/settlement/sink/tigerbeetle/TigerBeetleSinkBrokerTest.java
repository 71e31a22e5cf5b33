package io.settlement.sink.tigerbeetle;

import static io.settlement.sink.tigerbeetle.Journal.BTC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settlement.avro.AccountType;
import io.settlement.avro.Bucket;
import io.settlement.avro.JournalEntry;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.kafka.EmbeddedKafkaBroker;
import io.settlement.sink.Health.Status;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sink's commit claims on a real in-process Kafka broker (the ledger is still the fake). */
class TigerBeetleSinkBrokerTest {
    static final long ALICE = 7;
    static final long BOB = 8;
    static final Topic<Long, JournalEntry> JOURNAL = Topics.create(AvroSerdes.SINGLE_OBJECT).journal();
    static final TopicPartition P0 = new TopicPartition(JOURNAL.name(), 0);
    static final TopicPartition P1 = new TopicPartition(JOURNAL.name(), 1);
    static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dataDir;
    EmbeddedKafkaBroker broker;
    TigerBeetleSink sink;

    @BeforeEach
    void startBroker() {
        broker = EmbeddedKafkaBroker.startOnFreePorts(dataDir);
        broker.createTopics(Map.of(JOURNAL.name(), 2));
    }

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (sink != null) {
            sink.close();
        }
        broker.close();
    }

    @Test
    void commitsOnlyWhatTheLedgerAcceptedAndNeverReadsAbortedEntries() {
        // given a committed transaction: alice's deposit, a reservation TigerBeetle refuses, another deposit; bob's deposit
        try (KafkaProducer<Long, JournalEntry> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "journal-writer"),
                JOURNAL.keySerde().serializer(), JOURNAL.valueSerde().serializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(JOURNAL.name(), 0, ALICE, Journal.deposit("d1", ALICE, BTC, 100)));
            producer.send(new ProducerRecord<>(JOURNAL.name(), 0, ALICE, Journal.orderReserved("o1", ALICE, BTC, 30)));
            producer.send(new ProducerRecord<>(JOURNAL.name(), 0, ALICE, Journal.deposit("d3", ALICE, BTC, 5)));
            producer.send(new ProducerRecord<>(JOURNAL.name(), 1, BOB, Journal.deposit("d2", BOB, BTC, 50)));
            producer.commitTransaction();
            // and an aborted transaction on bob's partition
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(JOURNAL.name(), 1, BOB, Journal.deposit("aborted", BOB, BTC, 1_000)));
            producer.flush();
            producer.abortTransaction();
        }
        FakeLedger ledger = new FakeLedger();

        // when the sink runs with its real consumer
        sink = new TigerBeetleSink(() -> new KafkaConsumer<>(TigerBeetleSink.consumerProperties(broker.bootstrapServers())),
                JOURNAL, "a fake ledger", () -> ledger, TigerBeetleConfig.defaults(), new SimpleMeterRegistry(), null);
        sink.start();

        // then the group's committed offsets stop at alice's refused entry, and pass bob's deposit to the end of his
        // partition (0: the deposit, 1: its commit marker, 2: the aborted deposit, 3: its abort marker)
        try (Admin admin = broker.admin()) {
            await().atMost(DEADLINE).untilAsserted(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin
                        .listConsumerGroupOffsets(TigerBeetleSink.GROUP_ID).partitionsToOffsetAndMetadata().get();
                assertThat(committed.get(P0)).isNotNull().extracting(OffsetAndMetadata::offset).isEqualTo(1L);
                assertThat(committed.get(P1)).isNotNull().extracting(OffsetAndMetadata::offset).isEqualTo(4L);
            });
        }
        await().atMost(DEADLINE).until(() -> sink.state() == Status.DEGRADED);
        assertThat(sink.problems()).anySatisfy(problem -> assertThat(problem).contains("ORDER_RESERVED:o1").contains("ExceedsCredits"));
        // and the aborted deposit never reached the ledger; bob holds exactly the committed 50
        assertThat(ledger.balance(new LedgerAccountKey(BOB, AccountType.FUNDING, BTC, Bucket.AVAILABLE))).isEqualTo(BigInteger.valueOf(50));
    }
}
