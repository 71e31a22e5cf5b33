package io.settlement.bench;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;

/** A Kafka Streams client the benchmark starts, waits for, and always closes with its local state removed. */
final class StreamsInstance implements AutoCloseable {
    /** How long a start (assignment, restoring nothing) may take. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaStreams streams;
    private final Topology topology;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private StreamsInstance(Topology topology, Properties properties) {
        this.topology = topology;
        this.streams = new KafkaStreams(topology, properties);
    }

    static StreamsInstance start(Topology topology, Properties properties) {
        StreamsInstance instance = new StreamsInstance(topology, properties);
        CountDownLatch running = new CountDownLatch(1);
        instance.streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        instance.streams.setUncaughtExceptionHandler(e -> {
            instance.failure.compareAndSet(null, e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        instance.streams.start();
        try {
            if (!running.await(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                instance.close();
                throw new IllegalStateException("Kafka Streams did not reach RUNNING within " + START_TIMEOUT + " (state " + instance.streams.state() + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            instance.close();
            throw new IllegalStateException("interrupted starting Kafka Streams", e);
        }
        return instance;
    }

    KafkaStreams streams() {
        return streams;
    }

    Topology topology() {
        return topology;
    }

    /** The error that stopped a stream thread, if any: a run with one has failed. */
    Throwable failure() {
        return failure.get();
    }

    @Override
    public void close() {
        streams.close(CLOSE_TIMEOUT);
        streams.cleanUp();
    }
}
