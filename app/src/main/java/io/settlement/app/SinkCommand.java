package io.settlement.app;

import io.settlement.app.ops.SinkOffsets;
import io.settlement.contract.Topics;
import io.settlement.sink.scylla.ScyllaSink;
import io.settlement.sink.tigerbeetle.TigerBeetleSink;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code settlement sink}: the remedies for a sink that cannot help itself (docs/operations.md,
 * runbook). {@code unhalt} skips the record a halted partition stopped at (the sink never skips
 * one by itself), {@code reset-offsets --to-time} makes a sink write again from a point in time
 * (its writes are idempotent, so going back repeats nothing visible). Both move the sink's
 * consumer-group offsets, which Kafka allows only while none of the sink's instances runs; both
 * print the moves, and with {@code --dry-run} stop there.
 */
@Command(name = "sink", mixinStandardHelpOptions = true, description = "Un-halt a sink partition, or reset a sink's offsets to a time.",
        subcommands = {SinkCommand.UnhaltCommand.class, SinkCommand.ResetOffsetsCommand.class})
final class SinkCommand {
    /** The sinks by the name operators use (the {@code sink} tag of the metrics). */
    enum SinkName {
        scylla(ScyllaSink.GROUP_ID), tigerbeetle(TigerBeetleSink.GROUP_ID);

        final String groupId;

        SinkName(String groupId) {
            this.groupId = groupId;
        }

        List<String> topics() {
            return this == scylla ? List.of(Topics.JOURNAL, Topics.BALANCE_EVENTS, Topics.RESULTS) : List.of(Topics.JOURNAL);
        }
    }

    /** What both subcommands take: the settings, the sink, {@code --dry-run}; and how they open Kafka's admin client. */
    static final class SinkTarget {
        @Mixin
        SettlementCli.ConfigOptions config;

        @Option(names = "--sink", required = true, paramLabel = "SINK", description = "scylla or tigerbeetle.")
        SinkName sink;

        @Option(names = "--dry-run", description = "Print the moves; move nothing.")
        boolean dryRun;

        Admin admin() {
            return Admin.create(config.load(AppSettings.RUN_DEFAULTS, Map.of()).kafkaClientProperties());
        }
    }

    static void print(PrintWriter out, List<SinkOffsets.Move> moves, SinkName sink, boolean dryRun) {
        moves.forEach(move -> out.printf("  %-28s %8s -> %d%n", move.partition(), move.from() < 0 ? "(none)" : Long.toString(move.from()), move.to()));
        out.println(dryRun ? "dry run: nothing moved" : "moved " + moves.size() + " offset(s) of group " + sink.groupId
                + "; start the sink's instances to resume from there");
        out.flush();
    }

    @Command(name = "unhalt", mixinStandardHelpOptions = true,
            description = "Skip the record a halted sink partition stopped at (commit its offset + 1). Stop the sink's instances first.")
    static final class UnhaltCommand implements Callable<Integer> {
        @Mixin
        SinkTarget target;

        @Option(names = "--partition", required = true, paramLabel = "TOPIC-PARTITION",
                description = "The halted partition as /health and the log name it, e.g. settlement.journal-3.")
        String partition;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            SinkName sink = target.sink;
            TopicPartition halted = parse(partition);
            if (!sink.topics().contains(halted.topic())) {
                throw new IllegalArgumentException("the " + sink + " sink does not read " + halted.topic() + "; it reads " + sink.topics());
            }
            try (Admin admin = target.admin()) {
                SinkOffsets offsets = new SinkOffsets(admin, sink.groupId);
                SinkOffsets.Move move = offsets.planSkipOne(halted);
                out.printf("%s sink, %s: skipping the record at offset %d%n", sink, halted, move.to() - 1);
                if (!target.dryRun) {
                    offsets.apply(List.of(move));
                }
                print(out, List.of(move), sink, target.dryRun);
            }
            return SettlementCli.EXIT_OK;
        }

        static TopicPartition parse(String text) {
            int dash = text.lastIndexOf('-');
            try {
                return new TopicPartition(text.substring(0, dash), Integer.parseInt(text.substring(dash + 1)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--partition must be TOPIC-PARTITION (e.g. settlement.journal-3), was '" + text + "'");
            }
        }
    }

    @Command(name = "reset-offsets", mixinStandardHelpOptions = true,
            description = "Make a sink read again from a point in time, on every partition it reads. Stop the sink's instances first.")
    static final class ResetOffsetsCommand implements Callable<Integer> {
        @Mixin
        SinkTarget target;

        @Option(names = "--to-time", required = true, paramLabel = "INSTANT",
                description = "An ISO-8601 instant, e.g. 2026-11-28T09:00:00Z: the first record at or after it is read next.")
        String toTime;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Instant at;
            try {
                at = Instant.parse(toTime);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--to-time must be an ISO-8601 instant such as 2026-11-28T09:00:00Z, was '" + toTime + "'");
            }
            SinkName sink = target.sink;
            try (Admin admin = target.admin()) {
                SinkOffsets offsets = new SinkOffsets(admin, sink.groupId);
                List<SinkOffsets.Move> moves = offsets.planReset(offsets.partitionsOf(sink.topics()), at.toEpochMilli());
                out.printf("%s sink (group %s) to %s:%n", sink, sink.groupId, at);
                if (!target.dryRun) {
                    offsets.apply(moves);
                }
                print(out, moves, sink, target.dryRun);
            }
            return SettlementCli.EXIT_OK;
        }
    }
}
