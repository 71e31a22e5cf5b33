package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchSubcommandTest {
    @Test
    void theCliOffersTheBenchmarkAsTheBenchSubcommand() {
        // given the settlement command line
        CommandLine cli = SettlementCli.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));

        // when asking for the bench subcommand's help
        int exitCode = cli.execute("bench", "--help");

        // then it is there, with its bounds
        assertThat(exitCode).isZero();
        assertThat(out.toString()).contains("ceiling", "--commands", "--duration-s", "--bootstrap", "--cql");
    }
}
