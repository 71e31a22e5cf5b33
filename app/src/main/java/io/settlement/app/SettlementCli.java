package io.settlement.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code settlement} command line: {@code dev} (everything in one process on an embedded
 * broker), {@code run} (against a Kafka cluster), {@code token} and {@code local-keys} (bearer tokens
 * and keys for dev and a local stack), {@code produce} (JSON lines to the input
 * topics), {@code schema} (the ScyllaDB sink's CQL), {@code reconcile} (the balance stores
 * against TigerBeetle), and the tools for a bad day: {@code dlq} (list, show and replay dead
 * letters) and {@code sink} (un-halt a partition, reset offsets to a time); {@code liabilities} verifies a
 * user's proof of liabilities. Exit codes: 0 done, 1 failed while running, 2 bad usage or
 * configuration; {@code reconcile} adds its own (docs/running.md).
 */
@Command(name = "settlement", mixinStandardHelpOptions = true, version = "settlement-streams 0.1.0",
        description = "The settlement core of a crypto exchange, as one Kafka Streams application.",
        subcommands = {DevCommand.class, RunCommand.class, TokenCommand.class, LocalKeysCommand.class, ProduceCommand.class, SchemaCommand.class, ReconcileCommand.class, LiabilitiesCommand.class, OrdersCommand.class,
                DeadLetterCommand.class, SinkCommand.class, CommandLine.HelpCommand.class})
public final class SettlementCli {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with its exception handling: configuration errors print one clear line, not a stack trace. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new SettlementCli());
        commandLine.setExecutionExceptionHandler((exception, cmd, parseResult) -> {
            if (exception instanceof IllegalArgumentException || exception instanceof TopicLayout.TopicLayoutException
                    || exception instanceof ClusterDurability.UnsafeDurabilityException
                    || exception instanceof org.apache.kafka.common.config.ConfigException) {
                cmd.getErr().println("settlement " + cmd.getCommandName() + ": " + exception.getMessage());
                return EXIT_USAGE;
            }
            if (exception instanceof SettlementApp.StartException || exception instanceof org.apache.kafka.common.KafkaException) {
                cmd.getErr().println("settlement " + cmd.getCommandName() + ": " + exception.getMessage());
                return EXIT_FAILED;
            }
            throw exception;
        });
        return commandLine;
    }

    /** Where settings come from, shared by every subcommand. */
    static final class ConfigOptions {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "A properties file (config/*.properties); repeatable, later files win.")
        List<Path> files = new ArrayList<>();

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "One setting, winning over files and environment; repeatable.")
        Map<String, String> overrides = new LinkedHashMap<>();

        AppSettings load(Map<String, String> defaults, Map<String, String> commandOverrides) {
            Map<String, String> all = new LinkedHashMap<>(overrides);
            all.putAll(commandOverrides);
            return AppSettings.load(defaults, files, System.getenv(), all);
        }
    }
}
