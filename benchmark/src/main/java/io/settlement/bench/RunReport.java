package io.settlement.bench;

/**
 * The numbers of one measured run.
 *
 * @param run the workload and mode, e.g. {@code A full} or {@code A half-peak}
 * @param targetRate the fixed send rate in commands/s, or 0 for full speed
 * @param commands commands sent
 * @param trades trades among them
 * @param seconds from the first send to the last first result
 * @param commandsPerSecond commands / seconds
 * @param tradesPerSecond trades / seconds
 * @param ratioToCeiling commands/s over the ceiling's records/s at full speed
 * @param tradeRatioToCeiling trades/s over the ceiling's records/s at full speed
 * @param singleStep produce-to-committed-result latency of single-step commands
 * @param tradeLatency produce-to-committed-result latency of trades
 * @param cpuSecondsPer1000 process CPU seconds (broker, streams and harness, all in this JVM when embedded) per 1,000 commands
 * @param sinkRowsPerSecond rows/s of the sink run, when there is one
 * @param complete whether every command got its result in time
 * @param cpuShares the process CPU of the run by part ({@link CpuByPart}): broker, streams, harness, other threads, jit, jvm+native
 */
public record RunReport(String run, double targetRate, long commands, long trades, double seconds, double commandsPerSecond,
                        double tradesPerSecond, double ratioToCeiling, double tradeRatioToCeiling, Latencies singleStep,
                        Latencies tradeLatency, double cpuSecondsPer1000, double sinkRowsPerSecond, boolean complete,
                        java.util.Map<String, Double> cpuShares) {

    RunReport withCeiling(double ceilingPerSecond) {
        return new RunReport(run, targetRate, commands, trades, seconds, commandsPerSecond, tradesPerSecond,
                round(commandsPerSecond / ceilingPerSecond), round(tradesPerSecond / ceilingPerSecond), singleStep, tradeLatency,
                cpuSecondsPer1000, sinkRowsPerSecond, complete, cpuShares);
    }

    static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }
}
