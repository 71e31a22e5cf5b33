package io.settlement.app;

import io.settlement.liabilities.Hashing;
import io.settlement.liabilities.InclusionProof;
import io.settlement.liabilities.ProofJson;
import io.settlement.liabilities.Verifier;
import io.settlement.liabilities.LiabilitiesSnapshot;
import io.settlement.liabilities.SnapshotSummary;
import io.settlement.liabilities.SumTree;
import io.settlement.sink.tigerbeetle.StoreBalance;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import io.settlement.topology.balance.BalanceKey;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Mixin;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code settlement liabilities}: the proof of liabilities (docs/liabilities.md). {@code verify}
 * checks one user's proof file against a published root, offline: it reads no settings and talks
 * to no broker, so a user can run it anywhere. {@code snapshot} reads every balance at one cut of
 * the balances' changelog ({@link StoreBalances#readAtCut}), checks the users' side against the
 * system accounts, builds the trees and publishes their summary to {@value #TOPIC}.
 */
@Command(name = "liabilities", mixinStandardHelpOptions = true,
        description = "The proof of liabilities: verify a user's inclusion proof (docs/liabilities.md).",
        subcommands = {LiabilitiesCommand.Verify.class, LiabilitiesCommand.Snapshot.class})
final class LiabilitiesCommand {
    /** The compacted topic of the published summaries, keyed by snapshot id: the latest of each id is kept forever. */
    static final String TOPIC = "settlement.liabilities";

    /** Exit code of a proof that does not verify (a readable proof that fails is not a usage error). */
    static final int EXIT_NOT_VERIFIED = SettlementCli.EXIT_FAILED;

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check a proof file against the published root of its asset, offline. "
                    + "Exit 0 VERIFIED, 1 NOT VERIFIED (with the reason), 2 unreadable proof or bad options.")
    static final class Verify implements Callable<Integer> {
        @Option(names = "--root", required = true, paramLabel = "HEX", description = "The published root hash of the proof's asset (64 hex digits).")
        String root;

        @Option(names = "--proof", required = true, paramLabel = "FILE", description = "The proof file (JSON) the exchange gave you.")
        Path proof;

        @Option(names = "--total", paramLabel = "N", description = "The published total of the asset, in minor units; checked when given.")
        Long total;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            byte[] publishedRoot = ProofJson.hex(root.trim(), "--root", Hashing.HASH_BYTES);
            String text;
            try {
                text = Files.readString(proof, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the proof file " + proof + ": " + e);
            }
            InclusionProof read;
            try {
                read = ProofJson.read(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(proof + " is not a proof file: " + e.getMessage(), e);
            }
            Verifier.Verification verification = Verifier.verify(read, publishedRoot,
                    total == null ? OptionalLong.empty() : OptionalLong.of(total));
            String who = "user " + read.leaf().userId() + " owed " + read.leaf().amount() + " " + read.asset()
                    + " in snapshot " + read.snapshotId();
            if (verification.verified()) {
                out.println("VERIFIED " + who + ": included in root " + verification.root().hashHex()
                        + " with total " + verification.root().sum());
                out.flush();
                return SettlementCli.EXIT_OK;
            }
            out.println("NOT VERIFIED " + who + ": " + verification.reason());
            out.flush();
            return EXIT_NOT_VERIFIED;
        }
    }

    @Command(name = "snapshot", mixinStandardHelpOptions = true,
            description = "Read every balance at one cut of the balances' changelog, check it against the system accounts, "
                    + "build one Merkle sum tree per asset and publish the roots to " + TOPIC + ".")
    static final class Snapshot implements Callable<Integer> {
        @Mixin
        SettlementCli.ConfigOptions config;

        @Option(names = "--secret-file", required = true, paramLabel = "FILE",
                description = "This snapshot's secret (at least 32 bytes) the salts derive from; created with 32 random bytes if missing. Keep it: it re-creates any user's proof.")
        Path secretFile;

        @Option(names = "--snapshot-id", paramLabel = "ID", description = "The snapshot's id; by default its time, e.g. 2025-06-30T00:00:00Z.")
        String snapshotId;

        @Option(names = "--proofs-dir", paramLabel = "DIR", description = "Also write every user's proof file, as DIR/<asset>/<user id>.json.")
        Path proofsDir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            AppSettings settings = config.load(AppSettings.RUN_DEFAULTS, Map.of());
            byte[] secret = secret(secretFile);
            Instant time = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            String id = snapshotId != null ? snapshotId : time.toString();
            StoreBalances.AtCut balances = StoreBalances.readAtCut(settings);
            Map<String, Map<Long, Long>> owed;
            try {
                owed = owed(balances.rows(), settings.assets());
            } catch (IllegalStateException | ArithmeticException e) {
                spec.commandLine().getErr().println("settlement liabilities snapshot: " + e.getMessage());
                spec.commandLine().getErr().flush();
                return SettlementCli.EXIT_FAILED;
            }
            LiabilitiesSnapshot snapshot = LiabilitiesSnapshot.build(id, time, balances.cut(), secret, owed);
            SnapshotSummary summary = snapshot.summary();
            publish(settings, summary);
            for (SnapshotSummary.AssetRoot root : summary.assets()) {
                out.printf("ROOT %s %s total %d leaves %d%n", root.asset(), root.root().hashHex(), root.total(), root.leaves());
            }
            if (proofsDir != null) {
                for (Map.Entry<String, SumTree> tree : snapshot.trees().entrySet()) {
                    Path dir = Files.createDirectories(proofsDir.resolve(tree.getKey()));
                    for (long user : tree.getValue().users()) {
                        Files.writeString(dir.resolve(user + ".json"), ProofJson.write(snapshot.proof(tree.getKey(), user)));
                    }
                }
            }
            out.printf("liabilities: snapshot %s at cut %s published to %s%n", id, balances.cut(), TOPIC);
            out.flush();
            return SettlementCli.EXIT_OK;
        }

        /**
         * Per asset code, per user, {@code available + frozen} over the user's wallets; a pending deposit
         * is not owed yet (docs/liabilities.md). Before that, the zero-sum invariant at this cut: per asset,
         * the users' available + frozen + pending equals minus the system accounts' shares summed modulo
         * 2^64. If it does not hold, the balances read are not a consistent ledger, and a proof built from
         * them would publish a total nobody can account for: refuse.
         *
         * @throws IllegalStateException when the invariant does not hold for an asset, or an asset id is not configured
         */
        static Map<String, Map<Long, Long>> owed(List<StoreBalance> rows, Assets assets) {
            Map<Integer, Long> users = new TreeMap<>();
            Map<Integer, Long> system = new TreeMap<>();
            Map<String, Map<Long, Long>> owed = new TreeMap<>();
            for (StoreBalance row : rows) {
                if (row.ownerId() == BalanceKey.SYSTEM_OWNER) {
                    // Shares are kept modulo 2^64 (Balance): plain, wrapping addition on purpose.
                    system.merge(row.assetId(), row.available() + row.frozen() + row.pending(), (a, b) -> a + b);
                    continue;
                }
                String asset = assets.byId(row.assetId()).map(Asset::code).orElseThrow(() -> new IllegalStateException(
                        "asset id " + row.assetId() + " of user " + row.ownerId() + " is not in settlement.assets"));
                users.merge(row.assetId(), Math.addExact(Math.addExact(row.available(), row.frozen()), row.pending()), Math::addExact);
                owed.computeIfAbsent(asset, a -> new TreeMap<>())
                        .merge(row.ownerId(), Math.addExact(row.available(), row.frozen()), Math::addExact);
            }
            Set<Integer> assetIds = new TreeSet<>(users.keySet());
            assetIds.addAll(system.keySet());
            for (int assetId : assetIds) {
                long held = users.getOrDefault(assetId, 0L);
                long shares = system.getOrDefault(assetId, 0L);
                if (held + shares != 0) {
                    throw new IllegalStateException("the ledger does not sum to zero for asset " + assets.byId(assetId).map(Asset::code)
                            .orElse("id " + assetId) + ": users hold " + held + " (available + frozen + pending), the system accounts "
                            + shares + "; no snapshot taken");
                }
            }
            return owed;
        }

        private static byte[] secret(Path file) throws IOException {
            if (!Files.exists(file)) {
                byte[] secret = new byte[32];
                new SecureRandom().nextBytes(secret);
                Files.write(file, secret);
                try {
                    // Whoever reads it can derive every salt and so test guesses of users' balances.
                    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: its own defaults apply
                }
                return secret;
            }
            return Files.readAllBytes(file);
        }

        private static void publish(AppSettings settings, SnapshotSummary summary) {
            try (Admin admin = Admin.create(settings.kafkaClientProperties())) {
                NewTopic topic = new NewTopic(TOPIC, 1, settings.topicReplicationFactor())
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                try {
                    admin.createTopics(List.of(topic)).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new KafkaException("cannot create " + TOPIC + ": " + e.getCause().getMessage(), e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KafkaException("interrupted while creating " + TOPIC, e);
                }
            }
            Properties props = new Properties();
            props.putAll(settings.kafkaClientProperties());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>(TOPIC, summary.snapshotId(), summary.toJson())).get();
            } catch (ExecutionException e) {
                throw new KafkaException("cannot publish to " + TOPIC + ": " + e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while publishing to " + TOPIC, e);
            }
        }
    }
}
