package io.settlement.app;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** What {@code settlement reconcile} printed and its exit code, run in this JVM as an operator runs it. */
record Reconciled(int exitCode, String out) {

    /** Runs {@code settlement reconcile} with these {@code --set} settings ({@code key=value}) and options. */
    static Reconciled run(List<String> settings, String... options) {
        StringWriter out = new StringWriter();
        CommandLine cli = SettlementCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        List<String> args = new ArrayList<>(List.of("reconcile"));
        settings.forEach(setting -> args.addAll(List.of("--set", setting)));
        args.addAll(List.of(options));
        return new Reconciled(cli.execute(args.toArray(String[]::new)), out.toString());
    }
}
