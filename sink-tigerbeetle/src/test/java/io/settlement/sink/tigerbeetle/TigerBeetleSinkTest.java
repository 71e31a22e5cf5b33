package io.settlement.sink.tigerbeetle;

import static io.settlement.sink.tigerbeetle.Journal.BTC;
import static org.assertj.core.api.Assertions.assertThat;

import com.tigerbeetle.TransferFlags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settlement.avro.AccountType;
import io.settlement.avro.Bucket;
import io.settlement.avro.JournalEntry;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.sink.Health.Status;
import io.settlement.sink.tigerbeetle.LedgerClient.AccountError;
import io.settlement.sink.tigerbeetle.LedgerClient.LedgerBalance;
import io.settlement.sink.tigerbeetle.LedgerClient.Pending;
import io.settlement.sink.tigerbeetle.LedgerClient.TransferError;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sink's loop over Kafka's {@link MockConsumer} and the {@link FakeLedger}: what it commits,
 * halts, retries and reports. (TigerBeetleSinkBrokerTest repeats the commit claims on a real broker.)
 */
class TigerBeetleSinkTest {
    static final long ALICE = 7;
    static final long BOB = 8;
    static final Topic<Long, JournalEntry> JOURNAL = Topics.create(AvroSerdes.SINGLE_OBJECT).journal();
    static final TopicPartition P0 = new TopicPartition(JOURNAL.name(), 0);
    static final TopicPartition P1 = new TopicPartition(JOURNAL.name(), 1);

    MockConsumer<byte[], byte[]> consumer;
    FakeLedger ledger;
    SimpleMeterRegistry registry;
    List<Long> waits;
    TigerBeetleSink sink;
    final long[] nextOffset = new long[2];

    @BeforeEach
    void setUp() {
        consumer = new MockConsumer<>("earliest");
        ledger = new FakeLedger();
        registry = new SimpleMeterRegistry();
        waits = new ArrayList<>();
        sink = sinkWith(TigerBeetleConfig.defaults());
        consumer.assign(List.of(P0, P1));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
    }

    TigerBeetleSink sinkWith(TigerBeetleConfig settings) {
        return sinkOn(ledger, settings);
    }

    /** A sink on the test's consumer and this ledger, connected and not running: the test steps it or runs it. */
    TigerBeetleSink sinkOn(LedgerClient ledger, TigerBeetleConfig settings) {
        TigerBeetleSink sink = new TigerBeetleSink(() -> consumer, JOURNAL, "a fake ledger", () -> ledger, settings, registry, waits::add);
        sink.connect();
        return sink;
    }

    void journal(TopicPartition partition, JournalEntry... entries) {
        for (JournalEntry entry : entries) {
            byte[] value = JOURNAL.valueSerde().serializer().serialize(JOURNAL.name(), entry);
            consumer.addRecord(new ConsumerRecord<>(JOURNAL.name(), partition.partition(), nextOffset[partition.partition()]++,
                    null, value));
        }
    }

    /** Kafka delivers the same records again after a seek or a restart. */
    void redeliver(TopicPartition partition, long from, JournalEntry... entries) {
        nextOffset[partition.partition()] = from;
        journal(partition, entries);
    }

    /** Steps the sink until it has acted on every record it read (a request sent in one step is answered in a later one). */
    void mirror() {
        int steps = 0;
        do {
            step();
            assertThat(++steps).as("steps until the sink has answered for every record").isLessThan(100);
        } while (sink.busy());
    }

