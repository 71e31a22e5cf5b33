package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SchemaCommandTest {
    @Test
    void printWritesTheCqlFilledInWithTheConfiguredKeyspaceAndReplication() {
        // when
        StringWriter out = new StringWriter();
        int exitCode = cli(out, new StringWriter(), "schema", "--print", "--set", "scylla.keyspace=ledger_eu",
                "--set", "scylla.replication={'class': 'NetworkTopologyStrategy', 'eu1': 3}");

        // then every table of docs/scylla.md, in the keyspace asked for, ready for cqlsh
        assertThat(exitCode).isEqualTo(SettlementCli.EXIT_OK);
        assertThat(out.toString())
                .contains("CREATE KEYSPACE IF NOT EXISTS ledger_eu")
                .contains("'eu1': 3")
                .contains("ledger_eu.balance_ledger", "ledger_eu.user_balances", "ledger_eu.user_transfers",
                        "ledger_eu.settled_trades", "ledger_eu.trades_by_user", "ledger_eu.command_results")
                .doesNotContain("${keyspace}");
    }

    @Test
    void applyingWithoutContactPointsIsAUsageErrorNamingTheKeyAndItsVariable() {
        // when
        StringWriter err = new StringWriter();
        int exitCode = cli(new StringWriter(), err, "scylla-schema");

        // then
        assertThat(exitCode).isEqualTo(SettlementCli.EXIT_USAGE);
        assertThat(err.toString()).contains("scylla.contact.points").contains("SETTLEMENT_SCYLLA_CONTACT_POINTS").contains("--print");
    }

    private static int cli(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = SettlementCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
