package io.settlement.bench.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import io.settlement.sink.scylla.SchemaApplier;
import io.settlement.sink.scylla.ScyllaEndpoint;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Starts a real Apache Cassandra 5.0.9 (cassandra-all from Maven Central, classpath written by
 * module {@code cassandra-runtime}) in its own JVM for a benchmark run of the ScyllaDB sink
 * (workload C, {@code bench --cql 127.0.0.1:<port>}), with server-like settings: full JIT, a 1 GB
 * heap, {@code commitlog_sync: periodic} (10 s, fsync on; never combined with
 * {@code cassandra.skip_sync}, which loses acknowledged writes in that mode), bound to 127.0.0.1
 * on a free or given port; applies the sink's schema, prints the endpoint, and keeps the server
 * until this process ends (Ctrl-C, SIGTERM, or even SIGKILL: the server's watchdog halts it).
 *
 * <p>A benchmark tool, not a production path: Cassandra stands in for ScyllaDB, which cannot be
 * installed here; ScyllaDB (shard-per-core, no JVM) behaves differently. See docs/scylla.md.
 */
@Command(name = "bench-cassandra", mixinStandardHelpOptions = true,
        description = "Starts Cassandra 5.0.9 on 127.0.0.1 for `bench --cql`, until this process ends.")
public final class BenchCassandra implements java.util.concurrent.Callable<Integer> {
    /** A loaded 2-core machine has been seen taking 15 s with a small heap and C1. */
    static final long START_TIMEOUT_MS = 180_000;
    static final long STOP_TIMEOUT_MS = 20_000;
    private static final long CQL_CHECK_INTERVAL_NANOS = 500_000_000L;

    /** The JDK 17 flags of Cassandra's own conf/jvm17-server.options. */
    private static final List<String> JDK17_FLAGS = List.of(
            "-Djdk.attach.allowAttachSelf=true",
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
            "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
            "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
            "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.io=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/java.util=ALL-UNNAMED",
            "-Dio.netty.tryReflectionSetAccessible=true");

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
        Path dir = directory.toAbsolutePath();
        deleteRecursively(dir);
        int nativePort = port == 0 ? freePort(-1) : port;
        int storagePort = freePort(nativePort);
        writeConfig(dir, nativePort, storagePort);
        Path launcherDir = copyLauncher(dir);
        List<String> command = command(dir, launcherDir);
        Path log = dir.resolve("logs/stdout.log");
        Files.createDirectories(log.getParent());
        // Standard input stays a pipe from this JVM: the server's watchdog halts it when this JVM goes.
        Process server = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.destroy();
            try {
                if (!server.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                    server.destroyForcibly();
                }
            } catch (InterruptedException e) {
                server.destroyForcibly();
            }
        }, "bench-cassandra-stop"));
        InetSocketAddress contactPoint = new InetSocketAddress("127.0.0.1", nativePort);
        ScyllaEndpoint endpoint = ScyllaEndpoint.singleNode(contactPoint);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        while (!answersCql(endpoint)) {
            if (!server.isAlive()) {
                System.err.println("Cassandra exited with code " + server.exitValue() + "; see " + dir.resolve("logs"));
                return 1;
            }
            if (System.nanoTime() > deadline) {
                System.err.println("Cassandra did not answer CQL within " + START_TIMEOUT_MS + " ms; see " + dir.resolve("logs"));
                return 1;
            }
            LockSupport.parkNanos(CQL_CHECK_INTERVAL_NANOS);
        }
        try (CqlSession session = endpoint.openSession()) {
            SchemaApplier.apply(session, endpoint);
        }
        Files.writeString(dir.resolve("cql-port"), nativePort + "\n");
        System.out.println("Cassandra 5.0.9 (standing in for ScyllaDB) answers CQL on 127.0.0.1:" + nativePort
                + " (pid " + server.pid() + ", heap " + heap + ", commitlog_sync periodic 10 s, schema applied); "
                + "Ctrl-C or kill " + ProcessHandle.current().pid() + " stops it.");
        System.out.println("CQL 127.0.0.1:" + nativePort);
        System.out.flush();
        // Until the server ends; a signal to this JVM stops it through the shutdown hook first.
        int exit = server.waitFor();
        System.err.println("Cassandra exited with code " + exit + "; see " + dir.resolve("logs"));
        return 1;
    }

    private List<String> command(Path dir, Path launcherDir) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xms" + heap, "-Xmx" + heap, "-Xss512k", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=300",
                "-XX:+ExitOnOutOfMemoryError", "-XX:+AlwaysPreTouch"));
        command.addAll(extraJvm);
        command.addAll(JDK17_FLAGS);
        command.add("-Dcassandra-foreground=yes");
        command.add("-Dcassandra.config=" + dir.resolve("conf/cassandra.yaml").toUri());
        command.add("-Dcassandra.storagedir=" + dir.resolve("data"));
        command.add("-Dcassandra.logdir=" + dir.resolve("logs"));
        command.add("-Dlogback.configurationFile=" + dir.resolve("conf/logback.xml").toUri());
        // A single node starts without waiting for a ring.
        command.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
        command.add("-Dcassandra.ring_delay_ms=100");
        command.add("-Dcassandra.superuser_setup_delay_ms=0");
        command.add("-Dchronicle.analytics.disable=true");
        command.add("-cp");
        String classpath = Files.readString(classpathFile).trim();
        command.add(classpath + File.pathSeparator + launcherDir);
        command.add(ForkedCassandraMain.class.getName());
        return command;
    }

    /** The launcher class alone in a directory of its own, so the app jar stays off Cassandra's classpath. */
    private static Path copyLauncher(Path dir) throws IOException {
        String resource = ForkedCassandraMain.class.getName().replace('.', '/') + ".class";
        Path launcherDir = dir.resolve("launcher");
        Path target = launcherDir.resolve(resource);
        Files.createDirectories(target.getParent());
        try (InputStream in = ForkedCassandraMain.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("class file not found: " + resource);
            }
            Files.copy(in, target);
        }
        return launcherDir;
    }

    private static void writeConfig(Path dir, int nativePort, int storagePort) throws IOException {
        String d = dir.toString();
        String yaml = String.join("\n",
                "cluster_name: settlement-bench",
                "num_tokens: 16",
                "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
                "endpoint_snitch: SimpleSnitch",
                "listen_address: 127.0.0.1",
                "rpc_address: 127.0.0.1",
                "storage_port: " + storagePort,
                "native_transport_port: " + nativePort,
                "start_native_transport: true",
                "seed_provider:",
                "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
                "    parameters:",
                "      - seeds: \"127.0.0.1:" + storagePort + "\"",
                "data_file_directories:",
                "  - " + d + "/data/data",
                "commitlog_directory: " + d + "/data/commitlog",
                "saved_caches_directory: " + d + "/data/saved_caches",
                "hints_directory: " + d + "/data/hints",
                "cdc_raw_directory: " + d + "/data/cdc_raw",
                // Periodic fsync, as a default Cassandra; no skip_sync (with periodic it loses acknowledged writes).
                "commitlog_sync: periodic",
                "commitlog_sync_period: 10000ms",
                "auto_snapshot: false",
                "authenticator: AllowAllAuthenticator",
                "authorizer: AllowAllAuthorizer",
                "concurrent_compactors: 1",
                "");
        String logback = String.join("\n",
                "<configuration>",
                "  <appender name=\"FILE\" class=\"ch.qos.logback.core.FileAppender\">",
                "    <file>" + d + "/logs/system.log</file>",
                "    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>",
                "  </appender>",
                "  <root level=\"INFO\"><appender-ref ref=\"FILE\"/></root>",
                "</configuration>",
                "");
        Files.createDirectories(dir.resolve("conf"));
        Files.writeString(dir.resolve("conf/cassandra.yaml"), yaml);
        Files.writeString(dir.resolve("conf/logback.xml"), logback);
    }

    private static boolean answersCql(ScyllaEndpoint endpoint) {
        try (Socket socket = new Socket()) {
            socket.connect(endpoint.contactPoints().get(0), 200);
        } catch (IOException notYet) {
            return false;
        }
        try (CqlSession session = endpoint.withoutMetadata().withKeyspace("system").openSession()) {
            session.execute("SELECT release_version FROM system.local");
            return true;
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    private static int freePort(int other) {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                if (socket.getLocalPort() != other) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        }
    }
}
