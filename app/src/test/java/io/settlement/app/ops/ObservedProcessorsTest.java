package io.settlement.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Wallet;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.topology.RecordIds;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.SettlementTopology;
import io.settlement.topology.testkit.Commands;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * The processor wrapper over the real topology: every processor runs with the record's ids in
 * the logging context, and every result is counted by kind, status and reason, without a line
 * of the processors changed.
 */
class ObservedProcessorsTest {
    private static final Instant NOW = Instant.parse("2026-11-28T09:00:00Z");
    private final Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);
    private final Commands commands = new Commands(() -> NOW);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void everyProcessorRunsWithTheRecordsIdsInTheLoggingContext() {
        // given a processor that remembers the logging context it ran in, in a topology built with the wrapper
        List<Map<String, String>> seen = new ArrayList<>();
        Topic<Long, BalanceOperation> operations = topics.balanceOperations();
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(properties())));
        builder.stream(operations.name(), Consumed.with(operations.keySerde(), operations.valueSerde()))
                .process(() -> (Processor<Long, BalanceOperation, Void, Void>) record -> seen.add(MDC.getCopyOfContextMap()));

        // when a deposit and a transfer pass it
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), properties(), NOW)) {
            driver.createInputTopic(operations.name(), operations.keySerde().serializer(), operations.valueSerde().serializer())
                    .pipeInput(42L, commands.deposit("dep-1", 42, "BTC", 100));
        }

        // then it saw the deposit's ids, and they are gone afterwards
        assertThat(seen).singleElement().isEqualTo(Map.of(RecordIds.COMMAND_ID, "dep-1", RecordIds.KIND, "DEPOSIT", RecordIds.USER_ID, "42"));
        assertThat(MDC.get(RecordIds.COMMAND_ID)).isNull();
    }

    @Test
    void everyResultOfTheRealTopologyIsCountedByKindStatusAndReason() {
        // given the settlement topology built with the wrapper, and the result counter the app feeds from the committed topic
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(properties())));
        SettlementTopology.build(builder, topics, SettlementConfig.defaults(1));
        ResultCounter counter = new ResultCounter(registry);

        // when a deposit is accepted and a transfer beyond the balance is rejected
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), properties(), NOW)) {
            Topic<Long, BalanceOperation> operations = topics.balanceOperations();
            driver.createInputTopic(operations.name(), operations.keySerde().serializer(), operations.valueSerde().serializer())
                    .pipeInput(42L, commands.deposit("dep-1", 42, "BTC", 100));
            TestInputTopic<Long, io.settlement.avro.TransferRequest> transfers = driver.createInputTopic(topics.transferRequests().name(),
                    topics.transferRequests().keySerde().serializer(), topics.transferRequests().valueSerde().serializer());
            transfers.pipeInput(42L, commands.transfer("tr-1", 42, Wallet.FUNDING, Wallet.SPOT, "BTC", 1_000));
            Topic<String, SettlementResult> results = topics.results();
            List<SettlementResult> written = driver.createOutputTopic(results.name(), results.keySerde().deserializer(),
                    results.valueSerde().deserializer()).readValuesToList();
            assertThat(written).hasSize(2);
            written.forEach(counter::count);
        }

        // then each is counted once, under its kind, status and reason
        assertThat(count("DEPOSIT", "ACCEPTED", "none")).isEqualTo(1.0);
        assertThat(count("INTERNAL_TRANSFER", "REJECTED", "INSUFFICIENT_AVAILABLE")).isEqualTo(1.0);
    }

    @Test
    void idsAreReadFromEveryKindOfCommandAndFromAWrappedOne() {
        record Wrapped(SettlementResult result) {}
        SettlementResult result = SettlementResult.newBuilder().setCommandId("t-9").setKind(io.settlement.avro.CommandKind.TRADE)
                .setUserId(7L).setStatus(io.settlement.avro.ResultStatus.ACCEPTED).setCommandTime(NOW).setProcessedAt(NOW).build();

        assertThat(idsOf(commands.transfer("tr-2", 5, Wallet.FUNDING, Wallet.SPOT, "BTC", 1)))
                .containsEntry(RecordIds.COMMAND_ID, "tr-2").containsEntry(RecordIds.KIND, "INTERNAL_TRANSFER").containsEntry(RecordIds.USER_ID, "5");
        assertThat(idsOf(new Wrapped(result))).containsEntry(RecordIds.COMMAND_ID, "t-9").containsEntry(RecordIds.KIND, "TRADE");
        assertThat(idsOf("not avro")).isEmpty();
    }

    private static Map<String, String> idsOf(Object value) {
        boolean put = RecordIds.put(value);
        Map<String, String> ids = MDC.getCopyOfContextMap() == null ? new HashMap<>() : new HashMap<>(MDC.getCopyOfContextMap());
        if (put) {
            RecordIds.clear();
        }
        return ids;
    }

    private double count(String kind, String status, String reason) {
        return registry.get("settlement.results").tag("kind", kind).tag("status", status).tag("reason", reason).counter().count();
    }

    private Properties properties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "observed-processors-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArray().getClass());
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArray().getClass());
        props.put(StreamsConfig.PROCESSOR_WRAPPER_CLASS_CONFIG, ObservedProcessors.class.getName());
        props.put(ObservedProcessors.METER_REGISTRY_CONFIG, registry);
        return props;
    }
}
