package io.settlement.bench;

import io.settlement.contract.Topics;
import java.time.Duration;

/**
 * The hook of workload C: a sink (the ScyllaDB sink of module {@code sink-scylla}) offers
 * itself to the benchmark as a {@link java.util.ServiceLoader} service of this type. The
 * benchmark asks it to drain every output written so far (workloads A and B) into the CQL
 * endpoint from a fresh consumer group, and reports its rows/s. Without one on the classpath,
 * workload C is skipped with a message.
 */
public interface SinkBenchmark {
    /** What the sink's rows/s were measured over. */
    record Drained(long rows, double seconds, boolean complete) {}

    String name();

    /**
     * Starts the sink against {@code bootstrapServers} and {@code cqlEndpoint} with a fresh
     * consumer group, waits until it has written everything up to the topics' current ends (or
     * until {@code timeout}), stops it, and says how many rows it wrote in how long.
     */
    Drained drain(String bootstrapServers, Topics topics, String cqlEndpoint, Duration timeout);
}
