package io.settlement.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandLineTest {
    @Test
    void theBenchJarOffersTheBenchmarkWithItsBounds() {
        // given the bench jar's command line
        CommandLine cli = new CommandLine(new BenchCommand());
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));

        // when asking for its help
        int exitCode = cli.execute("--help");

        // then it is there, with its bounds and its broker placement
        assertThat(exitCode).isZero();
        assertThat(out.toString()).contains("ceiling", "--commands", "--duration-s", "--bootstrap", "--cql", "--broker");
    }

    @Test
    void theHalfPeakRunsAndTheWarmUpAreOnByDefaultAndOffWhenAskedTo() {
        BenchCommand byDefault = new BenchCommand();
        new CommandLine(byDefault).parseArgs();
        assertThat(byDefault.fixedRate).isTrue();
        assertThat(byDefault.warmUp).isTrue();
        assertThat(byDefault.warmUpCount()).isEqualTo(BenchRun.WARM_UP_MAX);

        BenchCommand without = new BenchCommand();
        new CommandLine(without).parseArgs("--no-fixed-rate", "--no-warm-up", "--warm-up-commands", "5");
        assertThat(without.fixedRate).isFalse();
        assertThat(without.warmUp).isFalse();
        assertThat(without.warmUpCount()).isZero();
    }

    @Test
    void aWarmUpIsATenthOfARunAtMostTwentyThousandUnlessItsCountIsGiven() {
        BenchCommand small = new BenchCommand();
        new CommandLine(small).parseArgs("--commands", "1000");
        assertThat(small.warmUpCount()).isEqualTo(100);

        BenchCommand longer = new BenchCommand();
        new CommandLine(longer).parseArgs("--warm-up-commands", "300000");
        assertThat(longer.warmUpCount()).isEqualTo(300_000);
    }

    @Test
    void anUnknownBrokerPlacementIsRefusedWithItsName() {
        // given the bench's command line
        CommandLine cli = new CommandLine(new BenchCommand());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));

        // when a placement it does not know is asked for, then it refuses before starting anything
        assertThat(cli.execute("--broker", "elsewhere")).isNotZero();
        assertThat(err.toString()).contains("--broker is in-jvm or process, not elsewhere");
    }

    @Test
    void aRunMeasuredWhileTheJitCompiledSaysSoAndAWarmOneDoesNot() {
        BenchReport cold = new BenchReport();
        cold.runs.add(fullRun("ceiling full", 0.45));
        cold.runs.add(fullRun("A full", 0.30));
        BenchReport warm = new BenchReport();
        warm.runs.add(fullRun("ceiling full", 0.05));
        warm.runs.add(fullRun("A full", 0.10));

        assertThat(BenchCommand.coldWarning(cold)).hasValueSatisfying(warning -> assertThat(warning)
                .contains("45% of the CPU in ceiling full", "--warm-up-commands"));
        assertThat(BenchCommand.coldWarning(warm)).isEmpty();
        assertThat(BenchCommand.table(cold)).contains("jit.%", "note: the JIT compiled through the measured runs");
    }

    private static RunReport fullRun(String name, double jitShare) {
        return new RunReport(name, 0, 1_000, 0, 1, 1_000, 0, 1, 0, Latencies.NONE, Latencies.NONE, 0.01, Double.NaN, true,
                java.util.Map.of(CpuByPart.STREAMS, 1 - jitShare, CpuByPart.JIT, jitShare));
    }
}
