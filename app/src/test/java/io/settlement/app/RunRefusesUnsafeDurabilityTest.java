package io.settlement.app;

import io.settlement.testsupport.FreePorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settlement.http.TokenMinter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code settlement run} on a real single broker: every topic has one replica, so it cannot keep
 * what settlement commits through a broker failure. {@code run} refuses, naming each topic and
 * setting; with {@code --allow-unsafe-durability} it starts and says so in its log and in {@code /health}.
 */
class RunRefusesUnsafeDurabilityTest {
    private static final Duration START_WITHIN = Duration.ofMinutes(3);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static RealBroker kafka;

    @BeforeAll
    static void startBroker() {
        kafka = RealBroker.startWithTopics("run-durability");
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void runRefusesToStartOnASingleBrokerNamingEveryTopicAndSettingToChange() {
        // given a broker whose topics have one replica and min.insync.replicas 1, and run's default topic.replication.factor=3
        // when run starts against it
        StringWriter err = new StringWriter();
        CommandLine cli = SettlementCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        int exitCode = cli.execute(runArgs("refused", "--set", "topic.replication.factor=1").toArray(String[]::new));

        // then it refuses like the other start refusals, before any state exists
        assertThat(exitCode).isEqualTo(SettlementCli.EXIT_USAGE);
        assertThat(err.toString())
                .contains("unsafe durability")
                .contains("topics with 1 replica (at least 3 needed): balance.operations, transfer.requests, trades, settlement.results")
                .contains("settlement.internal.leg-results")
                .contains("kafka-reassign-partitions.sh")
                .contains("topics with min.insync.replicas=1 (at least 2 needed)")
                .contains("--add-config min.insync.replicas=2")
                .contains("Kafka Streams would create its internal topics (changelogs, repartition topics) with replication.factor=1, "
                        + "from topic.replication.factor (at least 3 needed)")
                .contains("Set topic.replication.factor=3")
                .contains("Refusing to run")
                .contains("--allow-unsafe-durability");
        assertThat(kafka.dir.resolve("refused")).doesNotExist();
    }

    @Test
    void checkReadsATopicsOwnMinInsyncReplicasAndUncleanElectionAndStreamsTopicOverrides() throws Exception {
        // given a topic with its own min.insync.replicas=1 and unclean leader election on, and Streams told min.insync.replicas=2
        String topic = "durability.own-settings";
        try (Admin admin = kafka.broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of(
                    "min.insync.replicas", "1", "unclean.leader.election.enable", "true")))).all().get();
            // (an application id of its own: the instance another test starts has internal topics on this broker)
            AppSettings settings = kafka.instanceSettings("check", Map.of("application.id", "durability-check",
                    "streams.topic.min.insync.replicas", "2", "topic.replication.factor", "3"));

            // when the durability is checked
            ClusterDurability.Report report = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> ClusterDurability.check(admin, List.of(topic, "durability.missing"), settings),
                            r -> r.topicsChecked() == 1);

            // then the topic's own values are reported, the missing topic is left to the layout check,
            // and the Streams settings pass: 3 replicas, min.insync.replicas 2
            assertThat(report.safe()).isFalse();
            assertThat(report.findings()).extracting(ClusterDurability.Finding::problem).containsExactly(
                    "topics with 1 replica (at least 3 needed)",
                    "topics with min.insync.replicas=1 (at least 2 needed)",
                    "topics with unclean.leader.election.enable=true (an out-of-sync replica may become leader and drop acknowledged writes)");
            assertThat(report.findings()).allSatisfy(finding -> assertThat(finding.subjects()).containsExactly(topic));
            assertThat(report.streamsReplicationFactor()).isEqualTo(3);
        }
    }

    @Test
    void withAllowUnsafeDurabilityRunStartsAndSaysSoInItsLogAndInHealth() throws Exception {
        // given the same single broker, and run told to start anyway
        int port = FreePorts.freePort();
        List<String> args = runArgs("allowed", "--set", "http.host=127.0.0.1", "--set", "http.port=" + port,
                "--set", "topic.replication.factor=1", "--set", "num.standby.replicas=0", "--allow-unsafe-durability");

        // when it starts in a process of its own, as an operator starts it
        try (ForkedApp run = ForkedApp.start("run-unsafe-durability", Path.of("target", "durability-logs"), args)) {
            assertThat(run.awaitOutput("Settlement instance", START_WITHIN)).as(run.tail(80)).isTrue();

            // then its log says durability is unsafe and why, at WARN
            assertThat(run.output())
                    .contains("WARN")
                    .contains("Durability is UNSAFE, started anyway with --allow-unsafe-durability")
                    .contains("topics with 1 replica (at least 3 needed)");
            // and /health shows it as a detail that does not make the instance unhealthy
            JsonNode durability = await().atMost(START_WITHIN).ignoreExceptions().until(() -> health(port),
                    node -> node.path("streams").asText().equals("RUNNING")).path("components").path(RunCommand.DURABILITY_COMPONENT);
            assertThat(durability.path("status").asText()).isEqualTo("UP");
            assertThat(durability.path("healthy").asBoolean()).isTrue();
            assertThat(durability.path("detail").asText())
                    .startsWith("UNSAFE (started with --allow-unsafe-durability: topics with 1 replica (at least 3 needed): balance.operations");
        }
    }

    /** run's arguments on this broker: the token key of an identity provider (run refuses dev's), an internal record key, state under the broker's dir. */
    private static List<String> runArgs(String instance, String... more) {
        List<String> args = new ArrayList<>(List.of("run",
                "--set", "bootstrap.servers=" + kafka.bootstrapServers(),
                "--set", "state.dir=" + kafka.dir.resolve(instance),
                "--set", "auth.public.key.file=" + publicKeyFile(),
                "--set", "auth.issuer=durability-test",
                "--set", "internal.record.keys=" + DevInternalKey.ensure(kafka.dir)));
        args.addAll(List.of(more));
        return args;
    }

    private static Path publicKeyFile() {
        Path file = kafka.dir.resolve("token-public-key.pem");
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, TokenMinter.publicKeyPem(TokenMinter.rsaKeyPair().getPublic()));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return file;
    }

    private static JsonNode health(int port) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(response.body());
    }
}
