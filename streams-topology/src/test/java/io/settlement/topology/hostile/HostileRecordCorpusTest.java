package io.settlement.topology.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.LegPhase;
import io.settlement.avro.LegResult;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeParty;
import io.settlement.avro.TradeSide;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.contract.SingleObjectSerde;
import io.settlement.contract.UnauthenticatedRecordException;
import io.settlement.contract.UserPartitioner;
import io.settlement.topology.DeadLetterHeaders;
import io.settlement.topology.balance.BalanceKey;
import io.settlement.topology.testkit.DriverTest;
import io.settlement.topology.testkit.SettlementDriver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * Hostile records on the input topics, through the real topology: garbage bytes, truncated Avro,
 * unknown schema fingerprints, null and wrong-size keys, out-of-range enum symbols and union
 * branches, commands that decode but break a rule, and trade legs forged onto the internal
 * topic. Each must get a clear answer (a dead letter with its reason, or a REJECTED result or
 * leg result with its reason) and none may change a balance or stop the stream.
 */
class HostileRecordCorpusTest extends DriverTest {
    static final long USER = 7;

    /**
     * One hostile record: raw bytes, or (when {@code typed} is set) a value that decodes, sent
     * through the driver's typed input with {@code typedKey} so the driver counts the answer it expects.
     */
    record Hostile(String kind, String topic, byte[] key, byte[] value, Object typed, Object typedKey) {
        Hostile(String kind, String topic, byte[] key, byte[] value) {
            this(kind, topic, key, value, null, null);
        }

        static Hostile typed(String kind, String topic, Object key, Object value) {
            return new Hostile(kind, topic, null, null, value, key);
        }
    }

    /** A leg as anyone with write access can write it: the right encoding, no authentication tag. */
    private static final String UNSIGNED_LEG = "forged trade leg without a tag";
    private static final SingleObjectSerde<TradeLeg> UNSIGNED = new SingleObjectSerde<>(TradeLeg.class);

    /** What the topology answered. */
    record Answer(String what, String reason) {}

