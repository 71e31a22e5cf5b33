package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.contract.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code settlement run} on a real broker whose topics would split a user's balance across tasks. */
class RunRefusesBadTopicLayoutTest {
    private static RealBroker kafka;

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = RealBroker.start("run-refuses");
        // given every topic, but transfer.requests with 3 partitions where balance.operations has 4
        try (Admin admin = kafka.broker.admin()) {
            List<NewTopic> topics = kafka.topics.all().stream()
                    .map(name -> new NewTopic(name, name.equals(Topics.TRANSFER_REQUESTS) ? 3 : 4, (short) 1))
                    .collect(Collectors.toList());
            admin.createTopics(topics).all().get();
        }
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void runRefusesToStartWhenTheUserKeyedInputsAreNotCoPartitioned() {
        // when
        StringWriter err = new StringWriter();
        CommandLine cli = SettlementCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        int exitCode = cli.execute("run", "--set", "bootstrap.servers=" + kafka.bootstrapServers(),
                "--set", "state.dir=" + kafka.dir.resolve("refused"), "--set", "http.port=0");

        // then it names the topics and their partition counts, and nothing started
        assertThat(exitCode).isEqualTo(SettlementCli.EXIT_USAGE);
        assertThat(err.toString())
                .contains("not co-partitioned")
                .contains("balance.operations=4")
                .contains("transfer.requests=3")
                .contains("settlement.internal.trade-legs=4")
                .contains("Refusing to run");
        assertThat(kafka.dir.resolve("refused")).doesNotExist();
    }

    @Test
    void layoutCheckListsMissingTopicsBeforeAnythingStarts() {
        // given a contract whose topics do not exist on this broker
        Topics elsewhere = new Topics(
                rename(kafka.topics.balanceOperations()), rename(kafka.topics.transferRequests()),
                rename(kafka.topics.trades()), kafka.topics.results(), kafka.topics.journal(),
                kafka.topics.balanceEvents(), kafka.topics.deadLetters(), rename(kafka.topics.tradeLegs()),
                kafka.topics.legResults());

        // when / then
        try (Admin admin = kafka.broker.admin()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TopicLayout(admin, elsewhere).verify())
                    .isInstanceOf(TopicLayout.TopicLayoutException.class)
                    .hasMessageContaining("missing topics: other.balance.operations, other.transfer.requests, other.trades, "
                            + "other.settlement.internal.trade-legs")
                    .hasMessageContaining("--create-topics");
        }
    }

    private static <K, V> io.settlement.contract.Topic<K, V> rename(io.settlement.contract.Topic<K, V> topic) {
        return new io.settlement.contract.Topic<>("other." + topic.name(), topic.keySerde(), topic.valueSerde());
    }
}
