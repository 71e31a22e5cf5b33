package io.settlement.app;

import io.settlement.contract.InternalRecordKeys;
import io.settlement.http.HttpApiConfig;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real single-node broker for one test class, with the application's topics, and the
 * settings an instance of the app needs to run on it (the same settings path as {@code run}).
 */
final class RealBroker implements AutoCloseable {
    static final int PARTITIONS = 4;

    final EmbeddedKafkaBroker broker;
    final Path dir;
    final Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);

    private RealBroker(EmbeddedKafkaBroker broker, Path dir) {
        this.broker = broker;
        this.dir = dir;
    }

    /** A broker with no topics yet, its data in target/tmp. */
    static RealBroker start(String name) {
        return start(name, Map.of());
    }

    /** A broker with no topics yet and these broker settings over the defaults. */
    static RealBroker start(String name, Map<String, String> brokerOverrides) {
        try {
            Path dir = Files.createTempDirectory(name);
            return new RealBroker(EmbeddedKafkaBroker.startOnFreePorts(dir.resolve("kafka"), brokerOverrides), dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A broker with every topic of the contract, {@link #PARTITIONS} partitions each. */
    static RealBroker startWithTopics(String name) {
        return startWithTopics(name, Map.of());
    }

    /** A broker with every topic of the contract and these broker settings over the defaults. */
    static RealBroker startWithTopics(String name, Map<String, String> brokerOverrides) {
        RealBroker broker = start(name, brokerOverrides);
        try (Admin admin = broker.broker.admin()) {
            new TopicLayout(admin, broker.topics).createMissing(PARTITIONS, (short) 1);
        }
        return broker;
    }

    String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** The settings of one app instance on this broker, state under {@code dir/<instance>}. */
    AppSettings instanceSettings(String instance, Map<String, String> overrides) {
        return instanceSettings(bootstrapServers(), dir, instance, overrides);
    }

    /**
     * The settings of one app instance on any broker: state under {@code dir/<instance>}, HTTP on a
     * free port of 127.0.0.1, tokens verified with the HS256 key under {@code dir}.
     */
    static AppSettings instanceSettings(String bootstrapServers, Path dir, String instance, Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put(AppSettings.BOOTSTRAP_SERVERS, bootstrapServers);
        values.put(AppSettings.STATE_DIR, dir.resolve(instance).toString());
        values.put(AppSettings.TOPIC_REPLICATION_FACTOR, "1");
        values.put(AppSettings.NUM_STANDBY_REPLICAS, "0");
        values.put(HttpApiConfig.HTTP_HOST, "127.0.0.1");
        values.put(HttpApiConfig.HTTP_PORT, "0");
        values.put(HttpApiConfig.AUTH_HMAC_SECRET_FILE, DevKey.ensure(dir).toString());
        values.put(HttpApiConfig.AUTH_ISSUER, AppSettings.DEV_ISSUER);
        // One key per test directory, as a deployment shares one across its instances.
        values.put(InternalRecordKeys.KEYS_CONFIG, DevInternalKey.ensure(dir));
        // Static membership, as dev mode has it: an instance started again takes its place at once.
        values.put(AppSettings.GROUP_INSTANCE_ID, "test-" + instance);
        values.putAll(overrides);
        return AppSettings.of(AppSettings.RUN_DEFAULTS, values);
    }

    /** {@code Authorization} header value of a service token signed with this broker's test key (reads and submits for anyone). */
    String serviceAuthorization() {
        try {
            byte[] secret = DevKey.read(DevKey.ensure(dir));
            return "Bearer " + new io.settlement.http.TokenMinter(secret, AppSettings.DEV_ISSUER, "settlement-api")
                    .service("test-service", java.time.Duration.ofHours(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code Authorization} header value of user {@code userId}'s token signed with this broker's test key (reads only that user). */
    String userAuthorization(long userId) {
        try {
            byte[] secret = DevKey.read(DevKey.ensure(dir));
            return "Bearer " + new io.settlement.http.TokenMinter(secret, AppSettings.DEV_ISSUER, "settlement-api")
                    .user(userId, java.time.Duration.ofHours(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    <K, V> TopicTail<K, V> tail(Topic<K, V> topic) {
        return new TopicTail<>(bootstrapServers(), topic);
    }

    @Override
    public void close() {
        broker.close();
    }
}
