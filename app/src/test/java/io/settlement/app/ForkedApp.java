package io.settlement.app;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The app's CLI ({@code settlement dev} or {@code run}) in a JVM of its own, started with this
 * JVM's java and the test classpath, so a test can kill it with SIGKILL
 * ({@link Process#destroyForcibly()}) as an operator or the kernel would. Its output goes to a
 * file, kept for the failure message.
 */
final class ForkedApp implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path output;
    /** Where this process's output begins in the file (earlier starts of the same name come before). */
    private final long outputStart;

    private ForkedApp(String name, Process process, Path output, long outputStart) {
        this.name = name;
        this.process = process;
        this.output = output;
        this.outputStart = outputStart;
    }

    /** Starts {@code settlement <args>}; output to {@code logDir/<name>.log} (appended). */
    static ForkedApp start(String name, Path logDir, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add(SettlementCli.class.getName());
        command.addAll(args);
        try {
            Files.createDirectories(logDir);
            Path output = logDir.resolve(name + ".log");
            long outputStart = Files.exists(output) ? Files.size(output) : 0;
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                    .start();
            return new ForkedApp(name, process, output, outputStart);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Waits until the output shows {@code line} (true), or the process ended or the timeout passed (false). */
    boolean awaitOutput(String line, Duration timeout) {
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(100))
                    .until(() -> output().contains(line) || !process.isAlive());
        } catch (ConditionTimeoutException e) {
            return false;
        }
        return output().contains(line);
    }

    /** This process's output so far (not that of earlier starts appended to the same file). */
    String output() {
        try {
            if (!Files.exists(output)) {
                return "";
            }
            byte[] all = Files.readAllBytes(output);
            int from = (int) Math.min(outputStart, all.length);
            return new String(all, from, all.length - from, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + output + ": " + e + ")";
        }
    }

    /** The last lines of the output, for a failure message. */
    String tail(int lines) {
        List<String> all = output().lines().toList();
        return name + " (" + output + "):\n" + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Waits up to {@code timeout} for the process to end on its own; true if it did. */
    boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL, then waits for the process to be gone. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    /** A port that is free on 127.0.0.1 now, with the next one free too (a broker and its controller). */
    static int freePortPair() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = freePort();
            if (port < 65_535 && isFree(port + 1)) {
                return port;
            }
        }
        throw new IllegalStateException("no two consecutive free ports on 127.0.0.1");
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
