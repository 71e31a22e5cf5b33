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
}
