package io.settlement.sink.tigerbeetle;

import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.avro.JournalEntry;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import io.settlement.retry.RetryPolicy;
import io.settlement.sink.SinkConsumers;
import io.settlement.sink.SinkLoop;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * The TigerBeetle sink, as the app and the benchmark run it (docs/tigerbeetle.md): consumes
 * {@code settlement.journal} as consumer group {@value #GROUP_ID} ({@code read_committed}, manual
 * commits) in the {@link SinkLoop} every sink runs, and writes it with its
 * {@link TigerBeetleWriter}. {@link #start()} opens a client on the cluster; its pauses between
 * retries end at once when it is closed.
 */
public final class TigerBeetleSink extends SinkLoop {
    /** The sink's name in {@code /health} and the logs. */
    public static final String NAME = "tigerbeetle-sink";
    public static final String GROUP_ID = "settlement-sink-tigerbeetle";

    private final Topic<Long, JournalEntry> journal;
    private final TigerBeetleConfig config;
    private final Supplier<LedgerClient> ledgers;
    private final String target;
    private final MeterRegistry registry;

    /**
     * A sink not yet started: nothing connects until {@link #start()}.
     *
     * @param consumerProperties its consumer's settings ({@link #consumerProperties} and the operator's)
     * @param config             the cluster and the sink's limits; the cluster must be {@linkplain TigerBeetleConfig#configured() configured}
     */
    public TigerBeetleSink(Map<String, Object> consumerProperties, Topics topics, TigerBeetleConfig config, MeterRegistry registry) {
        this(kafkaConsumers(consumerProperties), topics.journal(),
                "TigerBeetle cluster " + config.clusterId() + " at " + String.join(",", config.addresses()), config::client,
                config, registry, null);
    }

    /**
     * A sink on a ledger client of the caller's (the benchmark's, the tests').
     *
     * @param ledgers makes the client when the sink starts (the sink closes it when it is closed)
     * @param pause   how it waits between retries; null: for real, ended at once by a close
     */
    public TigerBeetleSink(Supplier<Consumer<byte[], byte[]>> consumers, Topic<Long, JournalEntry> journal, String target,
                           Supplier<LedgerClient> ledgers, TigerBeetleConfig config, MeterRegistry registry, RetryPolicy.Pause pause) {
        super(NAME, "tigerbeetle", "journal entries", List.of(journal.name()), Duration.ofMillis(config.pollTimeoutMs()),
                config.retries(), registry, consumers, pause);
        this.journal = journal;
        this.config = config;
        this.ledgers = ledgers;
        this.target = target;
        this.registry = registry;
    }

    /**
     * The consumer configuration the sink relies on: its group, committed reads, manual commits,
     * and polls of up to one full request of single-transfer entries.
     */
    public static Map<String, Object> consumerProperties(String bootstrapServers) {
        return SinkConsumers.properties(bootstrapServers, GROUP_ID, LedgerMapping.EVENTS_PER_REQUEST_MAX);
    }

    @Override
    public String target() {
        return target;
    }

    /**
     * Opens the client (host names in the addresses are resolved now).
     *
     * @throws IllegalArgumentException when an address does not resolve
     */
    @Override
    protected Writer open(Consumer<byte[], byte[]> consumer) {
        LedgerClient ledger = ledgers.get();
        try {
            return new TigerBeetleWriter(journal, ledger, config, registry, pause(), this::closing);
        } catch (RuntimeException e) {
            ledger.close();
            throw e;
        }
    }
}
