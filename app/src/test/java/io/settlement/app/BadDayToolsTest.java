package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settlement.app.ops.DeadLetterTopic;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import io.settlement.sink.scylla.ScyllaSink;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;

/**
 * The tools for a bad day, run as an operator runs them ({@code settlement dlq ...},
 * {@code settlement sink ...}) against a running instance on a real broker that has dead letters:
 * a deposit sent to the wrong partition and a record that is not Avro. The tests run in order:
 * the replay ones build on each other.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadDayToolsTest {
    private static OpsTestInstance instance;
    private static TopicTail<String, SettlementResult> results;

    @BeforeAll
    static void startWithDeadLetters() throws Exception {
        instance = OpsTestInstance.start("bad-day");
        instance.driveTraffic();
        results = new TopicTail<>(instance.bootstrapServers(), instance.topics().results());
        await().atMost(OpsTestInstance.WITHIN).until(() -> run("dlq", "list").out().contains("2 dead letter(s)"));
    }

    @AfterAll
    static void stop() {
        if (results != null) {
            results.close();
        }
        if (instance != null) {
            instance.close();
        }
    }

    @Test
    @Order(1)
    void listShowsEveryDeadLetterWithItsReasonAndSource() {
        Run list = run("dlq", "list");

        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).containsPattern("WRONG_PARTITION\\s+from balance.operations/" + OpsTestInstance.WRONG_PARTITION + "/\\d+\\s+key user "
                + OpsTestInstance.USER);
        assertThat(list.out()).containsPattern("SerializationException\\s+from balance.operations/");
        assertThat(run("dlq", "list", "--reason", "WRONG_PARTITION").out()).contains("1 dead letter(s) matching");
    }

    @Test
    @Order(2)
    void showDecodesTheCommandWhereItDecodesAndSaysWhyNotWhereItDoesNot() {
        Run stray = run("dlq", "show", idOf("WRONG_PARTITION"));
        Run garbage = run("dlq", "show", idOf("SerializationException"));

        assertThat(stray.out()).contains("reason    WRONG_PARTITION").contains("command   BalanceOperation")
                .contains("\"command_id\": \"ops-stray-1\"").contains("replayed  no");
        assertThat(garbage.out()).contains("command   does not decode").contains("{\"not\":\"avro\"}");
        assertThat(run("dlq", "show", "9:999999").exitCode()).isEqualTo(DeadLetterCommand.EXIT_NOT_FOUND);
    }

    @Test
    @Order(3)
    void replayDryRunWritesNothing() {
        Run dry = run("dlq", "replay", "--dry-run", idOf("WRONG_PARTITION"));

        assertThat(dry.exitCode()).isZero();
        assertThat(dry.out()).contains("WOULD_REPLAY").contains("nothing written");
        assertThat(run("dlq", "list").out()).doesNotContain("[replayed]");
    }

    @Test
    @Order(4)
    void replayPublishesTheDeadLetterToItsSourceTopicOnceAndItSettles() {
        String id = idOf("WRONG_PARTITION");

        Run first = run("dlq", "replay", id);
        Run second = run("dlq", "replay", id);

        // then the deposit is settled on its own partition this time, and a second replay does nothing
        assertThat(first.out()).contains("REPLAYED").contains("1 of 1 replayed");
        assertThat(second.out()).contains("ALREADY_REPLAYED").contains("0 of 1 replayed");
        await().atMost(OpsTestInstance.WITHIN).until(() -> results.values().stream()
                .anyMatch(r -> r.getCommandId().equals("ops-stray-1") && r.getStatus() == ResultStatus.ACCEPTED));
        assertThat(results.values().stream().filter(r -> r.getCommandId().equals("ops-stray-1") && r.getStatus() == ResultStatus.ACCEPTED))
                .hasSize(1);
        assertThat(run("dlq", "list").out()).containsPattern(Pattern.quote(id) + " .*\\[replayed]");
        assertThat(run("dlq", "replay", "--reason", "NO_SUCH_REASON").out()).contains("0 of 0 replayed");
    }

    @Test
    @Order(5)
    void resetOffsetsToATimeMovesEveryPartitionOfTheSinkAndRefusesWhileTheSinkRuns() throws Exception {
        // given the ScyllaDB sink is off (its group has no members) and the TigerBeetle sink runs
        Run dry = run("sink", "reset-offsets", "--sink", "scylla", "--to-time", "1970-01-01T00:00:00Z", "--dry-run");
        assertThat(dry.exitCode()).isZero();
        assertThat(dry.out()).contains("dry run: nothing moved").contains(Topics.JOURNAL + "-0");
        assertThat(committed(ScyllaSink.GROUP_ID)).isEmpty();

        Run reset = run("sink", "reset-offsets", "--sink", "scylla", "--to-time", "1970-01-01T00:00:00Z");
        Run running = run("sink", "reset-offsets", "--sink", "tigerbeetle", "--to-time", "1970-01-01T00:00:00Z");

        assertThat(reset.exitCode()).isZero();
        assertThat(committed(ScyllaSink.GROUP_ID)).hasSize(3 * RealBroker.PARTITIONS)
                .allSatisfy((partition, offset) -> assertThat(offset.offset()).isZero());
        assertThat(running.exitCode()).isEqualTo(SettlementCli.EXIT_USAGE);
        assertThat(running.err()).contains("has members: stop the instances");
    }

    @Test
    @Order(6)
    void unhaltSkipsTheOneRecordThePartitionStoppedAt() throws Exception {
        // given the ScyllaDB sink's group at offset 0 of the user's journal partition (the test before)
        String partition = Topics.JOURNAL + "-" + UserPartitioner.partitionOf(OpsTestInstance.USER, RealBroker.PARTITIONS);
        TopicPartition journal = new TopicPartition(Topics.JOURNAL, UserPartitioner.partitionOf(OpsTestInstance.USER, RealBroker.PARTITIONS));

        Run dry = run("sink", "unhalt", "--sink", "scylla", "--partition", partition, "--dry-run");
        assertThat(dry.out()).contains("skipping the record at offset 0").contains("dry run");
        assertThat(committed(ScyllaSink.GROUP_ID).get(journal).offset()).isZero();

        Run unhalt = run("sink", "unhalt", "--sink", "scylla", "--partition", partition);

        assertThat(unhalt.exitCode()).isZero();
        assertThat(committed(ScyllaSink.GROUP_ID).get(journal).offset()).isEqualTo(1);
        assertThat(run("sink", "unhalt", "--sink", "tigerbeetle", "--partition", Topics.RESULTS + "-0").err())
                .contains("does not read settlement.results");
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", instance.bootstrapServers()))) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        }
    }

    private static String idOf(String reason) {
        Matcher matcher = Pattern.compile("^(\\d+:\\d+) .*" + Pattern.quote(reason), Pattern.MULTILINE).matcher(run("dlq", "list").out());
        assertThat(matcher.find()).as("a dead letter with reason " + reason).isTrue();
        return matcher.group(1);
    }

    record Run(int exitCode, String out, String err) {}

    static Run run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--set", AppSettings.BOOTSTRAP_SERVERS + "=" + instance.bootstrapServers(),
                "--set", AppSettings.TOPIC_REPLICATION_FACTOR + "=1"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SettlementCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }
}
