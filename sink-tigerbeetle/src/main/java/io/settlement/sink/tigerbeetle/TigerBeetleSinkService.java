package io.settlement.sink.tigerbeetle;

import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.contract.Topics;
import io.settlement.sink.ThreadedSink;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The TigerBeetle sink as a {@link io.settlement.sink.Sink}: {@link #start()} opens a client on the cluster and runs
 * the sink's consumer loop ({@link TigerBeetleSink}) over the journal on its own thread. Its pauses
 * between retries end at once when it is closed ({@link ThreadedSink#backoff()}).
 */
public final class TigerBeetleSinkService extends ThreadedSink {
    /** The sink's name in {@code /health} and the logs. */
    public static final String NAME = "tigerbeetle-sink";

    private final Map<String, Object> consumerProperties;
    private final Topics topics;
    private final TigerBeetleSettings cluster;
    private final TigerBeetleSinkSettings settings;
    private final MeterRegistry registry;

    /**
     * A sink not yet started: nothing connects until {@link #start()}.
     *
     * @param consumerProperties its consumer's settings ({@link TigerBeetleSink#consumerProperties} and the operator's)
     */
    public TigerBeetleSinkService(Map<String, Object> consumerProperties, Topics topics, TigerBeetleSettings cluster,
                                  TigerBeetleSinkSettings settings, MeterRegistry registry) {
        this.consumerProperties = Map.copyOf(consumerProperties);
        this.topics = topics;
        this.cluster = cluster;
        this.settings = settings;
        this.registry = registry;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String target() {
        return "TigerBeetle cluster " + cluster.clusterId() + " at " + String.join(",", cluster.addresses());
    }

    /**
     * Opens the client (host names in the addresses are resolved now); the loop starts after.
     *
     * @throws IllegalArgumentException when an address does not resolve
     */
    @Override
    protected Started open() {
        TigerBeetleLedgerClient ledger = new TigerBeetleLedgerClient(cluster.clusterId(), cluster.resolvedAddresses(),
                cluster.requestTimeoutMs());
        return Started.on(ledger, client -> new TigerBeetleSink(new KafkaConsumer<>(consumerProperties), topics.journal(), client,
                settings, registry, backoff()));
    }

    @Override
    protected Progress notStarted() {
        return new Progress(0, 0, "journal entries");
    }
}
