package io.settlement.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything one benchmark run is bounded by. Every count and duration has a limit, so a run
 * on a slow or broken system ends with a verdict rather than hanging.
 *
 * @param bootstrapServers a Kafka cluster to use, or empty for a fresh embedded broker
 * @param dataDir where the embedded broker and the Kafka Streams state live (fresh per run)
 * @param partitions partitions of every topic, the ceiling's included
 * @param streamThreads Kafka Streams threads of the ceiling and of the settlement instance
 * @param users how many users the workloads spread over
 * @param commandsMax commands per measured run at most
 * @param runDurationMax how long one measured run may produce at most (the fixed-rate run stops producing then)
 * @param resultTimeout how long to wait for the last result of a run once producing ended
 * @param seed the workload generator's seed: the same seed produces the same commands
 * @param workloads which workloads to run (A, B, C, T)
 * @param fixedRate whether to run each workload a second time at half its measured peak
 * @param warmUpCommands unmeasured commands sent first (ceiling and each workload), to warm the JIT; 0: none
 * @param cqlEndpoint a ScyllaDB/Cassandra endpoint host:port for workload C, if any
 * @param httpRequestsMax HTTP lookups of the lookup load (0 skips it)
 * @param httpClientThreads concurrent HTTP clients of the lookup load
 * @param out where the JSON report goes, if anywhere
 * @param streamsOverrides Kafka Streams settings applied over the app's (ceiling and settlement alike), for experiments; empty by default
 * @param brokerInOwnProcess without {@code bootstrapServers}: start the fresh broker in a JVM of its own instead of this one
 */
public record BenchSettings(
        Optional<String> bootstrapServers,
        Path dataDir,
        int partitions,
        int streamThreads,
        int users,
        int commandsMax,
        Duration runDurationMax,
        Duration resultTimeout,
        long seed,
        String workloads,
        boolean fixedRate,
        int warmUpCommands,
        Optional<String> cqlEndpoint,
        int httpRequestsMax,
        int httpClientThreads,
        Optional<Path> out,
        java.util.Map<String, String> streamsOverrides,
        boolean brokerInOwnProcess) {

    /** Commands per run above which the result trackers' arrays would get large. */
    public static final int COMMANDS_PER_RUN_LIMIT = 5_000_000;

    public BenchSettings {
        if (partitions <= 0 || streamThreads <= 0 || users <= 1 || httpClientThreads <= 0 || httpRequestsMax < 0) {
            throw new IllegalArgumentException("partitions, stream threads and HTTP client threads must be > 0, users > 1");
        }
        if (warmUpCommands < 0 || warmUpCommands > COMMANDS_PER_RUN_LIMIT) {
            throw new IllegalArgumentException("warm-up commands must be 0.." + COMMANDS_PER_RUN_LIMIT);
        }
        if (commandsMax <= 0 || commandsMax > COMMANDS_PER_RUN_LIMIT) {
            throw new IllegalArgumentException("commands must be 1.." + COMMANDS_PER_RUN_LIMIT);
        }
        if (runDurationMax.isNegative() || runDurationMax.isZero() || resultTimeout.isNegative() || resultTimeout.isZero()) {
            throw new IllegalArgumentException("durations must be positive");
        }
    }

    public boolean runs(char workload) {
        return workloads.toUpperCase().indexOf(workload) >= 0;
    }

    /**
     * These settings as a report shows them: no path of the machine that ran the bench, the data
     * directory relative to the working directory (its name alone when it lies elsewhere), the
     * JSON report by its file name.
     */
    public String forReport() {
        return new BenchSettings(bootstrapServers, withoutMachinePath(dataDir), partitions, streamThreads, users, commandsMax, runDurationMax,
                resultTimeout, seed, workloads, fixedRate, warmUpCommands, cqlEndpoint, httpRequestsMax, httpClientThreads,
                out.map(Path::getFileName), streamsOverrides, brokerInOwnProcess).toString();
    }

    private static Path withoutMachinePath(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path workingDir = Path.of("").toAbsolutePath().normalize();
        return absolute.startsWith(workingDir) ? workingDir.relativize(absolute) : absolute.getFileName();
    }
}
