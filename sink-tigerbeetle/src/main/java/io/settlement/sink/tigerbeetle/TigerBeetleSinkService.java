package io.settlement.sink.tigerbeetle;

import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.contract.Topics;
import io.settlement.sink.Health;
import io.settlement.sink.Sink;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The TigerBeetle sink as a {@link Sink}: {@link #start()} opens a client on the cluster and runs
 * the sink's consumer loop ({@link TigerBeetleSink}) over the journal on its own thread. Its pauses
 * between retries end at once when it is closed.
 */
public final class TigerBeetleSinkService implements Sink {
    /** The sink's name in {@code /health} and the logs. */
    public static final String NAME = "tigerbeetle-sink";
    /** How long {@link #close()} may wait for the poll under way (a request and its retries). */
    static final long CLOSE_TIMEOUT_MS = 30_000;

    private final Map<String, Object> consumerProperties;
    private final Topics topics;
    private final TigerBeetleSettings cluster;
    private final TigerBeetleSinkSettings settings;
    private final MeterRegistry registry;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private volatile Running running;
    private boolean closed;

    private record Running(TigerBeetleLedgerClient ledger, TigerBeetleSink sink, Thread thread) {}

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
     * Opens the client (host names in the addresses are resolved now) and starts consuming.
     *
     * @throws IllegalArgumentException when an address does not resolve
     */
    @Override
    public synchronized void start() {
        if (closed || running != null) {
            throw new IllegalStateException(NAME + " is " + (closed ? "closed" : "started already"));
        }
        TigerBeetleLedgerClient ledger = new TigerBeetleLedgerClient(cluster.clusterId(), cluster.resolvedAddresses(),
                cluster.requestTimeoutMs());
        try {
            TigerBeetleSink sink = new TigerBeetleSink(new KafkaConsumer<>(consumerProperties), topics.journal(), ledger,
                    settings, registry, millis -> stopping.await(millis, TimeUnit.MILLISECONDS));
            Thread thread = new Thread(sink, NAME);
            running = new Running(ledger, sink, thread);
            thread.start();
        } catch (RuntimeException e) {
            ledger.close();
            throw e;
        }
    }

    @Override
    public Health health() {
        Running now = running;
        return now == null ? Health.down("not started") : now.sink().health();
    }

    @Override
    public Progress progress() {
        Running now = running;
        return now == null ? new Progress(0, 0, "journal entries") : now.sink().progress();
    }

    @Override
    public synchronized void close() {
        closed = true;
        Running now = running;
        running = null;
        if (now == null) {
            return;
        }
        now.sink().close();
        stopping.countDown();
        try {
            now.thread().join(CLOSE_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            now.ledger().close();
        }
    }
}
