package io.settlement.app;

import io.settlement.liabilities.Hashing;
import io.settlement.liabilities.InclusionProof;
import io.settlement.liabilities.ProofJson;
import io.settlement.liabilities.Verifier;
import java.io.IOException;
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
 * to no broker, so a user can run it anywhere.
 */
@Command(name = "liabilities", mixinStandardHelpOptions = true,
        description = "The proof of liabilities: verify a user's inclusion proof (docs/liabilities.md).",
        subcommands = {LiabilitiesCommand.Verify.class})
final class LiabilitiesCommand {
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
}
