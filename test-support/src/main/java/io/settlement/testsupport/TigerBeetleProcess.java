package io.settlement.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One single-replica TigerBeetle server run from its binary, for tests and the benchmark: formats
 * a data file, starts the server on a free 127.0.0.1 port, waits for its {@code listening on}
 * line (the port is bound seconds before requests are served), and kills it and deletes the data
 * file on {@link #close()}. {@link #kill()} (SIGKILL) and {@link #start()} again on the same data
 * file and port simulate a crash. The server is a {@link ForkedProcess}, its output in
 * {@code tigerbeetle.log} next to the data file. A server takes about 1.4 GB of memory and a 1 GiB data file:
 * run one at a time.
 *
 * <p>The binary's path is the system property {@value #BINARY_PROPERTY} (the build sets it).
 */
public final class TigerBeetleProcess implements AutoCloseable {
    /** The system property naming the {@code tigerbeetle} binary. */
    public static final String BINARY_PROPERTY = "tigerbeetle.binary";
    /** How long formatting or starting may take on a loaded machine. */
    public static final Duration READY_WITHIN = Duration.ofSeconds(90);

    /** {@link #benchmark}'s {@code accounts} for TigerBeetle's own default number of accounts. */
    public static final long DEFAULT_ACCOUNTS = 0;

    private static final Logger log = LoggerFactory.getLogger(TigerBeetleProcess.class);

    private final Path binary;
    private final Path dataFile;
    private final int port;
    private final boolean development;
    private ForkedProcess process;

    /** A server of {@code binary} on a new data file in {@code dir} and a free port; not formatted or started yet. */
    private TigerBeetleProcess(Path binary, Path dir, boolean development) throws IOException {
        Files.createDirectories(dir);
        this.dataFile = dir.resolve("0_0.tigerbeetle");
        Files.deleteIfExists(dataFile);
        this.port = FreePorts.freePort();
        this.binary = binary;
        this.development = development;
    }

    /**
     * The binary named by {@value #BINARY_PROPERTY}, or why there is none (the message to skip with).
     */
    public static Binary binary() {
        String configured = System.getProperty(BINARY_PROPERTY, "").trim();
        if (configured.isEmpty()) {
            return new Binary(Optional.empty(), "no TigerBeetle binary: system property " + BINARY_PROPERTY + " is not set");
        }
        Path path = Path.of(configured).toAbsolutePath().normalize();
        if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
            return new Binary(Optional.empty(), "no TigerBeetle binary at " + path + " (system property " + BINARY_PROPERTY
                    + "): the tests that need a real TigerBeetle server are skipped");
        }
        return new Binary(Optional.of(path), "TigerBeetle binary " + path);
    }

    /** The binary, if there is one, and what was found in words. */
    public record Binary(Optional<Path> path, String description) {}

    /**
     * Formats a new data file in {@code dir} and starts a server on it with {@code --development}
     * (small caches, about 1.4 GB; works without Direct IO; but requests of at most 32 KiB: 254
     * transfers or 2032 lookup ids).
     */
    public static TigerBeetleProcess formatAndStart(Path binary, Path dir) {
        return formatAndStart(binary, dir, true);
    }

    /**
     * As {@link #formatAndStart(Path, Path)}; without {@code development} the server runs as in
     * production (8190 events per request, Direct IO required, about 3.3 GB): what the benchmark
     * compares with TigerBeetle's own {@code benchmark}.
     */
    public static TigerBeetleProcess formatAndStart(Path binary, Path dir, boolean development) {
        try {
            TigerBeetleProcess server = new TigerBeetleProcess(binary, dir, development);
            server.format();
            // A JVM that ends without closing the server (a crashed test run) must not leave 1.4 GB running.
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "tigerbeetle-stop"));
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code 127.0.0.1:port}, the address clients use. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** The server's cluster id (always 0). */
    public long clusterId() {
        return 0;
    }

    public Path binaryPath() {
        return binary;
    }

    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    /** Starts the server on the data file and port it had, and waits until it serves requests. */
    public synchronized void start() {
        if (running()) {
            throw new IllegalStateException("TigerBeetle is already running at " + address());
        }
        List<String> arguments = new ArrayList<>(List.of("start", "--addresses=" + address()));
        if (development) {
            arguments.add("--development");
        }
        arguments.add(dataFile.toString());
        process = launch(arguments).awaitLine("listening on", READY_WITHIN);
        log.info("TigerBeetle listening on {} (pid {}, data file {})", address(), process.pid(), dataFile);
    }

    /** SIGKILL, as a crash would: no shutdown, the data file is left as it is. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.kill();
        process = null;
    }

    /** Kills the server and deletes its data file. */
    @Override
    public synchronized void close() {
        kill();
        try {
            Files.deleteIfExists(dataFile);
            Files.deleteIfExists(logFile());
            if (!Files.isDirectory(dataFile.getParent())) {
                return; // closed before (a shutdown hook closes what is still open)
            }
            try (var left = Files.list(dataFile.getParent())) {
                if (left.findAny().isEmpty()) {
                    Files.delete(dataFile.getParent());
                }
            }
        } catch (IOException e) {
            log.warn("could not delete TigerBeetle data file {}", dataFile, e);
        }
    }

    private void format() {
        List<String> arguments = new ArrayList<>(List.of("format", "--cluster=0", "--replica=0", "--replica-count=1"));
        if (development) {
            arguments.add("--development");
        }
        arguments.add(dataFile.toString());
        ForkedProcess formatting = launch(arguments);
        if (!formatting.waitForExit(READY_WITHIN)) {
            formatting.kill();
            throw new IllegalStateException("tigerbeetle format did not finish within " + READY_WITHIN);
        }
        if (formatting.exitValue() != 0) {
            throw new IllegalStateException("tigerbeetle format exited with " + formatting.exitValue() + "\n" + formatting.tail(40));
        }
    }

    /**
     * Runs TigerBeetle's own {@code benchmark} (its own production-mode server on a temporary data
     * file in {@code dir}, deleted afterwards) for {@code transfers} transfers among {@code accounts}
     * accounts ({@link #DEFAULT_ACCOUNTS}: TigerBeetle's default) and returns its "load accepted" in
     * transfers per second: TigerBeetle's ceiling on this machine for that many.
     */
    public static double benchmark(Path binary, Path dir, long transfers, long accounts) {
        try {
            Files.createDirectories(dir);
            Process run = new ProcessBuilder(benchmarkCommand(binary, transfers, accounts))
                    .directory(dir.toFile()).redirectErrorStream(true).start();
            run.getOutputStream().close();
            double accepted = Double.NaN;
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    log.info("tigerbeetle benchmark: {}", line);
                    if (line.startsWith("load accepted = ")) {
                        accepted = Double.parseDouble(line.substring("load accepted = ".length()).replace(" tx/s", "").trim());
                    }
                }
            }
            if (!run.waitFor(READY_WITHIN.toSeconds() * 5, TimeUnit.SECONDS)) {
                run.destroyForcibly();
                throw new IllegalStateException("tigerbeetle benchmark did not finish");
            }
            if (run.exitValue() != 0 || Double.isNaN(accepted)) {
                throw new IllegalStateException("tigerbeetle benchmark exited with " + run.exitValue() + " without 'load accepted'");
            }
            // The benchmark deletes its data file; the folder goes too when it is empty.
            try (var left = Files.list(dir)) {
                if (left.findAny().isEmpty()) {
                    Files.delete(dir);
                }
            }
            return accepted;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The command line of {@link #benchmark}: at least one transfer, and two accounts (TigerBeetle's minimum) unless its default. */
    static List<String> benchmarkCommand(Path binary, long transfers, long accounts) {
        if (transfers < 1 || (accounts != DEFAULT_ACCOUNTS && accounts < 2)) {
            throw new IllegalArgumentException("tigerbeetle benchmark needs a transfer and two accounts, not " + transfers + " and " + accounts);
        }
        List<String> command = new ArrayList<>(List.of(binary.toString(), "benchmark", "--transfer-count=" + transfers));
        if (accounts != DEFAULT_ACCOUNTS) {
            command.add("--account-count=" + accounts);
        }
        return command;
    }

    /** Runs the binary with {@code arguments}, its output appended to the log next to the data file. */
    private ForkedProcess launch(List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(arguments);
        return ForkedProcess.start("tigerbeetle " + arguments.get(0), command, null, logFile());
    }

    private Path logFile() {
        return dataFile.resolveSibling("tigerbeetle.log");
    }
}
