package io.settlement.app;

import io.settlement.testsupport.ForkedProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The app's CLI ({@code settlement dev} or {@code run}) in a JVM of its own, started with this
 * JVM's java and the test classpath, so a test can kill it with SIGKILL as an operator or the
 * kernel would. A {@link ForkedProcess}: its output goes to a file, kept for the failure message.
 */
final class ForkedApp implements AutoCloseable {
    private final String name;
    private final ForkedProcess process;

    private ForkedApp(String name, ForkedProcess process) {
        this.name = name;
        this.process = process;
    }

    /** Starts {@code settlement <args>}; output to {@code logDir/<name>.log} (appended). */
    static ForkedApp start(String name, Path logDir, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(ForkedProcess.java());
        command.add("-Xmx512m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add(SettlementCli.class.getName());
        command.addAll(args);
        return new ForkedApp(name, ForkedProcess.start(name, command, null, logDir.resolve(name + ".log")).destroyOnExit());
    }

    /** Waits until the output shows {@code line} (true), or the process ended or the timeout passed (false). */
    boolean awaitOutput(String line, Duration timeout) {
        return process.awaitOutput(line, timeout);
    }

    /** This process's output so far (not that of earlier starts appended to the same file). */
    String output() {
        return process.output();
    }

    /** The last lines of the output, for a failure message. */
    String tail(int lines) {
        return process.tail(lines);
    }

    /** Waits up to {@code timeout} for the process to end on its own; true if it did. */
    boolean waitForExit(Duration timeout) {
        return process.waitForExit(timeout);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL, then waits for the process to be gone. */
    void kill() {
        process.kill();
    }

    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
