package io.settlement.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A server the tests or the benchmark start in a process of its own: the one launcher of the
 * forked app, Cassandra, TigerBeetle, Apicurio and the bench's broker. It starts the command with
 * standard output and error appended to a log file, waits until the server is ready (a line in
 * its output, or a probe the caller gives), and fails with the log's tail when the process dies
 * or the wait runs out. {@link #kill()} is SIGKILL (a crash), {@link #stop(Duration)} SIGTERM then
 * SIGKILL; {@link #destroyOnExit()} kills it when this JVM ends without closing it. Standard input
 * stays a pipe, so a child that reads it (Cassandra's watchdog, the bench broker) sees this JVM go.
 */
public final class ForkedProcess implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);
    private static final int TAIL_LINES = 60;

    private final String name;
    private final Process process;
    private final Path log;
    /** Where this start's output begins in the log (earlier starts appended to the same file come before). */
    private final long logStart;

    /** Starts {@code builder}, whose output is appended to {@code log}. */
    private ForkedProcess(String name, ProcessBuilder builder, Path log) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        this.logStart = Files.exists(log) ? Files.size(log) : 0;
        this.name = name;
        this.log = log;
        this.process = builder.start();
    }

    /** This JVM's {@code java} binary, for a child JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Starts {@code command} in {@code directory} (null: this JVM's), its output appended to {@code log}.
     *
     * @param name a name for messages, e.g. {@code "cassandra"}
     */
    public static ForkedProcess start(String name, List<String> command, Path directory, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        try {
            return new ForkedProcess(name, builder, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    /** Kills the process (SIGKILL) when this JVM ends, if it still runs: a crashed test run leaves no server behind. */
    public ForkedProcess destroyOnExit() {
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, name + "-destroy-on-exit"));
        return this;
    }

    /**
     * Waits until {@code ready} holds. If the process ends first, or {@code timeout} passes, kills
     * it and throws, the log's tail in the message. {@code ready} may throw: that counts as not yet.
     */
    public ForkedProcess awaitReady(String what, Duration timeout, BooleanSupplier ready) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check(ready)) {
            if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                String why = process.isAlive() ? "not " + what + " within " + timeout : "exited with " + process.exitValue() + " before " + what;
                kill();
                throw new IllegalStateException(name + " " + why + "\n" + tail(TAIL_LINES));
            }
            LockSupport.parkNanos(POLL.toNanos());
            if (Thread.currentThread().isInterrupted()) {
                kill();
                throw new IllegalStateException("interrupted while waiting for " + name + " to be " + what);
            }
        }
        return this;
    }

    /** As {@link #awaitReady(String, Duration, BooleanSupplier)}, ready when the output shows {@code line}. */
    public ForkedProcess awaitLine(String line, Duration timeout) {
        return awaitReady("printing '" + line + "'", timeout, () -> output().contains(line));
    }

    /** Waits until the output shows {@code line} (true), or the process ended or the timeout passed (false); nothing killed. */
    public boolean awaitOutput(String line, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!output().contains(line) && process.isAlive() && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(POLL.toNanos());
        }
        return output().contains(line);
    }

    private static boolean check(BooleanSupplier ready) {
        try {
            return ready.getAsBoolean();
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    /** This start's output so far (not that of earlier starts appended to the same log). */
    public String output() {
        try {
            if (!Files.exists(log)) {
                return "";
            }
            byte[] all = Files.readAllBytes(log);
            int from = (int) Math.min(logStart, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** The last {@code lines} lines of this start's output, for a failure message. */
    public String tail(int lines) {
        List<String> all = new ArrayList<>(output().lines().toList());
        return "--- " + name + " (" + log + ") ---\n" + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public ProcessHandle handle() {
        return process.toHandle();
    }

    /** The exit code; the process must have ended. */
    public int exitValue() {
        return process.exitValue();
    }

    /** Waits up to {@code timeout} for the process to end on its own; true if it did. */
    public boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Closes the child's standard input: a child that reads it until the end stops by itself. */
    public void closeInput() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            process.destroyForcibly();
        }
    }

    /** SIGKILL, as a crash would, then waits for the process to be gone. */
    public void kill() {
        process.destroyForcibly();
        if (!waitForExit(EXIT_TIMEOUT)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") did not die after SIGKILL");
        }
    }

    /** An orderly stop: SIGTERM to the process and its children, SIGKILL if it takes longer than {@code grace}. */
    public void stop(Duration grace) {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!waitForExit(grace)) {
            kill();
        }
    }

    /** Kills the process if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
