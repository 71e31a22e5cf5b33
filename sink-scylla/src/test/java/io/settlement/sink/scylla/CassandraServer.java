package io.settlement.sink.scylla;

import io.settlement.cassandra.CassandraProcess;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The CQL server of this module's tests: a real Apache Cassandra 5.0.9 in its own JVM
 * ({@link CassandraProcess}, test profile), where ScyllaDB cannot be installed. Its classpath file
 * and work directory come from system properties the pom sets ({@code cassandra.classpath.file},
 * {@code cassandra.work.dir}). Start takes 4-15 s on a loaded 2-core machine, so a test class
 * starts one server and shares it; {@link #kill()} and {@link #restart()} keep the ports and the
 * data directory, so acknowledged writes come back after a crash.
 */
final class CassandraServer implements AutoCloseable {
    static final String LOCAL_DATACENTER = CassandraProcess.LOCAL_DATACENTER;
    /** Generous: a loaded machine has been seen taking 15 s. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** As root Cassandra locks its whole committed heap in memory; keep it small. */
    static final String HEAP = "256m";

    private final CassandraProcess process;

    private CassandraServer(CassandraProcess process) {
        this.process = process;
    }

    /** A fresh server (its directory wiped), ready for CQL when this returns. */
    static CassandraServer start(String name) {
        String classpathFile = System.getProperty("cassandra.classpath.file");
        if (classpathFile == null) {
            throw new IllegalStateException("system property cassandra.classpath.file is not set (see sink-scylla/pom.xml)");
        }
        Path directory = Path.of(System.getProperty("cassandra.work.dir", "target/cassandra"), name);
        return new CassandraServer(CassandraProcess.start(new CassandraProcess.Options(directory, 0, CassandraProcess.Profile.TEST,
                HEAP, List.of(), Path.of(classpathFile), START_TIMEOUT)));
    }

    InetSocketAddress contactPoint() {
        return process.contactPoint();
    }

    /** The endpoint of the sink, without driver metadata (DDL takes 0.5 s instead of 5 s). */
    ScyllaEndpoint endpoint(String keyspace) {
        return ScyllaEndpoint.singleNode(contactPoint()).withoutMetadata().withKeyspace(keyspace);
    }

    /** Hard crash (SIGKILL); the data directory stays, acknowledged writes come back on restart. */
    void kill() {
        process.kill();
    }

    /** Starts again on the same ports and data directory (after {@link #kill()}). */
    void restart() {
        process.restart();
    }

    @Override
    public void close() {
        process.close();
    }
}
