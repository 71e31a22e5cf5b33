package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real Apache Cassandra 5.0.9 (cassandra-all from Maven Central) in its own JVM, the CQL server
 * of this module's tests: ScyllaDB cannot be installed here, and both speak the same CQL and
 * native protocol V4. The test JVM has only the driver on its classpath; the daemon's classpath is
 * the file module cassandra-runtime writes (system property {@code cassandra.classpath.file}), so
 * Cassandra's netty and guava never meet the driver's.
 *
 * <p>Start takes 4-15 s on a loaded 2-core machine, so a test class starts one server and shares
 * it. {@link #kill()} and {@link #restart()} keep the ports and the data directory: acknowledged
 * writes survive through the commit log ({@code commitlog_sync: batch}; with
 * {@code -Dcassandra.skip_sync=true} nothing is fsynced, which only an OS crash could notice, while
 * the periodic mode with skip_sync was seen losing acknowledged writes).
 */
final class CassandraServer implements AutoCloseable {
    /** SimpleSnitch's data center. */
    static final String LOCAL_DATACENTER = "datacenter1";
    /** Generous: a loaded machine has been seen taking 15 s. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    /** As root Cassandra locks its whole committed heap in memory; keep it small. */
    static final String HEAP = "256m";

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

    private final Path directory;
    private final int nativePort;
    private final int storagePort;
    private Process process;

    private CassandraServer(String name) {
        this.directory = Paths.get(System.getProperty("cassandra.work.dir", "target/cassandra"), name).toAbsolutePath();
        this.nativePort = freePort();
        int port;
        do {
            port = freePort();
        } while (port == nativePort);
        this.storagePort = port;
    }

    /** A fresh server (its directory wiped), ready for CQL when this returns. */
    static CassandraServer start(String name) {
        CassandraServer server = new CassandraServer(name);
        deleteRecursively(server.directory);
        server.writeConfig();
        server.launch();
        return server;
    }

    InetSocketAddress contactPoint() {
        return new InetSocketAddress("127.0.0.1", nativePort);
    }

    /** The endpoint of the sink, without driver metadata (DDL takes 0.5 s instead of 5 s). */
    io.settlement.sink.scylla.ScyllaEndpoint endpoint(String keyspace) {
        return ScyllaEndpoint.singleNode(contactPoint()).withoutMetadata().withKeyspace(keyspace);
    }

    /** Hard crash (SIGKILL); the data directory stays, acknowledged writes come back on restart. */
    synchronized void kill() {
        Process running = process;
        if (running == null) {
            return;
        }
        process = null;
        running.destroyForcibly();
        try {
            running.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts again on the same ports and data directory (after {@link #kill()}). */
    synchronized void restart() {
        kill();
        launch();
    }

    @Override
    public void close() {
        kill();
    }

    private synchronized void launch() {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xms" + HEAP, "-Xmx" + HEAP, "-Xss512k", "-XX:+UseG1GC",
                "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError"));
        command.addAll(JDK17_FLAGS);
        command.add("-Dcassandra-foreground=yes");
        command.add("-Dcassandra.config=" + directory.resolve("conf/cassandra.yaml").toUri());
        command.add("-Dcassandra.storagedir=" + directory.resolve("data"));
        command.add("-Dcassandra.logdir=" + directory.resolve("logs"));
        command.add("-Dlogback.configurationFile=" + directory.resolve("conf/logback.xml").toUri());
        // Fast start of a single node.
        command.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
        command.add("-Dcassandra.ring_delay_ms=100");
        command.add("-Dcassandra.superuser_setup_delay_ms=0");
        command.add("-Dcassandra.memtable.row_overhead_size=180");
        // No fsync at all (test data); only safe with commitlog_sync: batch, see the class comment.
        command.add("-Dcassandra.skip_sync=true");
        command.add("-Dchronicle.analytics.disable=true");
        command.add("-cp");
        command.add(daemonClasspath());
        command.add(CassandraDaemonLauncher.class.getName());
        Path log = directory.resolve("logs/stdout.log");
        try {
            Files.createDirectories(log.getParent());
            // Standard input stays a pipe: the launcher's watchdog halts the daemon when this JVM goes.
            process = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitCql(process, log);
    }

    private void awaitCql(Process started, Path log) {
        try {
            Awaitility.await("Cassandra answering CQL on " + contactPoint())
                    .atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        if (!started.isAlive()) {
                            throw new IllegalStateException("Cassandra exited with code " + started.exitValue());
                        }
                        return answersCql();
                    });
        } catch (RuntimeException e) {
            started.destroyForcibly();
            throw new IllegalStateException(e.getMessage() + "\n--- tail of " + log + " ---\n" + tail(log), e);
        }
    }

    private boolean answersCql() {
        try (Socket socket = new Socket()) {
            socket.connect(contactPoint(), 200);
        } catch (IOException notYet) {
            return false;
        }
        try (CqlSession session = endpoint("system").openSession()) {
            session.execute("SELECT release_version FROM system.local");
            return true;
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    private static String daemonClasspath() {
        String file = System.getProperty("cassandra.classpath.file");
        if (file == null) {
            throw new IllegalStateException("system property cassandra.classpath.file is not set (see sink-scylla/pom.xml)");
        }
        try {
            String classpath = Files.readString(Paths.get(file)).trim();
            String launcher = Paths.get(CassandraDaemonLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
            return classpath + File.pathSeparator + launcher;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the Cassandra classpath from " + file
                    + " (build with -am so that cassandra-runtime writes it first)", e);
        }
    }

    private void writeConfig() {
        String d = directory.toString();
        String yaml = String.join("\n",
                "cluster_name: settlement-test",
                "num_tokens: 1",
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
                "commitlog_sync: batch",
                "commitlog_segment_size: 8MiB",
                "auto_snapshot: false",
                "snapshot_on_duplicate_row_detection: false",
                "authenticator: AllowAllAuthenticator",
                "authorizer: AllowAllAuthorizer",
                "concurrent_compactors: 1",
                "dynamic_snitch: false",
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
        try {
            Files.createDirectories(directory.resolve("conf"));
            Files.writeString(directory.resolve("conf/cassandra.yaml"), yaml);
            Files.writeString(directory.resolve("conf/logback.xml"), logback);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Path log) {
        List<String> lines = new ArrayList<>();
        for (Path file : List.of(log, log.resolveSibling("system.log"))) {
            try {
                List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
                lines.add("== " + file.getFileName());
                lines.addAll(all.subList(Math.max(0, all.size() - 60), all.size()));
            } catch (IOException notWrittenYet) {
                lines.add("== " + file.getFileName() + " (none)");
            }
        }
        return String.join("\n", lines);
    }

    private static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
