package io.settlement.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settlement.avro.Account;
import io.settlement.avro.TradeState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SingleObjectSerde} writes exactly the bytes of Avro's own single-object encoder and
 * reads what it writes, for seeded random samples of every generated record type and of every
 * older published version; it rejects every truncation and every length prefix that claims more
 * than the record holds, without allocating it; one instance serves many threads.
 */
class SingleObjectBytesTest {
    private static final int SAMPLES = 200;
    private static final String TOPIC = "t";

    /** Every generated record class of the contract, found beside {@link Account}'s class file. */
    static Stream<Class<? extends SpecificRecord>> generatedRecords() {
        try {
            Path dir = Path.of(Account.class.getResource("Account.class").toURI()).getParent();
            List<Class<? extends SpecificRecord>> records = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.sorted().toList()) {
                    String name = file.getFileName().toString();
                    if (name.endsWith(".class") && !name.contains("$")) {
                        Class<?> type = Class.forName(TrustedContract.AVRO_PACKAGE + "." + name.substring(0, name.length() - ".class".length()));
                        if (SpecificRecord.class.isAssignableFrom(type)) {
                            records.add(type.asSubclass(SpecificRecord.class));
                        }
                    }
                }
            }
            assertThat(records).as("generated record classes").hasSizeGreaterThanOrEqualTo(20);
            return records.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException | ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Record types with at least one older published version. */
    static Stream<Class<? extends SpecificRecord>> recordsWithHistory() {
        return generatedRecords().filter(type -> olderVersions(type).size() > 0);
    }

    @ParameterizedTest
    @MethodSource("generatedRecords")
    <T extends SpecificRecord> void writesAvrosBytesAndBothReadBoth(Class<T> type) throws IOException {
        SingleObjectSerde<T> serde = new SingleObjectSerde<>(type);
        SpecificData model = SpecificData.getForClass(type);
        Schema schema = model.getSchema(type);
        BinaryMessageEncoder<T> avroEncoder = new BinaryMessageEncoder<>(model, schema);
        BinaryMessageDecoder<T> avroDecoder = avroDecoder(type);

        for (T sample : samples(type, schema, schema, SAMPLES, 17)) {
            byte[] avroBytes = bytes(avroEncoder.encode(sample));
            byte[] ours = serde.serialize(TOPIC, sample);

            assertThat(ours).as("bytes of %s", sample).isEqualTo(avroBytes);
            assertThat(serde.deserialize(TOPIC, avroBytes)).isEqualTo(sample);
            assertThat(avroDecoder.decode(ours)).isEqualTo(sample);
        }
    }

