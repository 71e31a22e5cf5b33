package io.settlement.app;

import io.settlement.contract.InternalRecordKeys;
import io.settlement.app.ops.DeadLetter;
import io.settlement.app.ops.DeadLetterTopic;
import io.settlement.contract.Topics;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.header.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code settlement dlq}: the dead-letter topic for operators (docs/operations.md, runbook).
 * {@code list} shows every dead letter in one line (id, time, reason, source, key, replayed or
 * not), {@code show} one in full (headers, the decoded command where it decodes), {@code replay}
 * publishes chosen ones to their source topic once the cause is fixed, each at most once
 * ({@link DeadLetterTopic}). A dead letter is named by its {@code partition:offset} in
 * {@code settlement.dlq}. Exit codes: 0 done, 1 Kafka did not answer, 2 bad usage, 3 a chosen
 * dead letter does not exist.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = "List, show and replay the records in settlement.dlq.",
        subcommands = {DeadLetterCommand.ListCommand.class, DeadLetterCommand.ShowCommand.class, DeadLetterCommand.ReplayCommand.class})
final class DeadLetterCommand {
    static final int EXIT_NOT_FOUND = 3;

    static DeadLetterTopic topic(AppSettings settings) {
        Map<String, Object> client = new HashMap<>();
        settings.kafkaClientProperties().forEach((key, value) -> client.put((String) key, value));
        return new DeadLetterTopic(client, decodingTopics(settings), settings.topicReplicationFactor());
    }

    static String line(DeadLetter letter, Map<String, String> replayed) {
        return String.format("%-8s %s  %-24s from %-28s key %s%s", letter.id(), letter.timestamp(), letter.reason(),
                letter.source(), key(letter.record().key()), replayed.containsKey(letter.id()) ? "  [replayed]" : "");
    }

    static String key(byte[] key) {
        if (key == null) {
            return "(none)";
        }
        if (key.length == Long.BYTES) {
            return "user " + java.nio.ByteBuffer.wrap(key).getLong();
        }
        String text = new String(key, StandardCharsets.UTF_8);
        return text.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? "\"" + text + "\"" : "0x" + HexFormat.of().formatHex(key);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "One line per dead letter: id, time, reason, source, key.")
    static final class ListCommand implements Callable<Integer> {
        @Mixin
        SettlementCli.ConfigOptions config;

        @Option(names = "--reason", paramLabel = "REASON", description = "Only dead letters with this reason (e.g. WRONG_PARTITION).")
        String reason;

        @Option(names = "--source", paramLabel = "TOPIC", description = "Only dead letters from this topic.")
        String source;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            DeadLetterTopic topic = topic(config.load(AppSettings.RUN_DEFAULTS, Map.of()));
            Map<String, String> replayed = topic.replayed();
            List<DeadLetter> letters = topic.readAll().stream()
                    .filter(letter -> reason == null || letter.reason().equals(reason))
                    .filter(letter -> source == null || letter.sourceTopic().filter(source::equals).isPresent())
                    .toList();
            letters.forEach(letter -> out.println(line(letter, replayed)));
            out.printf("%d dead letter(s)%s%n", letters.size(), reason == null && source == null ? "" : " matching");
            out.flush();
            return SettlementCli.EXIT_OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One dead letter in full: headers, and the command it carries where it decodes.")
    static final class ShowCommand implements Callable<Integer> {
        @Mixin
        SettlementCli.ConfigOptions config;