    /** One poll of the sink. */
    void step() {
        try {
            sink.pollOnce();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    Long committed(TopicPartition partition) {
        OffsetAndMetadata offset = consumer.committed(Set.of(partition)).get(partition);
        return offset == null ? null : offset.offset();
    }

    BigInteger balance(long owner, AccountType type, Bucket bucket) {
        return ledger.balance(Journal.btc(owner, type, bucket));
    }

    double count(String name, String tag, String value) {
        return registry.get("settlement.sink.tigerbeetle." + name).tag(tag, value).counter().count();
    }

    /** Conservation (docs/topology.md, "Invariants", 2) in TigerBeetle: every account of the ledger sums to zero. */
    void assertLedgerSumsToZero(long... owners) {
        BigInteger sum = BigInteger.ZERO;
        for (long owner : owners) {
            for (AccountType type : AccountType.values()) {
                for (Bucket bucket : Bucket.values()) {
                    BigInteger balance = ledger.balance(Journal.btc(LedgerAccountKey.isSystem(type) ? 0 : owner, type, bucket));
                    if (balance != null && (!LedgerAccountKey.isSystem(type) || owner == owners[0])) {
                        sum = sum.add(balance);
                    }
                }
            }
        }
        assertThat(sum).as("sum over every account of the BTC ledger").isZero();
    }

    @Test
    void mirrorsEveryEntryAndCommitsAfterTheLedgerAnswered() {
        // given entries of two users on two partitions
        journal(P0, Journal.deposit("d1", ALICE, BTC, 100), Journal.withdrawRequested("w1", ALICE, BTC, 40));
        journal(P1, Journal.deposit("d2", BOB, BTC, 50), Journal.transfer("t1", BOB, AccountType.FUNDING, AccountType.SPOT, BTC, 20));

        // when the sink polls and TigerBeetle answers
        mirror();

        // then TigerBeetle holds the balances, both partitions are committed past their entries, and the sink is UP
        assertThat(balance(ALICE, AccountType.FUNDING, Bucket.AVAILABLE)).isEqualTo(60);
        assertThat(balance(ALICE, AccountType.FUNDING, Bucket.FROZEN)).isEqualTo(40);
        assertThat(balance(BOB, AccountType.SPOT, Bucket.AVAILABLE)).isEqualTo(20);
        assertThat(balance(0, AccountType.EXTERNAL, Bucket.AVAILABLE)).isEqualTo(-150);
        assertThat(committed(P0)).isEqualTo(2);
        assertThat(committed(P1)).isEqualTo(2);
        assertThat(count("entries", "outcome", "applied")).isEqualTo(4);
        assertThat(sink.state()).isEqualTo(Status.UP);
        assertThat(sink.problems()).isEmpty();
        assertLedgerSumsToZero(ALICE, BOB);
    }

    @Test
    void aReplayedJournalAnswersExistsAndCountsAsDoneWithoutMovingMoneyTwice() {
        // given entries already mirrored
        JournalEntry[] entries = {Journal.deposit("d1", ALICE, BTC, 100), Journal.tradeCredit("x1", "BUYER", ALICE, BTC, 30, 2)};
        journal(P0, entries);
        mirror();
        int transfers = ledger.transferCount();

        // when the sink reads them again (a restart before the commit was seen)
        consumer.seek(P0, 0);
        redeliver(P0, 0, entries);
        mirror();

        // then they count as already applied, are committed, and TigerBeetle holds no second copy
        assertThat(count("entries", "outcome", "already_applied")).isEqualTo(2);
        assertThat(ledger.transferCount()).isEqualTo(transfers).isEqualTo(3);
        assertThat(balance(ALICE, AccountType.SPOT, Bucket.AVAILABLE)).isEqualTo(28);
        assertThat(committed(P0)).isEqualTo(2);
        assertThat(sink.state()).isEqualTo(Status.UP);
        assertLedgerSumsToZero(ALICE);
    }

    @Test
    void anEntryTheLedgerRefusesHaltsItsPartitionOnlyAndIsNeverCommitted() {
        // given alice's order reservation that TigerBeetle cannot cover (it never saw SPOT funds), bob's fine entry
        JournalEntry refused = Journal.orderReserved("o1", ALICE, BTC, 30);
        journal(P0, Journal.deposit("d1", ALICE, BTC, 100), refused, Journal.deposit("d3", ALICE, BTC, 5));
        journal(P1, Journal.deposit("d2", BOB, BTC, 50));

        // when the sink polls
        mirror();

        // then P0 is committed up to the refused entry, paused and positioned on it; P1 goes on
        assertThat(committed(P0)).isEqualTo(1);
        assertThat(consumer.paused()).containsExactly(P0);
        assertThat(consumer.position(P0)).isEqualTo(1);
        assertThat(committed(P1)).isEqualTo(1);
        // and the sink reports the entry loudly: DEGRADED, the entry and cause named, a metric counted
        assertThat(sink.state()).isEqualTo(Status.DEGRADED);
        assertThat(sink.problems()).singleElement().asString()
                .contains("ORDER_RESERVED:o1").contains("ExceedsCredits").contains("offset 1");
        assertThat(count("halts", "reason", "disagrees")).isEqualTo(1);

        // when more of P0 arrives, it is not read while the partition is halted; P1 still is
        journal(P0, Journal.deposit("d4", ALICE, BTC, 1));
        journal(P1, Journal.deposit("d5", BOB, BTC, 1));
        mirror();
        assertThat(committed(P0)).isEqualTo(1);
        assertThat(committed(P1)).isEqualTo(2);
        assertThat(sink.state()).isEqualTo(Status.DEGRADED);
    }

    @Test
    void anUnreadableRecordHaltsItsPartitionInsteadOfBeingSkipped() {
        // given a good entry and then bytes that are no journal entry
        journal(P0, Journal.deposit("d1", ALICE, BTC, 100));
        consumer.addRecord(new ConsumerRecord<>(JOURNAL.name(), 0, nextOffset[0]++, null, new byte[] {1, 2, 3}));
        journal(P0, Journal.deposit("d2", ALICE, BTC, 100));

        // when the sink polls
        mirror();

        // then the good entry is committed, the partition halts at the bad record, and the entry after it was not sent
        assertThat(committed(P0)).isEqualTo(1);
        assertThat(consumer.paused()).containsExactly(P0);
        assertThat(balance(ALICE, AccountType.FUNDING, Bucket.AVAILABLE)).isEqualTo(100);
        assertThat(sink.state()).isEqualTo(Status.DEGRADED);
        assertThat(count("halts", "reason", "unmappable")).isEqualTo(1);
    }

    @Test
    void transientLedgerErrorsAreRetriedWithExponentialBackoff() {
        // given TigerBeetle fails to answer three times
        ledger.failNext(3);
        journal(P0, Journal.deposit("d1", ALICE, BTC, 100));

        // when the sink polls
        mirror();

        // then it waited 1, 2 and 4 seconds between attempts, and the entry went through
        assertThat(waits).containsExactly(1_000L, 2_000L, 4_000L);
        assertThat(balance(ALICE, AccountType.FUNDING, Bucket.AVAILABLE)).isEqualTo(100);
        assertThat(committed(P0)).isEqualTo(1);
        assertThat(sink.state()).isEqualTo(Status.UP);
        assertThat(registry.get("settlement.sink.tigerbeetle.retries").counter().count()).isEqualTo(3);
    }

    @Test
    void whenRetriesRunOutNothingIsCommittedAndThePartitionIsReadAgain() {
        // given TigerBeetle does not answer the account creation nor any retry
        TigerBeetleConfig settings = TigerBeetleConfig.defaults();
        ledger.failNext(settings.retryAttemptsMax());
        JournalEntry deposit = Journal.deposit("d1", ALICE, BTC, 100);
        journal(P0, deposit);

        // when the sink polls
        mirror();

        // then the backoff stayed bounded, nothing is committed, the partition is rewound (not paused), and the sink is DEGRADED
        assertThat(waits).containsExactly(1_000L, 2_000L, 4_000L, 8_000L, 10_000L);
        assertThat(committed(P0)).isNull();
        assertThat(consumer.position(P0)).isZero();
        assertThat(consumer.paused()).isEmpty();
        assertThat(sink.state()).isEqualTo(Status.DEGRADED);
        assertThat(sink.problems()).singleElement().asString().contains("create_accounts");

        // when TigerBeetle is back and the record is read again
        redeliver(P0, 0, deposit);
        mirror();

        // then it is mirrored and committed, and the sink is UP again
        assertThat(committed(P0)).isEqualTo(1);
        assertThat(balance(ALICE, AccountType.FUNDING, Bucket.AVAILABLE)).isEqualTo(100);
        assertThat(sink.state()).isEqualTo(Status.UP);
    }

    @Test
    void requestsStayWithinTheLimitAndNeverSplitAChain() {
        // given a limit of three transfers per request and chains of 1, 2, 2, 1 and 2 transfers
        sink = sinkWith(TigerBeetleConfig.defaults().withLimits(100, 3, 6, 1_000, 10_000, 1_000));
        journal(P0, Journal.deposit("d1", ALICE, BTC, 100), Journal.tradeCredit("x1", "BUYER", ALICE, BTC, 10, 1),
                Journal.tradeCredit("x2", "BUYER", ALICE, BTC, 10, 1), Journal.deposit("d2", ALICE, BTC, 1),
                Journal.tradeCredit("x3", "BUYER", ALICE, BTC, 10, 1));

        // when the sink polls
        mirror();

        // then three requests went out, each at most three transfers, each ending its last chain
        assertThat(ledger.transferRequestSizes).containsExactly(3, 3, 2);
        assertThat(ledger.transferRequestFlags).allSatisfy(flags ->
                assertThat(TransferFlags.hasLinked(flags.get(flags.size() - 1))).isFalse());
        assertThat(ledger.transferRequestFlags.get(0)).containsExactly(TransferFlags.NONE, TransferFlags.LINKED, TransferFlags.NONE);
        assertThat(committed(P0)).isEqualTo(5);
    }

    @Test
    void whileTigerBeetleWorksOnARequestTheNextIsReadAndItsAccountsSentButNotItsTransfers() {
        // given a limit of two transfers per request, and alice's two deposits out in one
        RecordingLedger recording = new RecordingLedger(ledger);
        sink = sinkOn(recording, TigerBeetleConfig.defaults().withLimits(100, 2, 6, 1_000, 10_000, 1_000));
        journal(P0, Journal.deposit("d1", ALICE, BTC, 100), Journal.deposit("d2", ALICE, BTC, 100));
        step();

        // when two entries with new accounts are read meanwhile, and the sink goes on
        journal(P0, Journal.withdrawRequested("w1", ALICE, BTC, 30), Journal.transfer("t1", ALICE, AccountType.FUNDING, AccountType.SPOT, BTC, 20));
        mirror();

        // then the second request's accounts went out before the first answer was awaited, its transfers only after it
        assertThat(recording.calls).containsExactly(
                "send create_accounts 1", "await create_accounts 1", "send create_transfers 1",
                "send create_accounts 2", "await create_transfers 1", "await create_accounts 2", "send create_transfers 2",
                "await create_transfers 2");
        assertThat(committed(P0)).isEqualTo(4);
        assertThat(balance(ALICE, AccountType.FUNDING, Bucket.AVAILABLE)).isEqualTo(150);
        assertThat(balance(ALICE, AccountType.SPOT, Bucket.AVAILABLE)).isEqualTo(20);
    }

    @Test
    void aRefusalInTheRequestOutHaltsOnlyItsPartitionAndItsEntriesReadSinceAreNotSent() {
        // given a limit of two transfers per request; alice's reservation TigerBeetle refuses is out
        sink = sinkWith(TigerBeetleConfig.defaults().withLimits(100, 2, 6, 1_000, 10_000, 1_000));
        journal(P0, Journal.orderReserved("o1", ALICE, BTC, 30));
        step();
        assertThat(sink.busy()).isTrue();

        // when alice's next deposit and bob's are read while it is out, then the answer comes
        journal(P0, Journal.deposit("d3", ALICE, BTC, 5));
        journal(P1, Journal.deposit("d2", BOB, BTC, 50));
        mirror();

        // then P0 halts at the reservation and its deposit read since never reached TigerBeetle; bob's went on
        assertThat(committed(P0)).isNull();
        assertThat(consumer.paused()).containsExactly(P0);
        assertThat(consumer.position(P0)).isZero();
        assertThat(ledger.transferRequestSizes).containsExactly(1, 1);
        assertThat(ledger.transferCount()).isEqualTo(1);
        assertThat(balance(BOB, AccountType.FUNDING, Bucket.AVAILABLE)).isEqualTo(50);
        assertThat(committed(P1)).isEqualTo(1);
        assertThat(sink.problems()).singleElement().asString().contains("ORDER_RESERVED:o1").contains("ExceedsCredits");
    }

    @Test
    void anEntryReadWhileTheOneBeforeIsUnansweredIsNotSentButReadAgainAfterIt() {
        // given a limit of one transfer per request; alice's first deposit is out, her second read for the next request
        sink = sinkWith(TigerBeetleConfig.defaults().withLimits(100, 1, 6, 1_000, 10_000, 1_000));
        JournalEntry[] deposits = {Journal.deposit("d1", ALICE, BTC, 100), Journal.deposit("d2", ALICE, BTC, 100)};
        journal(P0, deposits);
        step();

        // when TigerBeetle answers neither the first request nor any retry
        ledger.failNext(TigerBeetleConfig.defaults().retryAttemptsMax());
        step();

        // then nothing was applied or committed, and P0 is read again from the first deposit
        assertThat(ledger.transferCount()).isZero();
        assertThat(committed(P0)).isNull();
        assertThat(consumer.position(P0)).isZero();
        assertThat(sink.busy()).isFalse();

        // when TigerBeetle is back and both are read again
        redeliver(P0, 0, deposits);
        mirror();

        // then each was applied once, in order, and committed
        assertThat(ledger.transferRequestSizes).containsExactly(1, 1);
        assertThat(balance(ALICE, AccountType.FUNDING, Bucket.AVAILABLE)).isEqualTo(200);
        assertThat(committed(P0)).isEqualTo(2);
        assertThat(sink.state()).isEqualTo(Status.UP);
    }

    @Test
    void accountsNotAnsweredSendTheEntriesReadSinceBackToBeReadAgain() {
        // given a limit of one transfer per request; alice's deposit is out, and TigerBeetle stops answering account requests
        SwitchableLedger switchable = new SwitchableLedger(ledger);
        sink = sinkOn(switchable, TigerBeetleConfig.defaults().withLimits(100, 1, 6, 1_000, 10_000, 1_000));
        journal(P0, Journal.deposit("d1", ALICE, BTC, 100));
        step();
        switchable.accountsAnswer = false;

        // when bob's deposit (P1) and carol's (P0), whose accounts are new, are read meanwhile: one goes in the next
        // request, the other waits for the one after
        long carol = 9;
        JournalEntry bobs = Journal.deposit("d2", BOB, BTC, 50);
        JournalEntry carols = Journal.deposit("d3", carol, BTC, 70);
        journal(P1, bobs);
        journal(P0, carols);
        mirror();

        // then alice's deposit is committed; neither new deposit was sent, both partitions are read again from them
        assertThat(committed(P0)).isEqualTo(1);
        assertThat(committed(P1)).isNull();
        assertThat(consumer.position(P0)).isEqualTo(1);
        assertThat(consumer.position(P1)).isZero();
        assertThat(ledger.transferCount()).isEqualTo(1);
        assertThat(sink.problems()).singleElement().asString().contains("create_accounts");

        // when TigerBeetle answers again and both are read again
        switchable.accountsAnswer = true;
        redeliver(P1, 0, bobs);
        redeliver(P0, 1, carols);
        mirror();

        // then both are applied (their accounts were created first) and nothing halted
        assertThat(balance(BOB, AccountType.FUNDING, Bucket.AVAILABLE)).isEqualTo(50);
        assertThat(balance(carol, AccountType.FUNDING, Bucket.AVAILABLE)).isEqualTo(70);
        assertThat(committed(P0)).isEqualTo(2);
        assertThat(committed(P1)).isEqualTo(1);
        assertThat(sink.state()).isEqualTo(Status.UP);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aPartitionRevokedWhileItsRequestIsOutIsCommittedBeforeItGoes() {
        // given a subscribed sink whose consumer notes each offset committed while its partition is assigned
        Map<TopicPartition, Long> committedWhileAssigned = new java.util.HashMap<>();
        MockConsumer<byte[], byte[]> subscribed = new MockConsumer<>("earliest") {
            @Override
            public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
                offsets.forEach((partition, offset) -> {
                    if (assignment().contains(partition)) {
                        committedWhileAssigned.put(partition, offset.offset());
                    }
                });
                super.commitSync(offsets);
            }
        };
        consumer = subscribed;
        sink = sinkWith(TigerBeetleConfig.defaults());
        // and alice's deposit on P0 and bob's on P1 in the request out
        subscribed.schedulePollTask(() -> {
            subscribed.rebalance(List.of(P0, P1));
            subscribed.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
            journal(P0, Journal.deposit("d1", ALICE, BTC, 100));
            journal(P1, Journal.deposit("d2", BOB, BTC, 50));
        });

        // when P0 is revoked on the next poll, then the sink closed
        subscribed.schedulePollTask(() -> subscribed.rebalance(List.of(P1)));
        subscribed.schedulePollTask(sink::close);
        sink.run();

        // then the answer was committed for both partitions, P0's before it left
        assertThat(committedWhileAssigned).containsEntry(P0, 1L).containsEntry(P1, 1L);
        assertThat(balance(ALICE, AccountType.FUNDING, Bucket.AVAILABLE)).isEqualTo(100);
        assertThat(balance(BOB, AccountType.FUNDING, Bucket.AVAILABLE)).isEqualTo(50);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anAccountTheLedgerDefinesOtherwiseStopsTheSink() {
        // given TigerBeetle already has alice's funding account without the overdraft flag
        ledger.putAccount(new LedgerAccountKey(ALICE, AccountType.FUNDING, BTC, Bucket.AVAILABLE), 0);
        MockConsumer<byte[], byte[]> subscribed = new MockConsumer<>("earliest");
        consumer = subscribed;
        sink = sinkWith(TigerBeetleConfig.defaults());
        subscribed.schedulePollTask(() -> {
            subscribed.rebalance(List.of(P0));
            subscribed.updateBeginningOffsets(Map.of(P0, 0L));
            journal(P0, Journal.deposit("d1", ALICE, BTC, 100));
        });

        // when the sink runs
        sink.run();

        // then it stopped: DOWN, the account named, nothing committed, no transfer made, its consumer closed
        assertThat(sink.state()).isEqualTo(Status.DOWN);
        assertThat(sink.problems()).singleElement().asString().contains("ExistsWithDifferentFlags").contains("user 7 FUNDING.AVAILABLE");
        assertThat(ledger.transferCount()).isZero();
        assertThat(subscribed.closed()).isTrue();
    }

    /** The fake ledger behind a client that passes every call on; subclasses change what they test. */
    abstract static class ForwardingLedger implements LedgerClient {
        final FakeLedger ledger;

        ForwardingLedger(FakeLedger ledger) {
            this.ledger = ledger;
        }

        @Override
        public List<AccountError> createAccounts(com.tigerbeetle.AccountBatch batch) {
            return ledger.createAccounts(batch);
        }

        @Override
        public List<TransferError> createTransfers(com.tigerbeetle.TransferBatch batch) {
            return ledger.createTransfers(batch);
        }

        @Override
        public List<LedgerBalance> lookupAccounts(List<LedgerId> ids) {
            return ledger.lookupAccounts(ids);
        }

        @Override
        public void close() {
        }
    }

    /** The fake ledger, with every request sent and awaited written down in order. */
    static final class RecordingLedger extends ForwardingLedger {
        final List<String> calls = new ArrayList<>();
        private int accounts;
        private int transfers;

        RecordingLedger(FakeLedger ledger) {
            super(ledger);
        }

        @Override
        public Pending<List<AccountError>> sendAccounts(com.tigerbeetle.AccountBatch batch) {
            int number = ++accounts;
            calls.add("send create_accounts " + number);
            return () -> {
                calls.add("await create_accounts " + number);
                return ledger.createAccounts(batch);
            };
        }

        @Override
        public Pending<List<TransferError>> sendTransfers(com.tigerbeetle.TransferBatch batch) {
            int number = ++transfers;
            calls.add("send create_transfers " + number);
            return () -> {
                calls.add("await create_transfers " + number);
                return ledger.createTransfers(batch);
            };
        }

        @Override
        public List<AccountError> createAccounts(com.tigerbeetle.AccountBatch batch) {
            calls.add("create_accounts");
            return super.createAccounts(batch);
        }

        @Override
        public List<TransferError> createTransfers(com.tigerbeetle.TransferBatch batch) {
            calls.add("create_transfers");
            return super.createTransfers(batch);
        }
    }

    /** The fake ledger, whose account requests can be made to go unanswered. */
    static final class SwitchableLedger extends ForwardingLedger {
        volatile boolean accountsAnswer = true;

        SwitchableLedger(FakeLedger ledger) {
            super(ledger);
        }

        @Override
        public List<AccountError> createAccounts(com.tigerbeetle.AccountBatch batch) {
            if (!accountsAnswer) {
                throw new LedgerUnavailableException("create_accounts: no answer (test)", null);
            }
            return super.createAccounts(batch);
        }
    }
}