    @Test
    void everyHostileRecordIsDeadLetteredOrRejectedAndNoneChangesABalance() {
        // given a user with money in both wallets and an open order, so a forged step has something to move
        driver.send(commands.deposit("seed-1", USER, "BTC", 500_000_000L));
        driver.send(commands.transfer("seed-2", USER, Wallet.FUNDING, Wallet.SPOT, "BTC", 200_000_000L));
        driver.send(commands.orderReserved("seed-3", USER, "o-1", "BTC", 100_000_000L));
        List<Hostile> corpus = new ArrayList<>();
        corpus.addAll(garbage());
        corpus.addAll(truncated());
        corpus.addAll(hugeLengthClaims());
        corpus.addAll(unknownFingerprints());
        corpus.addAll(badKeys());
        corpus.addAll(badEnumsAndUnions());
        corpus.addAll(decodableButWrong());
        corpus.addAll(forgedLegs());
        Map<BalanceKey, List<Long>> before = amounts();

        // when each is sent, then each is answered, and no balance moves
        Map<String, Integer> counts = new TreeMap<>();
        Map<String, Integer> answers = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        for (Hostile hostile : corpus) {
            Answer answer = send(hostile);
            counts.merge(hostile.kind(), 1, Integer::sum);
            answers.merge(answer.what() + " " + answer.reason(), 1, Integer::sum);
            if (hostile.kind().equals(UNSIGNED_LEG) && !answer.equals(new Answer("DEAD_LETTER", UnauthenticatedRecordException.REASON))) {
                wrong.add(hostile.kind() + " on " + hostile.topic() + " not refused by authentication: " + answer);
            }
            if (!answer.what().equals("DEAD_LETTER") && !answer.what().equals("REJECTED")) {
                wrong.add(hostile.kind() + " on " + hostile.topic() + ": " + answer);
            }
            if (!amounts().equals(before)) {
                wrong.add(hostile.kind() + " on " + hostile.topic() + " changed a balance: " + answer + " from " + before + " to " + amounts());
                before = amounts();
            }
        }
        System.out.println("Hostile Kafka corpus: " + corpus.size() + " records, by kind " + counts);
        System.out.println("Hostile Kafka corpus answers: " + answers);
        assertThat(wrong).as("records not answered with a dead letter or a rejection, or that moved money").isEmpty();
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(50);

        // and the stream goes on: a good command after all of them settles
        assertThat(driver.send(commands.deposit("after-the-corpus", USER, "BTC", 1)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
    }

    // ---- the corpus ---------------------------------------------------------------------------

    private List<Hostile> garbage() {
        List<Hostile> records = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(13);
        List<String> topics = List.of(balanceOperations(), transferRequests(), tradeLegs(), trades());
        for (String topic : topics) {
            for (int length : new int[] {1, 9, 64, 700}) {
                byte[] bytes = new byte[length];
                random.nextBytes(bytes);
                records.add(new Hostile("garbage bytes", topic, keyFor(topic), bytes));
            }
            records.add(new Hostile("garbage bytes", topic, keyFor(topic), "{\"user_id\":7,\"amount\":100}".getBytes(StandardCharsets.UTF_8)));
            records.add(new Hostile("garbage bytes", topic, keyFor(topic), new byte[0]));
        }
        return records;
    }

    /** A valid record of each input topic's type, ids starting with {@code prefix}: the material the malformed ones are cut from. */
    private List<Hostile> oneValidOfEachInput(String prefix) {
        return List.of(
                new Hostile("", balanceOperations(), key(USER), encode(commands.deposit(prefix + "-1", USER, "BTC", 5))),
                new Hostile("", transferRequests(), key(USER), encode(commands.transfer(prefix + "-2", USER, Wallet.SPOT, Wallet.FUNDING, "BTC", 5))),
                new Hostile("", tradeLegs(), key(USER), encode(commands.leg(prefix + "-3", USER, TradeSide.BUYER, LegPhase.CREDIT, "BTC", 5, 0, null))),
                new Hostile("", trades(), "t".getBytes(StandardCharsets.UTF_8), encode(trade(prefix + "-4", USER, USER + 1))));
    }

    private List<Hostile> truncated() {
        List<Hostile> records = new ArrayList<>();
        for (Hostile record : oneValidOfEachInput("trunc")) {
            int length = record.value().length;
            for (int cut : new int[] {2, 10, 11, length / 2, length - 1}) {
                records.add(new Hostile("truncated Avro", record.topic(), record.key(), Arrays.copyOf(record.value(), cut)));
            }
        }
        return records;
    }

    /**
     * A valid header, then a first field (a string in every input type) whose length prefix claims
     * 1 GB or 2 GB, in a record of a few bytes: read bounded by the record, so refused, never
     * allocated (a stream decoder would allocate the claim and fail the thread with OutOfMemoryError).
     */
    private List<Hostile> hugeLengthClaims() {
        List<Hostile> records = new ArrayList<>();
        for (Hostile record : oneValidOfEachInput("huge")) {
            for (long claim : new long[] {1L << 30, Integer.MAX_VALUE}) {
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                bytes.write(record.value(), 0, 10); // marker and fingerprint, as written
                for (long zigzag = claim << 1; ; zigzag >>>= 7) { // Avro's zig-zag varint of the length
                    if ((zigzag & ~0x7FL) == 0) {
                        bytes.write((int) zigzag);
                        break;
                    }
                    bytes.write((int) ((zigzag & 0x7F) | 0x80));
                }
                bytes.write(new byte[] {'x', 'y', 'z'}, 0, 3);
                records.add(new Hostile("huge length claim", record.topic(), record.key(), bytes.toByteArray()));
            }
        }
        return records;
    }

    private List<Hostile> unknownFingerprints() {
        List<Hostile> records = new ArrayList<>();
        byte[] deposit = encode(commands.deposit("fp-1", USER, "BTC", 5));
        byte[] transfer = encode(commands.transfer("fp-2", USER, Wallet.SPOT, Wallet.FUNDING, "BTC", 5));
        byte[] leg = encode(commands.leg("fp-3", USER, TradeSide.SELLER, LegPhase.CREDIT, "BTC", 5, 0, null));
        for (int flip : new int[] {2, 5, 9}) {
            records.add(new Hostile("unknown schema fingerprint", balanceOperations(), key(USER), flipped(deposit, flip)));
            records.add(new Hostile("unknown schema fingerprint", transferRequests(), key(USER), flipped(transfer, flip)));
            records.add(new Hostile("unknown schema fingerprint", tradeLegs(), key(USER), flipped(leg, flip)));
        }
        // a value of one topic's type on another topic: a fingerprint the reader does not know
        records.add(new Hostile("unknown schema fingerprint", balanceOperations(), key(USER), transfer));
        records.add(new Hostile("unknown schema fingerprint", transferRequests(), key(USER), deposit));
        return records;
    }

    private List<Hostile> badKeys() {
        List<Hostile> records = new ArrayList<>();
        byte[] deposit = encode(commands.deposit("key-1", USER, "BTC", 1_000));
        byte[] transfer = encode(commands.transfer("key-2", USER, Wallet.SPOT, Wallet.FUNDING, "BTC", 1_000));
        byte[] leg = encode(commands.leg("key-3", USER, TradeSide.SELLER, LegPhase.CREDIT, "BTC", 1_000, 0, null));
        for (byte[] key : List.of(new byte[0], new byte[] {7}, new byte[4], new byte[7], new byte[9], new byte[16])) {
            records.add(new Hostile("wrong-size key", balanceOperations(), key, deposit));
            records.add(new Hostile("wrong-size key", transferRequests(), key, transfer));
        }
        records.add(new Hostile("wrong-size key", tradeLegs(), new byte[3], leg));
        records.add(Hostile.typed("null key", balanceOperations(), null, commands.deposit("key-6", USER, "BTC", 1_000)));
        records.add(Hostile.typed("null key", transferRequests(), null, commands.transfer("key-7", USER, Wallet.SPOT, Wallet.FUNDING, "BTC", 1_000)));
        records.add(Hostile.typed("null key", tradeLegs(), null, commands.leg("key-8", USER, TradeSide.SELLER, LegPhase.CREDIT, "BTC", 1_000, 0, null)));
        records.add(new Hostile("null value", balanceOperations(), key(USER), null));
        records.add(new Hostile("null value", tradeLegs(), key(USER), null));
        // a key naming another user than the value
        records.add(Hostile.typed("key of another user", balanceOperations(), USER + 1, commands.deposit("key-4", USER, "BTC", 1_000)));
        records.add(Hostile.typed("key of another user", transferRequests(), USER + 1,
                commands.transfer("key-5", USER, Wallet.SPOT, Wallet.FUNDING, "BTC", 1_000)));
        return records;
    }

    private List<Hostile> badEnumsAndUnions() {
        List<Hostile> records = new ArrayList<>();
        byte[] transferHeader = header(encode(commands.transfer("h", USER, Wallet.SPOT, Wallet.FUNDING, "BTC", 1)));
        byte[] legHeader = header(encode(commands.leg("h", USER, TradeSide.BUYER, LegPhase.DEBIT, "BTC", 1, 0, null)));
        byte[] operationHeader = header(encode(commands.deposit("h", USER, "BTC", 1)));
        for (int symbol : new int[] {2, 3, 100, -1}) {
            records.add(new Hostile("unknown enum symbol", transferRequests(), key(USER), concat(transferHeader, body(encoder -> {
                encoder.writeString("enum-" + symbol);
                encoder.writeLong(USER);
                encoder.writeEnum(symbol);
                encoder.writeEnum(1);
                encoder.writeString("BTC");
                encoder.writeLong(1_000);
                encoder.writeLong(driver.now().toEpochMilli());
            }))));
            records.add(new Hostile("unknown enum symbol", tradeLegs(), key(USER), concat(legHeader, body(encoder -> {
                encoder.writeString("enum-" + symbol);
                encoder.writeLong(USER);
                encoder.writeEnum(0);
                encoder.writeEnum(symbol == -1 ? -1 : symbol + 1);
                encoder.writeString("BTC");
                encoder.writeLong(1_000);
                encoder.writeLong(0);
                encoder.writeIndex(0);
                encoder.writeLong(driver.now().toEpochMilli());
            }))));
            records.add(new Hostile("unknown union branch", balanceOperations(), key(USER), concat(operationHeader, body(encoder -> {
                encoder.writeString("union-" + symbol);
                encoder.writeLong(USER);
                encoder.writeLong(driver.now().toEpochMilli());
                encoder.writeIndex(symbol == -1 ? -1 : 9 + symbol);
                encoder.writeString("BTC");
                encoder.writeLong(1_000);
            }))));
        }
        return records;
    }

    private List<Hostile> decodableButWrong() {
        Instant longAgo = driver.now().minus(Duration.ofDays(400));
        List<Hostile> records = new ArrayList<>();
        List<BalanceOperation> operations = List.of(
                commands.deposit("w-1", USER, "BTC", -5),
                commands.deposit("w-2", USER, "BTC", 0),
                commands.deposit("w-3", USER, "DOGE", 5),
                commands.deposit("", USER, "BTC", 5),
                commands.deposit("w-5", USER, "BTC", Long.MAX_VALUE),
                commands.withdrawRequested("w-6", USER, "wd-1", "BTC", 10_000_000_000L),
                commands.withdrawConfirmed("w-7", USER, "never-requested"),
                commands.depositConfirmed("w-8", USER, "never-initiated"),
                commands.orderReleased("w-9", USER, "never-reserved", 0),
                commands.orderReserved("w-10", USER, "o-1", "BTC", 1),
                BalanceOperation.newBuilder(commands.deposit("w-11", USER, "BTC", 5)).setCreatedAt(longAgo).build());
        for (BalanceOperation operation : operations) {
            records.add(Hostile.typed("decodable, breaks a rule", balanceOperations(), USER, operation));
        }
        records.add(Hostile.typed("decodable, breaks a rule", balanceOperations(), 0L, commands.deposit("w-12", 0, "BTC", 5)));
        records.add(Hostile.typed("decodable, breaks a rule", balanceOperations(), -3L, commands.deposit("w-13", -3, "BTC", 5)));
        records.add(Hostile.typed("decodable, breaks a rule", transferRequests(), USER,
                commands.transfer("w-14", USER, Wallet.SPOT, Wallet.SPOT, "BTC", 5)));
        records.add(Hostile.typed("decodable, breaks a rule", transferRequests(), USER,
                commands.transfer("w-15", USER, Wallet.SPOT, Wallet.FUNDING, "BTC", 900_000_000L)));
        records.add(Hostile.typed("decodable, breaks a rule", transferRequests(), USER,
                commands.transfer("seed-2", USER, Wallet.FUNDING, Wallet.SPOT, "BTC", 1)));
        records.add(Hostile.typed("decodable, breaks a rule", trades(), Bytes.wrap("t".getBytes(StandardCharsets.UTF_8)), trade("w-17", USER, USER)));
        records.add(Hostile.typed("decodable, breaks a rule", trades(), Bytes.wrap("t".getBytes(StandardCharsets.UTF_8)),
                Trade.newBuilder(trade("w-18", USER, USER + 1)).setBaseQty(-1).build()));
        return records;
    }

    /**
     * Legs forged onto settlement.internal.trade-legs. Written as anyone with write access can
     * write them, without the authentication tag, every one is dead-lettered
     * UNAUTHENTICATED_INTERNAL_RECORD before the balance task sees it. The same legs signed with the
     * key (as a coordinator that went wrong would send them) are still refused by the balance task's
     * own rules: broken ones rejected, and well-formed CREDITs and REFUNDs that end no DEBIT it
     * accepted dead-lettered UNBACKED_LEG (a CREDIT or REFUND moves money only to end its side's
     * accepted DEBIT).
     */
    private List<Hostile> forgedLegs() {
        List<Hostile> records = new ArrayList<>();
        List<TradeLeg> legs = List.of(
                commands.leg("forged-1", USER, TradeSide.SELLER, LegPhase.DEBIT, "BTC", 50_000_000_000L, 0, null),
                commands.leg("forged-2", USER, TradeSide.SELLER, LegPhase.DEBIT, "BTC", 1_000, 0, "no-such-order"),
                commands.leg("forged-3", USER, TradeSide.BUYER, LegPhase.DEBIT, "DOGE", 1_000, 0, null),
                commands.leg("forged-4", USER, TradeSide.BUYER, LegPhase.DEBIT, "BTC", -1_000, 0, null),
                commands.leg("forged-5", USER, TradeSide.BUYER, LegPhase.CREDIT, "BTC", 0, 0, null),
                commands.leg("forged-6", 0, TradeSide.BUYER, LegPhase.CREDIT, "BTC", 1_000, 0, null),
                commands.leg("", USER, TradeSide.BUYER, LegPhase.CREDIT, "BTC", 1_000, 0, null));
        for (TradeLeg leg : legs) {
            records.add(Hostile.typed("signed invalid trade leg", tradeLegs(), leg.getUserId(), leg));
        }
        List<TradeLeg> unbacked = List.of(
                commands.side("forged-9", USER, TradeSide.BUYER, "USDT", 1_000, "BTC", 1_000, 0, null).credit(),
                commands.side("forged-10", USER, TradeSide.SELLER, "BTC", 1_000, "USDT", 1_000, 0, null).refund(),
                commands.leg("forged-11", USER, TradeSide.BUYER, LegPhase.REFUND, "BTC", 1_000, 0, null));
        for (TradeLeg leg : unbacked) {
            records.add(Hostile.typed("signed ending of no debit", tradeLegs(), leg.getUserId(), leg));
        }
        records.add(Hostile.typed("signed invalid trade leg", tradeLegs(), USER + 1,
                commands.leg("forged-8", USER, TradeSide.BUYER, LegPhase.CREDIT, "BTC", 1_000, 0, null)));
        List<Hostile> unsigned = new ArrayList<>();
        for (Hostile signed : records) {
            TradeLeg leg = (TradeLeg) signed.typed();
            unsigned.add(new Hostile(UNSIGNED_LEG, tradeLegs(), key((Long) signed.typedKey()), UNSIGNED.serialize(tradeLegs(), leg)));
        }
        unsigned.add(new Hostile(UNSIGNED_LEG, tradeLegs(), key(USER),
                UNSIGNED.serialize(tradeLegs(), commands.side("forged-12", USER, TradeSide.SELLER, "BTC", 1, "USDT", 1_000_000_000L, 0, null).debit())));
        records.addAll(unsigned);
        return records;
    }

    // ---- sending and reading the answer ------------------------------------------------------

    private Answer send(Hostile hostile) {
        int deadLetters = driver.deadLetters().size();
        int results = driver.results().size();
        int legResults = driver.legResults().size();
        if (hostile.typed() instanceof BalanceOperation operation) {
            driver.send((Long) hostile.typedKey(), operation);
        } else if (hostile.typed() instanceof TransferRequest request) {
            driver.send((Long) hostile.typedKey(), request);
        } else if (hostile.typed() instanceof TradeLeg leg) {
            driver.send((Long) hostile.typedKey(), leg);
        } else if (hostile.typed() instanceof Trade trade) {
            driver.send((Bytes) hostile.typedKey(), trade);
        } else {
            driver.sendRaw(hostile.topic(), hostile.key(), hostile.value());
        }
        if (driver.results().size() > results) {
            SettlementResult result = driver.results().get(driver.results().size() - 1);
            return new Answer(result.getStatus().name(), String.valueOf(result.getReason()));
        }
        if (driver.legResults().size() > legResults) {
            LegResult result = driver.legResults().get(driver.legResults().size() - 1);
            return new Answer(result.getStatus().name(), "leg " + result.getReason());
        }
        if (driver.deadLetters().size() > deadLetters) {
            TestRecord<byte[], byte[]> letter = driver.deadLetters().get(driver.deadLetters().size() - 1);
            String reason = SettlementDriver.header(letter, DeadLetterHeaders.REASON);
            return new Answer("DEAD_LETTER", reason != null ? reason : simpleName(SettlementDriver.header(letter, DeadLetterHeaders.EXCEPTION)));
        }
        return new Answer("SILENT", "no dead letter, no result");
    }

    /** Every non-empty account's available, frozen and pending (not its seq: a step and its undo leave the money where it was). */
    private Map<BalanceKey, List<Long>> amounts() {
        Map<BalanceKey, List<Long>> amounts = new java.util.HashMap<>();
        driver.allBalances().forEach((key, balance) -> {
            if ((balance.available() | balance.frozen() | balance.pending()) != 0) {
                amounts.put(key, List.of(balance.available(), balance.frozen(), balance.pending()));
            }
        });
        return amounts;
    }


    private static String simpleName(String className) {
        return className == null ? "no reason" : className.substring(className.lastIndexOf('.') + 1);
    }

    // ---- encoding -----------------------------------------------------------------------------

    private interface Body {
        void write(BinaryEncoder encoder) throws IOException;
    }

    private static byte[] body(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            body.write(encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The single-object header of an encoded value: the marker C3 01 and the 8-byte schema fingerprint. */
    private static byte[] header(byte[] encoded) {
        return Arrays.copyOf(encoded, 10);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    private static byte[] flipped(byte[] encoded, int index) {
        byte[] copy = encoded.clone();
        copy[index] ^= (byte) 0x5A;
        return copy;
    }

    private byte[] encode(BalanceOperation value) {
        return driver.topics().balanceOperations().valueSerde().serializer().serialize(balanceOperations(), value);
    }

    private byte[] encode(TransferRequest value) {
        return driver.topics().transferRequests().valueSerde().serializer().serialize(transferRequests(), value);
    }

    private byte[] encode(TradeLeg value) {
        return driver.topics().tradeLegs().valueSerde().serializer().serialize(tradeLegs(), value);
    }

    private byte[] encode(Trade value) {
        return driver.topics().trades().valueSerde().serializer().serialize(trades(), value);
    }

    private Trade trade(String id, long buyer, long seller) {
        return new Trade(id, "BTCUSDT", "BTC", "USDT", 1_000L, 50_000L, new TradeParty(buyer, null, 0L),
                new TradeParty(seller, null, 0L), driver.now());
    }

    private static byte[] key(long userId) {
        return UserPartitioner.keyBytes(userId);
    }

    private byte[] keyFor(String topic) {
        return topic.equals(trades()) ? "garbage".getBytes(StandardCharsets.UTF_8) : key(USER);
    }

    private String balanceOperations() {
        return driver.topics().balanceOperations().name();
    }

    private String transferRequests() {
        return driver.topics().transferRequests().name();
    }

    private String tradeLegs() {
        return driver.topics().tradeLegs().name();
    }

    private String trades() {
        return driver.topics().trades().name();
    }
}
