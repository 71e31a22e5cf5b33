package io.settlement.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import io.settlement.testsupport.ForkedProcess;
import io.settlement.testsupport.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real Apache Cassandra 5.0.9 (cassandra-all from Maven Central) in a JVM of its own, bound to
 * 127.0.0.1: the CQL server of the ScyllaDB sink's tests and of the benchmark's sink run, where
 * ScyllaDB cannot be installed (both speak the same CQL and native protocol V4). Its classpath is
 * the file module {@code cassandra-runtime} writes, plus {@link ForkedCassandraMain} copied alone
 * into the server's directory, so Cassandra's netty and guava never meet the starter's. The server
 * halts when the starting JVM goes (its watchdog reads the stdin pipe).
 *
 * <p>Two profiles. {@link Profile#TEST}: a small heap, C1 only, {@code commitlog_sync: batch} with
 * nothing fsynced ({@code cassandra.skip_sync}; the periodic mode with skip_sync was seen losing
 * acknowledged writes, batch keeps them through a SIGKILL), a fast start. {@link Profile#BENCH}:
 * server-like, full JIT, {@code commitlog_sync: periodic} every 10 s with fsync, 16 tokens.
 * {@link #kill()} and {@link #restart()} keep the ports and the data directory. The server is a
 * {@link ForkedProcess} (test-support's launcher), its output in {@code logs/stdout.log}.
 */
public final class CassandraProcess implements AutoCloseable {
    /** SimpleSnitch's data center. */
    public static final String LOCAL_DATACENTER = "datacenter1";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    /** Test or benchmark settings; see the class comment. */
    public enum Profile { TEST, BENCH }

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

    /**
     * What to start.
     *
     * @param directory     data, config and logs (emptied first)
     * @param nativePort    the CQL port on 127.0.0.1, 0 for a free one
     * @param profile       test or benchmark settings
     * @param heap          the heap ({@code -Xms} = {@code -Xmx}), e.g. {@code 256m}
     * @param extraJvm      more JVM options of the server
     * @param classpathFile Cassandra's classpath, written by module cassandra-runtime
     * @param startTimeout  how long it may take to answer CQL
     */
    public record Options(Path directory, int nativePort, Profile profile, String heap, List<String> extraJvm,
                          Path classpathFile, Duration startTimeout) {
        public Options {
            directory = directory.toAbsolutePath();
            extraJvm = List.copyOf(extraJvm);
        }
    }

    private final Options options;
    private final int nativePort;
    private final int storagePort;
    private final Path launcherDirectory;
    private ForkedProcess process;

    private CassandraProcess(Options options, int nativePort, int storagePort, Path launcherDirectory) {
        this.options = options;
        this.nativePort = nativePort;
        this.storagePort = storagePort;
        this.launcherDirectory = launcherDirectory;
    }

    /** A fresh server (its directory wiped), answering CQL when this returns. */
    public static CassandraProcess start(Options options) {
        try {
            deleteRecursively(options.directory());
            int nativePort = options.nativePort() == 0 ? FreePorts.freePort() : options.nativePort();
            int storagePort = FreePorts.freePortOtherThan(nativePort);
            writeConfig(options, nativePort, storagePort);
            CassandraProcess server = new CassandraProcess(options, nativePort, storagePort, copyLauncher(options.directory()));
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Cassandra in " + options.directory(), e);
        }
    }

    public InetSocketAddress contactPoint() {
        return new InetSocketAddress("127.0.0.1", nativePort);
    }

    /** The server's process id, while it runs. */
    public synchronized long pid() {
        return process.pid();
    }

    /** Waits until the server ends by itself; its exit code. */
    public int waitFor() throws InterruptedException {
        ForkedProcess running;
        synchronized (this) {
            running = process;
        }
        if (running == null) {
            return -1;
        }
        running.handle().onExit().join();
        return running.exitValue();
    }

    /** Hard crash (SIGKILL); the data directory stays, acknowledged writes come back on restart. */
    public synchronized void kill() {
        ForkedProcess running = process;
        process = null;
        if (running != null) {
            running.kill();
        }
    }

    /** An orderly stop (SIGTERM), a SIGKILL if it takes too long. */
    public synchronized void stop() {
        ForkedProcess running = process;
        process = null;
        if (running != null) {
            running.stop(STOP_TIMEOUT);
        }
    }

    /** Starts again on the same ports and data directory (after {@link #kill()}). */
    public synchronized void restart() {
        kill();
        launch();
    }

    @Override
    public void close() {
        kill();
    }

    /** The last lines of the server's output and log, for a failure message. */
    public String logTail() {
        List<String> lines = new ArrayList<>();
        Path logs = options.directory().resolve("logs");
        for (Path file : List.of(logs.resolve("stdout.log"), logs.resolve("system.log"))) {
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

    private synchronized void launch() {
        Path directory = options.directory();
        List<String> command;
        try {
            command = command();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Cassandra", e);
        }
        // Standard input stays a pipe: the server's watchdog halts it when this JVM goes.
        ForkedProcess started = ForkedProcess.start("Cassandra", command, directory, directory.resolve("logs/stdout.log"));
        try {
            started.awaitReady("answering CQL on " + contactPoint(), options.startTimeout(), this::answersCql);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "\n--- tail of " + directory.resolve("logs") + " ---\n" + logTail(), e);
        }
        process = started;
    }

    private List<String> command() throws IOException {
        Path directory = options.directory();
        List<String> command = new ArrayList<>();
        command.add(ForkedProcess.java());
        command.addAll(List.of("-Xms" + options.heap(), "-Xmx" + options.heap(), "-Xss512k", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError"));
        if (options.profile() == Profile.TEST) {
            command.add("-XX:TieredStopAtLevel=1");
        } else {
            command.addAll(List.of("-XX:MaxGCPauseMillis=300", "-XX:+AlwaysPreTouch"));
        }
        command.addAll(options.extraJvm());
        command.addAll(JDK17_FLAGS);
        command.add("-Dcassandra-foreground=yes");
        command.add("-Dcassandra.config=" + directory.resolve("conf/cassandra.yaml").toUri());
        command.add("-Dcassandra.storagedir=" + directory.resolve("data"));
        command.add("-Dcassandra.logdir=" + directory.resolve("logs"));
        command.add("-Dlogback.configurationFile=" + directory.resolve("conf/logback.xml").toUri());
        // A single node starts without waiting for a ring.
        command.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
        command.add("-Dcassandra.ring_delay_ms=100");
        command.add("-Dcassandra.superuser_setup_delay_ms=0");
        if (options.profile() == Profile.TEST) {
            command.add("-Dcassandra.memtable.row_overhead_size=180");
            // No fsync at all (test data); only safe with commitlog_sync: batch, see the class comment.
            command.add("-Dcassandra.skip_sync=true");
        }
        command.add("-Dchronicle.analytics.disable=true");
        command.add("-cp");
        command.add(Files.readString(options.classpathFile()).trim() + java.io.File.pathSeparator + launcherDirectory);
        command.add(ForkedCassandraMain.class.getName());
        return command;
    }

    private boolean answersCql() {
        try (Socket socket = new Socket()) {
            socket.connect(contactPoint(), 200);
        } catch (IOException notYet) {
            return false;
        }
        try (CqlSession session = CqlSession.builder().addContactPoint(contactPoint()).withLocalDatacenter(LOCAL_DATACENTER)
                .withKeyspace("system").build()) {
            session.execute("SELECT release_version FROM system.local");
            return true;
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    /** The launcher class alone in a directory of its own, so no jar of the starter lands on Cassandra's classpath. */
    private static Path copyLauncher(Path directory) throws IOException {
        String resource = ForkedCassandraMain.class.getName().replace('.', '/') + ".class";
        Path launcherDirectory = directory.resolve("launcher");
        Path target = launcherDirectory.resolve(resource);
        Files.createDirectories(target.getParent());
        try (InputStream in = ForkedCassandraMain.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("class file not found: " + resource);
            }
            Files.copy(in, target);
        }
        return launcherDirectory;
    }

    private static void writeConfig(Options options, int nativePort, int storagePort) throws IOException {
        Path directory = options.directory();
        String d = directory.toString();
        boolean test = options.profile() == Profile.TEST;
        List<String> yaml = new ArrayList<>(List.of(
                "cluster_name: " + (test ? "settlement-test" : "settlement-bench"),
                "num_tokens: " + (test ? 1 : 16),
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
                "auto_snapshot: false",
                "authenticator: AllowAllAuthenticator",
                "authorizer: AllowAllAuthorizer",
                "concurrent_compactors: 1"));
        if (test) {
            yaml.addAll(List.of("commitlog_sync: batch", "commitlog_segment_size: 8MiB",
                    "snapshot_on_duplicate_row_detection: false", "dynamic_snitch: false"));
        } else {
            // Periodic fsync, as a default Cassandra; never with skip_sync (with periodic it loses acknowledged writes).
            yaml.addAll(List.of("commitlog_sync: periodic", "commitlog_sync_period: 10000ms"));
        }
        String logback = String.join("\n",
                "<configuration>",
                "  <appender name=\"FILE\" class=\"ch.qos.logback.core.FileAppender\">",
                "    <file>" + d + "/logs/system.log</file>",
                "    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>",
                "  </appender>",
                "  <root level=\"INFO\"><appender-ref ref=\"FILE\"/></root>",
                "</configuration>",
                "");
        Files.createDirectories(directory.resolve("conf"));
        Files.writeString(directory.resolve("conf/cassandra.yaml"), String.join("\n", yaml) + "\n");
        Files.writeString(directory.resolve("conf/logback.xml"), logback);
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
