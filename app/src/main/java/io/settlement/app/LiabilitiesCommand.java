package io.settlement.app;

import io.settlement.liabilities.Hashing;
import io.settlement.liabilities.InclusionProof;
import io.settlement.liabilities.ProofJson;
import io.settlement.liabilities.Verifier;
import io.settlement.liabilities.LiabilitiesSnapshot;
import io.settlement.liabilities.SnapshotSummary;
import io.settlement.liabilities.SumTree;
import com.datastax.oss.driver.api.core.CqlSession;
import io.settlement.sink.History;
import io.settlement.sink.LiabilityProofs;
import io.settlement.sink.scylla.ScyllaEndpoint;
import io.settlement.sink.scylla.ScyllaLiabilities;
import io.settlement.sink.scylla.SchemaApplier;
import io.settlement.sink.tigerbeetle.reconcile.StoreBalance;
import java.util.ArrayList;
import java.util.Optional;
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

        @Option(names = "--proof", required = true, paramLabel = "FILE",
                description = "The proof file (JSON) the exchange gave you, or the answer of GET /api/v1/users/{id}/liabilities/{snapshot} as saved.")
        Path proof;

        @Option(names = "--asset", paramLabel = "CODE", description = "Which proof of the file to check, when it holds one per asset (e.g. BTC).")
        String asset;

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
            List<InclusionProof> all;
            try {
                all = ProofJson.readAll(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(proof + " is not a proof file: " + e.getMessage(), e);
            }
            List<InclusionProof> chosen = asset == null ? all
                    : all.stream().filter(p -> p.asset().equalsIgnoreCase(asset.trim())).toList();
            if (chosen.size() != 1) {
                // One root checks one asset's proof: which one must be said, not guessed.
                throw new IllegalArgumentException(proof + " holds proofs of " + all.stream().map(InclusionProof::asset).toList()
                        + (asset == null ? ": name the one to check with --asset" : ", none of " + asset));
            }
            InclusionProof read = chosen.get(0);
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
                    + "build one Merkle sum tree per asset, store every user's proofs in ScyllaDB (when scylla.contact.points is set) "
                    + "for the HTTP API, and publish the roots to " + TOPIC + ".")
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

        /** Users whose proofs go to the store in one call (the store writes them concurrently). */
        static final int STORE_BATCH_USERS = 1_000;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            AppSettings settings = config.load(AppSettings.RUN_DEFAULTS, Map.of());
            byte[] secret = secret(secretFile);
            Optional<ScyllaEndpoint> endpoint = settings.scyllaEndpoint();
            LiabilitiesSnapshot snapshot;
            try {
                if (endpoint.isEmpty()) {
                    out.println("liabilities: " + AppSettings.SCYLLA_CONTACT_POINTS + " is empty: the proofs are not stored and the HTTP API"
                            + " cannot serve them (docs/liabilities.md, \"Where proofs are kept and served\")");
                    snapshot = take(settings, secret, snapshotId, Optional.empty(), out);
                } else {
                    ScyllaEndpoint cql = endpoint.get();
                    try (CqlSession session = cql.openSession()) {
                        if (settings.scyllaConfig().applySchema()) {
                            SchemaApplier.apply(session, cql);
                        }
                        snapshot = take(settings, secret, snapshotId, Optional.of(new ScyllaLiabilities(session, cql.keyspace())), out);
                    }
                }
            } catch (IllegalStateException | ArithmeticException | History.UnavailableException e) {
                spec.commandLine().getErr().println("settlement liabilities snapshot: " + e.getMessage());
                spec.commandLine().getErr().flush();
                return SettlementCli.EXIT_FAILED;
            }
            if (proofsDir != null) {
                for (Map.Entry<String, SumTree> tree : snapshot.trees().entrySet()) {
                    Path dir = Files.createDirectories(proofsDir.resolve(tree.getKey()));
                    for (long user : tree.getValue().users()) {
                        Files.writeString(dir.resolve(user + ".json"), ProofJson.write(snapshot.proof(tree.getKey(), user)));
                    }
                }
            }
            out.flush();
            return SettlementCli.EXIT_OK;
        }

        /**
         * Takes one snapshot: reads the balances at one cut, checks the ledger, builds the trees, then, in
         * this order, stores every user's proofs in {@code store} (when there is one), publishes the
         * summary to {@value #TOPIC}, and stores the summary. A snapshot that is listed (the summary stored
         * last) therefore has all its proofs stored and is on the topic. An id already stored is refused
         * before anything is read: its proofs would be overwritten while being served.
         *
         * @param id the snapshot id, or null for the time to the second
         * @throws IllegalStateException when the id is taken or malformed, or the ledger does not sum to zero
         * @throws History.UnavailableException when the store does not answer
         */
        static LiabilitiesSnapshot take(AppSettings settings, byte[] secret, String id, Optional<LiabilityProofs> store, PrintWriter out) {
            Instant time = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            String snapshotId = id != null ? id : time.toString();
            if (!io.settlement.liabilities.LiabilitiesSnapshot.ID.matcher(snapshotId).matches()) {
                throw new IllegalStateException("snapshot id \"" + snapshotId + "\" must be 1..64 characters of [A-Za-z0-9._:-], "
                        + "so that it can be named in a URL as it is");
            }
            if (store.isPresent() && store.get().snapshot(snapshotId).isPresent()) {
                throw new IllegalStateException("snapshot " + snapshotId + " is already stored: take it under another --snapshot-id");
            }
            StoreBalances.AtCut balances = StoreBalances.readAtCut(settings);
            Map<String, Map<Long, Long>> owed = owed(balances.rows(), settings.assets());
            LiabilitiesSnapshot snapshot = LiabilitiesSnapshot.build(snapshotId, time, balances.cut(), secret, owed);
            SnapshotSummary summary = snapshot.summary();
            if (store.isPresent()) {
                int users = storeProofs(snapshot, store.get());
                out.printf("liabilities: stored the proofs of %d users%n", users);
            }
            publish(settings, summary);
            store.ifPresent(proofs -> proofs.putSnapshot(new LiabilityProofs.Snapshot(snapshotId, time, summary.toJson())));
            for (SnapshotSummary.AssetRoot root : summary.assets()) {
                out.printf("ROOT %s %s total %d leaves %d%n", root.asset(), root.root().hashHex(), root.total(), root.leaves());
            }
            out.printf("liabilities: snapshot %s at cut %s published to %s%n", snapshotId, balances.cut(), TOPIC);
            out.flush();
            return snapshot;
        }

        /** Every user's proofs, all assets of a user together (one partition), {@value #STORE_BATCH_USERS} users per call. */
        private static int storeProofs(LiabilitiesSnapshot snapshot, LiabilityProofs store) {
            Map<Long, List<LiabilityProofs.Proof>> byUser = new TreeMap<>();
            for (Map.Entry<String, SumTree> tree : snapshot.trees().entrySet()) {
                for (long user : tree.getValue().users()) {
                    byUser.computeIfAbsent(user, u -> new ArrayList<>()).add(new LiabilityProofs.Proof(tree.getKey(),
                            ProofJson.write(snapshot.proof(tree.getKey(), user))));
                }
            }
            String id = snapshot.summary().snapshotId();
            List<LiabilityProofs.UserProofs> batch = new ArrayList<>(STORE_BATCH_USERS);
            for (Map.Entry<Long, List<LiabilityProofs.Proof>> user : byUser.entrySet()) {
                batch.add(new LiabilityProofs.UserProofs(user.getKey(), user.getValue()));
                if (batch.size() == STORE_BATCH_USERS) {
                    store.putProofs(id, batch);
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                store.putProofs(id, batch);
            }
            return byUser.size();
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
