package io.settlement.bench.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import io.settlement.cassandra.CassandraProcess;
import io.settlement.sink.scylla.SchemaApplier;
import io.settlement.sink.scylla.ScyllaEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Starts a real Apache Cassandra 5.0.9 ({@link CassandraProcess}, benchmark profile: full JIT, a
 * 1 GB heap, {@code commitlog_sync: periodic} with fsync) for a benchmark run of the ScyllaDB sink
 * (workload C, {@code --cql 127.0.0.1:<port>}), bound to 127.0.0.1 on a free or given port; applies
 * the sink's schema, prints the endpoint, and keeps the server until this process ends (Ctrl-C,
 * SIGTERM, or even SIGKILL: the server's watchdog halts it).
 *
 * <p>A benchmark tool, not a production path: Cassandra stands in for ScyllaDB, which cannot be
 * installed here; ScyllaDB (shard-per-core, no JVM) behaves differently. See docs/scylla.md.
 */
@Command(name = "bench-cassandra", mixinStandardHelpOptions = true,
        description = "Starts Cassandra 5.0.9 on 127.0.0.1 for `--cql` of the bench, until this process ends.")
public final class BenchCassandra implements java.util.concurrent.Callable<Integer> {
    /** A loaded 2-core machine has been seen taking 15 s with a small heap and C1. */
    static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    @Option(names = "--port", defaultValue = "0", description = "CQL port on 127.0.0.1 (0: a free one); default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--heap", defaultValue = "1g", description = "Cassandra's heap (-Xms = -Xmx); default: ${DEFAULT-VALUE}")
    String heap;

    @Option(names = "--dir", defaultValue = "target/bench-cassandra",
            description = "Data, config and logs (emptied first); default: ${DEFAULT-VALUE}")
    Path directory;

    @Option(names = "--classpath-file", defaultValue = "cassandra-runtime/target/cassandra.classpath",
            description = "Cassandra's classpath, written by `mvn -B -q -pl cassandra-runtime package`; default: ${DEFAULT-VALUE}")
    Path classpathFile;

    @Option(names = "--jvm", split = " ", description = "Extra JVM options of the Cassandra process, e.g. --jvm=-XX:+UseParallelGC")
    List<String> extraJvm = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCassandra()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        CassandraProcess server = CassandraProcess.start(new CassandraProcess.Options(directory, port, CassandraProcess.Profile.BENCH,
                heap, extraJvm, classpathFile, START_TIMEOUT));
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "bench-cassandra-stop"));
        ScyllaEndpoint endpoint = ScyllaEndpoint.singleNode(server.contactPoint());
        try (CqlSession session = endpoint.openSession()) {
            SchemaApplier.apply(session, endpoint);
        }
        int nativePort = server.contactPoint().getPort();
        Files.writeString(directory.toAbsolutePath().resolve("cql-port"), nativePort + "\n");
        System.out.println("Cassandra 5.0.9 (standing in for ScyllaDB) answers CQL on 127.0.0.1:" + nativePort
                + " (pid " + server.pid() + ", heap " + heap + ", commitlog_sync periodic 10 s, schema applied); "
                + "Ctrl-C or kill " + ProcessHandle.current().pid() + " stops it.");
        System.out.println("CQL 127.0.0.1:" + nativePort);
        System.out.flush();
        // Until the server ends; a signal to this JVM stops it through the shutdown hook first.
        int exit = server.waitFor();
        System.err.println("Cassandra exited with code " + exit + "; see " + directory.toAbsolutePath().resolve("logs"));
        return 1;
    }
}
