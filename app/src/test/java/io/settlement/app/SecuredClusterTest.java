package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.http.TokenMinter;
import io.settlement.kafka.EmbeddedKafkaBroker;
import io.settlement.sink.scylla.ScyllaSink;
import io.settlement.sink.tigerbeetle.TigerBeetleSink;
import io.settlement.topology.testkit.Commands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The app against a secured cluster: a real in-process broker whose only listener is
 * SASL_PLAINTEXT (PLAIN) and whose {@code StandardAuthorizer} denies whatever no ACL allows,
 * with exactly the ACLs of {@link ClusterAcls} (the ones docs/security.md gives). The app
 * connects with its own principal through {@code kafka.*} settings and settles; a wallet
 * service may only write balance operations, a reader may only read results, and the broker
 * refuses them everything else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecuredClusterTest {
    static final String APP = "settlement-app";
    static final String WALLET = "wallet-service";
    static final String READER = "results-reader";
    static final String READER_GROUP = "results-reader";
    static final Duration WITHIN = Duration.ofSeconds(90);

    final Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);
    final Commands commands = new Commands(Instant::now);
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Path dir;
    EmbeddedKafkaBroker broker;
    SettlementApp app;

    @BeforeAll
    void startASecuredBrokerWithTheDocumentedAcls() throws Exception {
        dir = Files.createTempDirectory("secured-cluster");
        Map<String, String> users = new LinkedHashMap<>();
        users.put(EmbeddedKafkaBroker.ADMIN_USER, "admin-secret");
        users.put(APP, "app-secret");
        users.put(WALLET, "wallet-secret");
        users.put(READER, "reader-secret");
        broker = EmbeddedKafkaBroker.startSecured(dir.resolve("kafka"), users);
        try (Admin admin = broker.admin()) {
            new TopicLayout(admin, topics).createMissing(RealBroker.PARTITIONS, (short) 1);
            List<org.apache.kafka.common.acl.AclBinding> acls = new ArrayList<>();
            acls.addAll(ClusterAcls.application("User:" + APP, topics, "settlement-streams",
                    List.of(ScyllaSink.GROUP_ID, TigerBeetleSink.GROUP_ID)));
            acls.addAll(ClusterAcls.walletService("User:" + WALLET, topics));
            acls.addAll(ClusterAcls.resultsReader("User:" + READER, topics, READER_GROUP));
            admin.createAcls(acls).all().get();
        }
        // ACLs reach the broker's authorizer through the metadata log, a moment after they are created
        Map<String, Object> asApp = new HashMap<>(broker.clientSecurity(APP));
        asApp.put("bootstrap.servers", broker.bootstrapServers());
        try (Admin appAdmin = Admin.create(asApp)) {
            await("the app's ACLs in effect").atMost(WITHIN)
                    .until(() -> appAdmin.listTopics().names().get().containsAll(topics.all()));
        }
        Map<String, String> security = new HashMap<>();
        // The app's principal, passed through to every Kafka client it creates.
        broker.clientSecurity(APP).forEach((key, value) -> security.put(AppSettings.KAFKA_PREFIX + key, value.toString()));
        app = SettlementApp.start(RealBroker.instanceSettings(broker.bootstrapServers(), dir, "secured", security));
        await("the app running on the secured cluster").atMost(WITHIN).until(() -> app.health().isRunning());
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theAppSettlesWithItsPrincipalAndEachPrincipalMayOnlyWhatItsAclsAllow() throws Exception {
        // given a wallet service that writes a deposit with its own principal, and one submitted over HTTP
        try (KafkaProducer<Long, BalanceOperation> wallet = producer(WALLET)) {
            wallet.send(new ProducerRecord<>(topics.balanceOperations().name(), 42L, commands.deposit("secured-1", 42, "BTC", 150_000_000L))).get();
        }
        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(app.httpUrl() + "/wallet/deposit"))
                .header("Authorization", "Bearer " + serviceToken()).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("{\"user_id\":43,\"currency\":\"BTC\",\"amount\":\"1\",\"transaction_id\":\"secured-2\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);

        // then the reader, with its principal and group, reads both results: the app settled with its principal
        Map<String, SettlementResult> results = new HashMap<>();
        try (KafkaConsumer<String, SettlementResult> reader = reader(READER, READER_GROUP)) {
            reader.subscribe(List.of(topics.results().name()));
            await("both results").atMost(WITHIN).until(() -> {
                reader.poll(Duration.ofMillis(200)).forEach(record -> results.put(record.key(), record.value()));
                return results.containsKey("DEPOSIT:42:secured-1") && results.containsKey("DEPOSIT_INITIATED:43:secured-2");
            });
        }
        assertThat(results.get("DEPOSIT:42:secured-1").getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(results.get("DEPOSIT_INITIATED:43:secured-2").getStatus()).isEqualTo(ResultStatus.ACCEPTED);

        // and the broker refuses what the ACLs do not allow: the wallet service writing transfers,
        try (KafkaProducer<Long, BalanceOperation> wallet = producer(WALLET)) {
            assertThatThrownBy(() -> wallet.send(new ProducerRecord<>(topics.transferRequests().name(), 42L,
                    commands.deposit("not-a-transfer", 42, "BTC", 1))).get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
        }
        // the reader (a principal without write permission) writing balance operations,
        try (KafkaProducer<Long, BalanceOperation> reader = producer(READER)) {
            assertThatThrownBy(() -> reader.send(new ProducerRecord<>(topics.balanceOperations().name(), 44L,
                    commands.deposit("forged", 44, "BTC", 1_000_000_000L))).get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
        }
        // the wallet service reading results, the reader in another group, and a wrong password
        try (KafkaConsumer<String, SettlementResult> walletReads = reader(WALLET, READER_GROUP)) {
            walletReads.subscribe(List.of(topics.results().name()));
            assertThatThrownBy(() -> pollUntilRefused(walletReads)).isInstanceOfAny(TopicAuthorizationException.class,
                    GroupAuthorizationException.class);
        }
        try (KafkaConsumer<String, SettlementResult> otherGroup = reader(READER, "someone-elses-group")) {
            otherGroup.subscribe(List.of(topics.results().name()));
            assertThatThrownBy(() -> pollUntilRefused(otherGroup)).isInstanceOf(GroupAuthorizationException.class);
        }
        Map<String, Object> wrongPassword = new HashMap<>(broker.clientSecurity(WALLET));
        wrongPassword.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"" + WALLET + "\" password=\"guessed\";");
        try (KafkaProducer<Long, BalanceOperation> impostor = producer(wrongPassword)) {
            assertThatThrownBy(() -> impostor.send(new ProducerRecord<>(topics.balanceOperations().name(), 44L,
                    commands.deposit("impostor", 44, "BTC", 1))).get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class);
        }
        // and none of the refused writes reached the app: user 44 has no balance
        HttpResponse<String> balances = http.send(HttpRequest.newBuilder(URI.create(app.httpUrl() + "/api/v1/users/44/balances"))
                .header("Authorization", "Bearer " + serviceToken()).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(balances.body()).isEqualTo("{\"user_id\":44,\"balances\":[]}");
    }

    private static void pollUntilRefused(KafkaConsumer<String, SettlementResult> consumer) {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200));
        }
    }

    private String serviceToken() throws Exception {
        return new TokenMinter(DevKey.read(DevKey.fileUnder(dir)), AppSettings.DEV_ISSUER, "settlement-api")
                .service("wallet-service", Duration.ofHours(1));
    }

    private KafkaProducer<Long, BalanceOperation> producer(String user) {
        return producer(broker.clientSecurity(user));
    }

    private KafkaProducer<Long, BalanceOperation> producer(Map<String, Object> security) {
        Map<String, Object> props = new HashMap<>(security);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        return new KafkaProducer<>(props, new LongSerializer(), topics.balanceOperations().valueSerde().serializer());
    }

    private KafkaConsumer<String, SettlementResult> reader(String user, String group) {
        Map<String, Object> props = new HashMap<>(broker.clientSecurity(user));
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(props, new StringDeserializer(), topics.results().valueSerde().deserializer());
    }
}
