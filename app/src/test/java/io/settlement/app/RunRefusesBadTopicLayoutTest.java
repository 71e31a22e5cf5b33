package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settlement.contract.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code settlement run} on a real broker whose topics would split a user's balance across tasks. */
class RunRefusesBadTopicLayoutTest {
    private static final java.time.Duration WITHIN = java.time.Duration.ofSeconds(30);
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
                "--set", "auth.jwks.url=https://idp.example.test/jwks.json", "--set", "auth.issuer=https://idp.example.test/",
                "--set", "state.dir=" + kafka.dir.resolve("refused"), "--set", "http.port=0",
                "--set", "internal.record.keys=" + DevInternalKey.ensure(kafka.dir),
                // One broker cannot be durable; the layout check is what this test is about.
                "--allow-unsafe-durability");

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
                kafka.topics.legResults(), kafka.topics.tradesByIdValues());

        // when / then
        try (Admin admin = kafka.broker.admin()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TopicLayout(admin, elsewhere).verify())
                    .isInstanceOf(TopicLayout.TopicLayoutException.class)
                    .hasMessageContaining("missing topics: other.balance.operations, other.transfer.requests, other.trades, "
                            + "other.settlement.internal.trade-legs")
                    .hasMessageContaining("--create-topics");
        }
    }

    @Test
    void layoutCheckRefusesLegResultsNotPartitionedLikeTheTradeCoordinator() throws Exception {
        // given every topic co-partitioned with 4, but settlement.internal.leg-results with 3
        Topics prefixed = prefixed("legs.");
        try (Admin admin = kafka.broker.admin()) {
            admin.createTopics(prefixed.all().stream()
                    .map(name -> new NewTopic(name, name.equals(prefixed.legResults().name()) ? 3 : 4, (short) 1))
                    .collect(Collectors.toList())).all().get();
            TopicLayout layout = new TopicLayout(admin, prefixed);
            int userPartitions = await().atMost(WITHIN).ignoreExceptions().until(layout::verify, count -> count > 0);

            // when the coordinator's inputs are checked (SettlementApp.start does, for dev and run)
            // then it refuses, naming the topic and both counts
            assertThat(userPartitions).isEqualTo(4);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> layout.verifyCoordinatorInputs(
                            io.settlement.topology.trade.TradeTopology.coordinatorPartitions(
                                    io.settlement.topology.SettlementConfig.defaults(userPartitions))))
                    .isInstanceOf(TopicLayout.TopicLayoutException.class)
                    .hasMessageContaining("legs.settlement.internal.leg-results has 3 partitions")
                    .hasMessageContaining("trades-by-id repartition topic with 4 partitions")
                    .hasMessageContaining("Refusing to run");
        }
    }

    @Test
    void createdLegResultsTakeThePartitionCountOfTheExistingUserKeyedInputs() throws Exception {
        // given the user-keyed inputs exist with 4 partitions and nothing else does
        Topics prefixed = prefixed("created.");
        try (Admin admin = kafka.broker.admin()) {
            admin.createTopics(prefixed.userKeyedInputs().stream().map(name -> new NewTopic(name, 4, (short) 1))
                    .collect(Collectors.toList())).all().get();
            await().atMost(WITHIN).ignoreExceptions().until(() -> admin.describeTopics(prefixed.userKeyedInputs())
                    .allTopicNames().get().size() == 3);
            TopicLayout layout = new TopicLayout(admin, prefixed);

            // when the missing topics are created with topic.partitions=6 (dev, run --create-topics)
            List<String> created = layout.createMissing(6, (short) 1);

            // then leg-results gets the coordinator's 4, the other topics 6, and the layout passes
            assertThat(created).contains(prefixed.legResults().name(), prefixed.journal().name());
            Map<String, Integer> counts = new java.util.HashMap<>();
            await().atMost(WITHIN).ignoreExceptions().until(() -> admin.describeTopics(created).allTopicNames().get()
                    .size() == created.size());
            admin.describeTopics(created).allTopicNames().get()
                    .forEach((name, description) -> counts.put(name, description.partitions().size()));
            assertThat(counts).containsEntry(prefixed.legResults().name(), 4).containsEntry(prefixed.journal().name(), 6);
            layout.verifyCoordinatorInputs(layout.verify());
        }
    }

    private static Topics prefixed(String prefix) {
        Topics t = kafka.topics;
        return new Topics(rename(t.balanceOperations(), prefix), rename(t.transferRequests(), prefix), rename(t.trades(), prefix),
                rename(t.results(), prefix), rename(t.journal(), prefix), rename(t.balanceEvents(), prefix),
                rename(t.deadLetters(), prefix), rename(t.tradeLegs(), prefix), rename(t.legResults(), prefix),
                t.tradesByIdValues());
    }

    private static <K, V> io.settlement.contract.Topic<K, V> rename(io.settlement.contract.Topic<K, V> topic, String prefix) {
        return new io.settlement.contract.Topic<>(prefix + topic.name(), topic.keySerde(), topic.valueSerde());
    }

    private static <K, V> io.settlement.contract.Topic<K, V> rename(io.settlement.contract.Topic<K, V> topic) {
        return new io.settlement.contract.Topic<>("other." + topic.name(), topic.keySerde(), topic.valueSerde());
    }
}
