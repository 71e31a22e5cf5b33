package io.settlement.serde.confluent;

import io.settlement.testsupport.ForkedProcess;
import io.settlement.testsupport.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Apicurio Registry 3.0.9 (unpacked into {@code target/apicurio} by maven-dependency-plugin from
 * Maven Central) as a child JVM bound to 127.0.0.1 on a free port: a real Confluent-compatible
 * schema registry at {@code /apis/ccompat/v7}. Storage is H2, in memory, or in a file when the
 * test restarts the registry and needs its schemas (and ids) back. A {@link ForkedProcess}, stopped
 * with it.
 */
final class ApicurioRegistry implements AutoCloseable {
    private static final String RUNNER = "apicurio-registry-app-3.0.9-runner.jar";
    /** Starts take about 4 s on this machine; a loaded CI box gets ten times that. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    /** Retries of a start that lost the race for its free port. */
    private static final int START_ATTEMPTS_MAX = 3;

    private final Path home;
    private final Path dataDir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
    private ForkedProcess process;
    private int port;

    private ApicurioRegistry(Path dataDir) {
        this.home = Paths.get(System.getProperty("apicurio.home", "target/apicurio")).toAbsolutePath();
        this.dataDir = dataDir;
    }

    /** A registry that forgets everything when stopped. */
    static ApicurioRegistry inMemory() {
        return new ApicurioRegistry(null);
    }

    /** A registry keeping its schemas in {@code dataDir}, so {@link #restart()} brings them (and their ids) back. */
    static ApicurioRegistry persistentIn(Path dataDir) {
        return new ApicurioRegistry(dataDir.toAbsolutePath());
    }

    synchronized ApicurioRegistry start() {
        Path jar = home.resolve(RUNNER);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " missing; run mvn generate-test-resources");
        }
        IllegalStateException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS_MAX; attempt++) {
            try {
                launch(jar, FreePorts.freePort());
                return this;
            } catch (IllegalStateException e) {
                last = e;
                stop();
            }
        }
        throw last;
    }

    /** Starts again on the same port (and the same data, if persistent). */
    synchronized void restart() {
        stop();
        launch(home.resolve(RUNNER), port);
    }

    private void launch(Path jar, int httpPort) {
        port = httpPort;
        Path logFile = home.getParent().resolve("apicurio-" + port + "-" + System.nanoTime() + ".log");
        String datasource = dataDir == null ? "jdbc:h2:mem:registry_" + port : "jdbc:h2:file:" + dataDir.resolve("registry");
        List<String> command = new ArrayList<>(List.of(
                ForkedProcess.java(),
                "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.management.host=127.0.0.1",
                "-Dquarkus.management.port=" + FreePorts.freePortOtherThan(port),
                "-Dapicurio.storage.kind=sql",
                "-Dapicurio.storage.sql.kind=h2",
                "-Dapicurio.datasource.url=" + datasource,
                "-Dapicurio.datasource.jdbc.initial-size=2",
                "-Dapicurio.datasource.jdbc.min-size=2",
                "-Dquarkus.http.access-log.enabled=false",
                "-jar", jar.toString()));
        HttpRequest probe = HttpRequest.newBuilder(URI.create(url() + "/subjects")).timeout(PROBE_TIMEOUT).build();
        process = ForkedProcess.start("Apicurio on port " + port, command, home, logFile).destroyOnExit()
                .awaitReady("answering " + probe.uri(), START_TIMEOUT, () -> answers(probe));
    }

    private boolean answers(HttpRequest probe) {
        try {
            return http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    synchronized void stop() {
        ForkedProcess running = process;
        process = null;
        if (running != null) {
            running.stop(STOP_TIMEOUT);
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** The Confluent-compatible base URL, e.g. {@code http://127.0.0.1:43211/apis/ccompat/v7}. */
    String url() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }
}
