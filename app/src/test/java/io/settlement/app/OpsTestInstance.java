package io.settlement.app;

import static org.awaitility.Awaitility.await;

import io.settlement.avro.SettlementResult;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import io.settlement.sink.tigerbeetle.TigerBeetleConfig;
import io.settlement.topology.testkit.Commands;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One app instance for the operations tests, started the way {@code dev} and {@code run} start
 * it ({@link SettlementApp#start}) on a real in-process broker, with the TigerBeetle sink on
 * (pointed at a port nothing listens on, so it runs, lags and reports), and a way to drive the
 * traffic an operator's dashboard shows: accepted and rejected commands, an unreadable record and
 * a record on the wrong partition (both dead-lettered), HTTP requests.
 */
public final class OpsTestInstance implements AutoCloseable {
    public static final Duration WITHIN = Duration.ofSeconds(90);
    public static final long BTC = 100_000_000L;
    /** The user whose records the traffic uses; {@link #WRONG_PARTITION} is where his record is misplaced. */
    public static final long USER = 7001;
    public static final int WRONG_PARTITION = (UserPartitioner.partitionOf(USER, RealBroker.PARTITIONS) + 1) % RealBroker.PARTITIONS;
    public static final byte[] UNREADABLE = "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8);

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final RealBroker kafka;
    private final SettlementApp app;
    private final KafkaProducer<byte[], byte[]> producer;
    private final TopicTail<String, SettlementResult> results;
    private final Commands commands = new Commands(Instant::now);

    private OpsTestInstance(RealBroker kafka, SettlementApp app) {
        this.kafka = kafka;
        this.app = app;
        this.producer = kafka.producer();
        this.results = kafka.tail(kafka.topics.results());
    }

    public static OpsTestInstance start(String name) throws IOException {
        int silentTigerBeetlePort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            silentTigerBeetlePort = socket.getLocalPort();
        }
        RealBroker kafka = RealBroker.startWithTopics(name);
        SettlementApp app;
        try {
            app = SettlementApp.start(kafka.instanceSettings(name, Map.of(
                    AppSettings.TIGERBEETLE_ADDRESSES, "127.0.0.1:" + silentTigerBeetlePort,
                    TigerBeetleConfig.REQUEST_TIMEOUT_MS, "300")));
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
        OpsTestInstance instance = new OpsTestInstance(kafka, app);
        SettlementOnRealBrokerTest.awaitRunning(app);
        return instance;
    }

    /** Sends the traffic above and waits until its results are in {@code settlement.results}. */
    public void driveTraffic() throws Exception {
        Topic<Long, io.settlement.avro.BalanceOperation> operations = kafka.topics.balanceOperations();
        int home = UserPartitioner.partitionOf(USER, RealBroker.PARTITIONS);
        send(operations, USER, commands.deposit("ops-dep-1", USER, "BTC", BTC), home);
        send(operations, USER, commands.withdrawRequested("ops-wd-1", USER, "ops-wd-1", "BTC", 5 * BTC), home);
        send(operations, USER, commands.deposit("ops-stray-1", USER, "BTC", BTC), WRONG_PARTITION);
        byte[] key = UserPartitioner.keyBytes(USER);
        producer.send(new ProducerRecord<>(operations.name(), home, key, UNREADABLE)).get();
        await().atMost(WITHIN).until(() -> results.records().stream().map(r -> r.value().getCommandId())
                .toList().containsAll(java.util.List.of("ops-dep-1", "ops-wd-1", "ops-stray-1")));
        get("/health");
        get("/api/v1/users/" + USER + "/balances");
    }

    public <V> void send(Topic<Long, V> topic, long userId, V value, int partition) throws Exception {
        producer.send(new ProducerRecord<>(topic.name(), partition, topic.keySerde().serializer().serialize(topic.name(), userId),
                topic.valueSerde().serializer().serialize(topic.name(), value))).get();
    }

    public HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(app.httpUrl() + path)).timeout(Duration.ofSeconds(10))
                        .header("Authorization", kafka.serviceAuthorization()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public Topics topics() {
        return kafka.topics;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public KafkaProducer<byte[], byte[]> producer() {
        return producer;
    }

    public SettlementApp app() {
        return app;
    }

    /** The settings of this instance, for running the CLI against the same cluster and application. */
    public AppSettings settings() {
        return app.settings();
    }

    @Override
    public void close() {
        for (AutoCloseable closeable : new AutoCloseable[] {results, producer, app, kafka}) {
            try {
                closeable.close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }
}