    @ParameterizedTest
    @MethodSource("recordsWithHistory")
    <T extends SpecificRecord> void recordsOfOlderVersionsReadAsTheNewestExactlyAsAvroReadsThem(Class<T> type) throws IOException {
        SingleObjectSerde<T> serde = new SingleObjectSerde<>(type);
        BinaryMessageDecoder<T> avroDecoder = avroDecoder(type);
        for (Schema older : olderVersions(type)) {
            BinaryMessageEncoder<Object> olderEncoder = new BinaryMessageEncoder<>(GenericData.get(), older);
            SplittableRandom random = new SplittableRandom(29);
            for (int i = 0; i < SAMPLES; i++) {
                byte[] written = bytes(olderEncoder.encode(RandomDatum.of(older, random)));

                T read = serde.deserialize(TOPIC, written);

                assertThat(read).isEqualTo(avroDecoder.decode(written));
                assertThat(read.getSchema()).isEqualTo(SpecificData.getForClass(type).getSchema(type));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("generatedRecords")
    <T extends SpecificRecord> void everyTruncationIsASerializationExceptionNamingTypeAndTopic(Class<T> type) {
        SingleObjectSerde<T> serde = new SingleObjectSerde<>(type);
        Schema schema = SpecificData.getForClass(type).getSchema(type);
        for (T sample : samples(type, schema, schema, 20, 31)) {
            byte[] bytes = serde.serialize(TOPIC, sample);
            for (int length = 0; length < bytes.length; length++) {
                byte[] cut = Arrays.copyOf(bytes, length);
                assertThatThrownBy(() -> serde.deserialize("some.topic", cut))
                        .as("%s cut to %d of %d bytes", type.getSimpleName(), length, bytes.length)
                        .isInstanceOf(SerializationException.class)
                        .hasMessageStartingWith("cannot decode " + type.getSimpleName() + " from some.topic: ");
            }
        }
    }

    @Test
    void theMessagesOfAnUnreadableHeaderAreAvros() {
        SingleObjectSerde<Account> serde = new SingleObjectSerde<>(Account.class);
        byte[] valid = serde.serialize(TOPIC, samples(Account.class, Account.getClassSchema(), Account.getClassSchema(), 1, 3).get(0));
        byte[] unknownFingerprint = valid.clone();
        unknownFingerprint[9] ^= 0x40;

        assertThatThrownBy(() -> serde.deserialize(TOPIC, new byte[] {(byte) 0xC3, 0x01, 0}))
                .isInstanceOf(SerializationException.class).hasMessage("cannot decode Account from t: Not enough header bytes");
        assertThatThrownBy(() -> serde.deserialize(TOPIC, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))
                .isInstanceOf(SerializationException.class).hasMessage("cannot decode Account from t: Unrecognized header bytes: 0x00 0x00");
        long fingerprint = ByteBuffer.wrap(unknownFingerprint, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThatThrownBy(() -> serde.deserialize(TOPIC, unknownFingerprint))
                .isInstanceOf(SerializationException.class)
                .hasMessage("cannot decode Account from t: Cannot resolve schema for fingerprint: " + fingerprint);
    }

    /**
     * A string's or an array's length prefix that claims about 2 GB is refused by comparing it
     * with the bytes left; nothing near its size is allocated (Avro's stream decoder, behind
     * {@code BinaryMessageDecoder.decode(byte[])}, allocates a string's claimed length first).
     */
    @ParameterizedTest
    @MethodSource("generatedRecords")
    <T extends SpecificRecord> void aLengthPrefixClaiming2GbIsRefusedWithoutAllocatingIt(Class<T> type) throws IOException {
        SingleObjectSerde<T> serde = new SingleObjectSerde<>(type);
        Schema schema = SpecificData.getForClass(type).getSchema(type);
        byte[] header = Arrays.copyOf(serde.serialize(TOPIC, samples(type, schema, schema, 1, 5).get(0)), 10);
        List<byte[]> hostile = new ArrayList<>();
        for (Schema.Field field : schema.getFields()) {
            Schema.Type fieldType = field.schema().getType();
            if (fieldType == Schema.Type.STRING || fieldType == Schema.Type.ARRAY) {
                // the fields before it from a valid sample, then the claim, then nothing
                T sample = samples(type, schema, schema, 1, 5).get(0);
                byte[] prefix = genericBytesOfFieldsBefore(schema, sample, field.pos());
                ByteArrayOutputStream claim = new ByteArrayOutputStream();
                BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(claim, null);
                encoder.writeLong(Integer.MAX_VALUE - 8);
                hostile.add(concat(concat(header, prefix), claim.toByteArray()));
            }
        }
        if (hostile.isEmpty()) {
            return;
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (byte[] record : hostile) {
            long before = threads.getCurrentThreadAllocatedBytes();
            assertThatThrownBy(() -> serde.deserialize(TOPIC, record))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageStartingWith("cannot decode " + type.getSimpleName() + " from t: ");
            assertThat(threads.getCurrentThreadAllocatedBytes() - before).as("bytes allocated refusing %s", type.getSimpleName())
                    .isLessThan(1_000_000);
        }
    }

    @Test
    void oneInstanceServesManyThreadsAtOnce() throws Exception {
        SingleObjectSerde<TradeState> serde = new SingleObjectSerde<>(TradeState.class);
        BinaryMessageEncoder<TradeState> avroEncoder = new BinaryMessageEncoder<>(SpecificData.getForClass(TradeState.class), TradeState.getClassSchema());
        int threads = 4;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> checked = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<TradeState> mine = samples(TradeState.class, TradeState.getClassSchema(), TradeState.getClassSchema(), 300, 100 + t);
                Callable<Integer> work = () -> {
                    start.await();
                    int count = 0;
                    for (int round = 0; round < 5; round++) {
                        for (TradeState sample : mine) {
                            byte[] bytes = serde.serialize(TOPIC, sample);
                            assertThat(bytes).isEqualTo(bytes(avroEncoder.encode(sample)));
                            assertThat(serde.deserialize(TOPIC, bytes)).isEqualTo(sample);
                            count++;
                        }
                    }
                    return count;
                };
                checked.add(pool.submit(work));
            }
            for (Future<Integer> result : checked) {
                assertThat(result.get()).isEqualTo(1_500);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- samples ------------------------------------------------------------------------------

    /** Seeded random records of {@code type}: random data of {@code writer}, read as {@code reader}. */
    private static <T extends SpecificRecord> List<T> samples(Class<T> type, Schema writer, Schema reader, int count, long seed) {
        SpecificDatumReader<T> specific = new SpecificDatumReader<>(writer, reader, SpecificData.getForClass(type));
        SplittableRandom random = new SplittableRandom(seed);
        List<T> samples = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                byte[] bytes = genericBytes(writer, RandomDatum.of(writer, random));
                samples.add(specific.read(null, DecoderFactory.get().binaryDecoder(bytes, null)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return samples;
    }

    private static byte[] genericBytes(Schema schema, Object datum) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            new GenericDatumWriter<Object>(schema, GenericData.get()).write(datum, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Avro binary of {@code record}'s fields before position {@code end}. */
    private static byte[] genericBytesOfFieldsBefore(Schema schema, SpecificRecord record, int end) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        SpecificData model = SpecificData.getForClass(record.getClass());
        for (Schema.Field field : schema.getFields().subList(0, end)) {
            new SpecificDatumWriter<Object>(field.schema(), model).write(record.get(field.pos()), encoder);
        }
        encoder.flush();
        return out.toByteArray();
    }

    private static <T extends SpecificRecord> BinaryMessageDecoder<T> avroDecoder(Class<T> type) {
        SpecificData model = SpecificData.getForClass(type);
        Schema schema = model.getSchema(type);
        BinaryMessageDecoder<T> decoder = new BinaryMessageDecoder<>(model, schema);
        SchemaHistory.versions(schema.getFullName()).forEach(decoder::addSchema);
        return decoder;
    }

    private static List<Schema> olderVersions(Class<?> type) {
        Schema schema = SpecificData.get().getSchema(type);
        long newest = SchemaNormalization.parsingFingerprint64(schema);
        return SchemaHistory.versions(schema.getFullName()).stream()
                .filter(version -> SchemaNormalization.parsingFingerprint64(version) != newest).toList();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    /** A random generic datum of a schema: every branch, symbol and edge value turns up. */
    private static final class RandomDatum {
        private static final String[] STRINGS = {"", "a", "BTC", "DEPOSIT:d-12345", "ü€𝄞", "x".repeat(300)};
        private static final long[] LONGS = {0, 1, -1, 63, 64, -64, -65, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE};

        static Object of(Schema schema, SplittableRandom random) {
            switch (schema.getType()) {
                case RECORD: {
                    GenericData.Record record = new GenericData.Record(schema);
                    for (Schema.Field field : schema.getFields()) {
                        record.put(field.pos(), of(field.schema(), random));
                    }
                    return record;
                }
                case ENUM:
                    return new GenericData.EnumSymbol(schema, schema.getEnumSymbols().get(random.nextInt(schema.getEnumSymbols().size())));
                case ARRAY: {
                    int size = random.nextInt(4);
                    List<Object> items = new ArrayList<>();
                    for (int i = 0; i < size; i++) {
                        items.add(of(schema.getElementType(), random));
                    }
                    return new GenericData.Array<>(schema, items);
                }
                case UNION:
                    return of(schema.getTypes().get(random.nextInt(schema.getTypes().size())), random);
                case STRING:
                    return random.nextInt(3) == 0 ? STRINGS[random.nextInt(STRINGS.length)] : "s-" + random.nextLong(1_000_000_000L);
                case LONG:
                    return random.nextInt(3) == 0 ? LONGS[random.nextInt(LONGS.length)] : random.nextLong();
                case INT:
                    return random.nextInt(3) == 0 ? (int) LONGS[random.nextInt(LONGS.length)] : random.nextInt();
                case BOOLEAN:
                    return random.nextBoolean();
                case DOUBLE:
                    return random.nextDouble();
                case FLOAT:
                    return (float) random.nextDouble();
                case NULL:
                    return null;
                default:
                    throw new IllegalArgumentException("no random " + schema.getType() + " (a new type in the contract: add it here)");
            }
        }
    }
}