        @Parameters(paramLabel = "PARTITION:OFFSET", description = "The dead letter, as dlq list names it.")
        String id;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            AppSettings settings = config.load(AppSettings.RUN_DEFAULTS, Map.of());
            DeadLetterTopic topic = topic(settings);
            DeadLetter letter = topic.find(id).orElse(null);
            if (letter == null) {
                spec.commandLine().getErr().println("settlement dlq show: no dead letter " + id + " in " + Topics.DEAD_LETTERS);
                spec.commandLine().getErr().flush();
                return EXIT_NOT_FOUND;
            }
            Map<String, String> replayed = topic.replayed();
            out.println("dead letter " + letter.id() + " of " + Topics.DEAD_LETTERS);
            out.println("  time      " + letter.timestamp());
            out.println("  reason    " + letter.reason());
            out.println("  message   " + letter.message());
            out.println("  source    " + letter.source());
            out.println("  key       " + key(letter.record().key()));
            out.println("  replayed  " + replayed.getOrDefault(letter.id(), "no"));
            out.println("  headers");
            for (Header header : letter.record().headers()) {
                if (!header.key().endsWith("stacktrace")) {
                    out.println("    " + header.key() + " = " + (header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8)));
                }
            }
            DeadLetter.Decoded decoded = letter.decode(decodingTopics(settings));
            if (decoded.decodes()) {
                out.println("  command   " + decoded.command().getSchema().getName() + " " + decoded.command());
            } else {
                out.println("  command   does not decode: " + decoded.problem());
                byte[] value = letter.record().value();
                if (value != null) {
                    out.println("  value     " + value.length + " bytes: " + preview(value));
                }
            }
            letter.whyNotReplayable(decodingTopics(settings))
                    .ifPresent(why -> out.println("  replay    not possible: " + why));
            out.flush();
            return SettlementCli.EXIT_OK;
        }

        private static String preview(byte[] value) {
            String text = new String(value, 0, Math.min(value.length, 200), StandardCharsets.UTF_8);
            return text.chars().allMatch(c -> c >= 0x20 && c != 0xfffd) ? text
                    : "0x" + HexFormat.of().formatHex(value, 0, Math.min(value.length, 64));
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Publish chosen dead letters to their source topic again, each at most once (after the cause is fixed).")
    static final class ReplayCommand implements Callable<Integer> {
        @Mixin
        SettlementCli.ConfigOptions config;

        @Parameters(arity = "0..*", paramLabel = "PARTITION:OFFSET", description = "The dead letters to replay.")
        List<String> ids = new ArrayList<>();

        @Option(names = "--reason", paramLabel = "REASON", description = "Every dead letter with this reason (instead of ids).")
        String reason;

        @Option(names = "--dry-run", description = "Say what would be replayed; write nothing.")
        boolean dryRun;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (ids.isEmpty() == (reason == null)) {
                throw new IllegalArgumentException("name the dead letters to replay: either PARTITION:OFFSET ids or --reason, not both");
            }
            DeadLetterTopic topic = topic(config.load(AppSettings.RUN_DEFAULTS, Map.of()));
            List<DeadLetter> all = topic.readAll();
            List<DeadLetter> chosen = new ArrayList<>();
            for (String id : ids) {
                DeadLetter letter = all.stream().filter(l -> l.id().equals(id)).findFirst().orElse(null);
                if (letter == null) {
                    err.println("settlement dlq replay: no dead letter " + id + " in " + Topics.DEAD_LETTERS + "; nothing replayed");
                    err.flush();
                    return EXIT_NOT_FOUND;
                }
                chosen.add(letter);
            }
            if (reason != null) {
                all.stream().filter(letter -> letter.reason().equals(reason)).forEach(chosen::add);
            }
            List<DeadLetterTopic.Replay> done = topic.replay(chosen, dryRun);
            for (DeadLetterTopic.Replay replay : done) {
                out.printf("%-16s %-8s %-24s %s%n", replay.outcome(), replay.letter().id(), replay.letter().reason(), replay.detail());
            }
            long replayed = done.stream().filter(r -> r.outcome() == DeadLetterTopic.ReplayOutcome.REPLAYED).count();
            long would = done.stream().filter(r -> r.outcome() == DeadLetterTopic.ReplayOutcome.WOULD_REPLAY).count();
            out.println(dryRun ? "dry run: " + would + " of " + done.size() + " would be replayed; nothing written"
                    : replayed + " of " + done.size() + " replayed");
            out.flush();
            return SettlementCli.EXIT_OK;
        }
    }

    /**
     * The topics to decode dead letters with: internal records verified with the configured keys
     * when there are any, else with a throwaway key (internal records then show as not decodable).
     */
    private static Topics decodingTopics(AppSettings settings) {
        return settings.asMap().containsKey(InternalRecordKeys.KEYS_CONFIG) ? settings.topics() : Topics.create(settings.wireFormat());
    }
}
