package io.settlement.app;

import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code settlement produce}: reads commands as JSON lines (docs/produce.md) from a file or
 * stdin and publishes each to its topic with the contract's key and serde. A user-keyed command
 * goes to the partition {@link UserPartitioner} gives for its key, set explicitly on the record,
 * so no producer default can ever place it elsewhere. A bad line is reported with its number
 * and the rest still go out; the exit code is 1 when any line failed.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Publish commands given as JSON lines (one object per line, see docs/produce.md) from FILE or stdin.")
final class ProduceCommand implements Callable<Integer> {
    /** The defaults of {@code produce}: the dev broker. */
    static final Map<String, String> PRODUCE_DEFAULTS = withBootstrap(AppSettings.RUN_DEFAULTS, "127.0.0.1:9092");
    /** A longer line is refused rather than parsed. */
    static final int LINE_LENGTH_MAX = 64 * 1024;
    /** How long a send may wait for metadata or buffer space. */
    static final int MAX_BLOCK_MS = 15_000;
    /** How long a record may take to be acknowledged, retries included. */
    static final int DELIVERY_TIMEOUT_MS = 60_000;

    @Mixin
    SettlementCli.ConfigOptions config;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "JSON lines to publish; stdin when absent or '-'.")
    String file;

    @picocli.CommandLine.Option(names = {"-v", "--verbose"}, description = "Print topic, partition and offset of every record sent.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AppSettings settings = config.load(PRODUCE_DEFAULTS, Map.of());
        quietKafkaClientLogs();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // The app's wire format (serde.format): with the Confluent format the values carry registry ids.
        AvroSerdes avro = settings.wireFormat();
        Topics topics = Topics.create(avro);
        SettlementApp.prepareWireFormat(avro, topics);
        CommandJson json = new CommandJson(topics, Clock.systemUTC());
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        int lines = 0;
        Map<String, Integer> partitionCounts = new HashMap<>();
        Map<String, String> unavailableTopics = new HashMap<>();

        try (BufferedReader reader = open();
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(settings))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                int lineNumber = ++lines;
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                try {
                    if (trimmed.length() > LINE_LENGTH_MAX) {
                        throw new CommandJson.InvalidCommandException("longer than " + LINE_LENGTH_MAX + " characters");
                    }
                    CommandJson.EncodedCommand command = json.parse(trimmed);
                    Integer partition = null;
                    if (command.userKeyed()) {
                        partition = UserPartitioner.partitionOf(command.key(),
                                partitionCount(producer, command.topic(), partitionCounts, unavailableTopics));
                    }
                    producer.send(new ProducerRecord<>(command.topic(), partition, command.key(), command.value()),
                            (metadata, exception) -> {
                                if (exception != null) {
                                    failed.incrementAndGet();
                                    report(err, lineNumber, "not sent: " + exception.getMessage());
                                } else {
                                    sent.incrementAndGet();
                                    if (verbose) {
                                        report(out, lineNumber, command.type() + " -> " + metadata.topic() + "/"
                                                + metadata.partition() + "@" + metadata.offset());
                                    }
                                }
                            });
                } catch (CommandJson.InvalidCommandException | KafkaException e) {
                    failed.incrementAndGet();
                    report(err, lineNumber, e.getMessage());
                }
            }
            producer.flush();
        }
        synchronized (out) {
            out.printf("produce: %d sent, %d failed%n", sent.get(), failed.get());
            out.flush();
        }
        err.flush();
        return failed.get() == 0 ? SettlementCli.EXIT_OK : SettlementCli.EXIT_FAILED;
    }

    private int partitionCount(KafkaProducer<byte[], byte[]> producer, String topic, Map<String, Integer> counts,
            Map<String, String> unavailable) {
        Integer known = counts.get(topic);
        if (known != null) {
            return known;
        }
        if (unavailable.containsKey(topic)) {
            throw new KafkaException(unavailable.get(topic));
        }
        try {
            int count = producer.partitionsFor(topic).size();
            counts.put(topic, count);
            return count;
        } catch (KafkaException e) {
            unavailable.put(topic, "topic " + topic + " unavailable: " + e.getMessage());
            throw new KafkaException(unavailable.get(topic), e);
        }
    }

    private BufferedReader open() throws IOException {
        if (file == null || file.equals("-")) {
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        }
        return Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
    }

    private static Properties producerProperties(AppSettings settings) {
        Properties props = settings.kafkaClientProperties();
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, DELIVERY_TIMEOUT_MS);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "settlement-produce");
        return props;
    }

    /** A broker that is away would fill the terminal with reconnect warnings; the per-line errors say enough. */
    private static void quietKafkaClientLogs() {
        if (org.slf4j.LoggerFactory.getLogger("org.apache.kafka") instanceof ch.qos.logback.classic.Logger kafkaLogger) {
            kafkaLogger.setLevel(ch.qos.logback.classic.Level.ERROR);
        }
    }

    private static void report(PrintWriter stream, int lineNumber, String message) {
        synchronized (stream) {
            stream.printf("line %d: %s%n", lineNumber, message);
            stream.flush();
        }
    }

    private static Map<String, String> withBootstrap(Map<String, String> defaults, String bootstrap) {
        Map<String, String> map = new LinkedHashMap<>(defaults);
        map.put(AppSettings.BOOTSTRAP_SERVERS, bootstrap);
        return Map.copyOf(map);
    }
}
