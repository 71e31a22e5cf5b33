package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.liabilities.LiabilitiesSnapshot;
import io.settlement.liabilities.ProofJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code settlement liabilities verify}, offline: the worked example of docs/liabilities.md
 * (secret 00..1f, snapshot 2025-06-30T00:00:00Z, BTC owed to users 501, 502 and 503), user 502's proof.
 */
class LiabilitiesVerifyCommandTest {
    private static final String SNAPSHOT = "2025-06-30T00:00:00Z";
    private static final String ROOT = "270204ef890cab206111e78af840bc0841e1542580b64e06398e6357da94d903";

    @TempDir
    Path dir;

    @Test
    void givenTheProofOfUser502WhenVerifiedAgainstThePublishedRootThenItPrintsVerifiedAndExitsZero() throws IOException {
        // given
        Path proof = write("proof.json", ProofJson.write(example().proof("BTC", 502)));

        // when
        StringWriter out = new StringWriter();
        int exitCode = cli(out, new StringWriter(), "liabilities", "verify", "--root", ROOT, "--proof", proof.toString(), "--total", "385000000");

        // then
        assertThat(exitCode).isEqualTo(SettlementCli.EXIT_OK);
        assertThat(out.toString()).isEqualTo("VERIFIED user 502 owed 25000000 BTC in snapshot " + SNAPSHOT
                + ": included in root " + ROOT + " with total 385000000" + System.lineSeparator());
    }

    @Test
    void givenAProofWhoseAmountWasRaisedWhenVerifiedThenItPrintsNotVerifiedWithTheRootItLeadsToAndExitsOne() throws IOException {
        // given user 502's proof claiming 25000001 instead of 25000000
        Path proof = write("proof.json", ProofJson.write(example().proof("BTC", 502)).replace("\"25000000\"", "\"25000001\""));

        // when
        StringWriter out = new StringWriter();
        int exitCode = cli(out, new StringWriter(), "liabilities", "verify", "--root", ROOT, "--proof", proof.toString());

        // then
        assertThat(exitCode).isEqualTo(LiabilitiesCommand.EXIT_NOT_VERIFIED).isNotZero();
        assertThat(out.toString()).startsWith("NOT VERIFIED user 502 owed 25000001 BTC in snapshot " + SNAPSHOT + ": the proof leads to root ")
                .contains("not to the published root " + ROOT);
    }

    @Test
    void givenTheRightProofAndAWrongPublishedTotalWhenVerifiedThenItSaysTheTotalDiffersAndExitsOne() throws IOException {
        // given
        Path proof = write("proof.json", ProofJson.write(example().proof("BTC", 502)));

        // when
        StringWriter out = new StringWriter();
        int exitCode = cli(out, new StringWriter(), "liabilities", "verify", "--root", ROOT, "--proof", proof.toString(), "--total", "385000001");

        // then
        assertThat(exitCode).isEqualTo(LiabilitiesCommand.EXIT_NOT_VERIFIED);
        assertThat(out.toString()).contains("NOT VERIFIED").contains("the root's total is 385000000, not the published total 385000001");
    }

    @Test
    void givenAFileThatIsNotAProofWhenVerifiedThenItIsAUsageErrorNamingTheFileAndTheField() throws IOException {
        // given a proof without its salt
        Path proof = write("broken.json", ProofJson.write(example().proof("BTC", 502)).replaceAll("\"salt\": \"[0-9a-f]+\",", ""));

        // when
        StringWriter err = new StringWriter();
        int exitCode = cli(new StringWriter(), err, "liabilities", "verify", "--root", ROOT, "--proof", proof.toString());

        // then
        assertThat(exitCode).isEqualTo(SettlementCli.EXIT_USAGE);
        assertThat(err.toString()).contains(proof + " is not a proof file: \"salt\" must be a string");
    }

    @Test
    void givenARootThatIsNotSixtyFourHexDigitsWhenVerifiedThenItIsAUsageErrorSayingSo() throws IOException {
        // given
        Path proof = write("proof.json", ProofJson.write(example().proof("BTC", 502)));

        // when
        StringWriter err = new StringWriter();
        int exitCode = cli(new StringWriter(), err, "liabilities", "verify", "--root", ROOT.substring(2), "--proof", proof.toString());

        // then
        assertThat(exitCode).isEqualTo(SettlementCli.EXIT_USAGE);
        assertThat(err.toString()).contains("--root must be 64 hex digits, was 62");
    }

    @Test
    void givenTheHttpAnswerWithOneProofPerAssetWhenVerifiedWithItsAssetThenThatProofIsCheckedAndWithoutItTheCommandAsksForOne() throws IOException {
        // given the answer of GET /api/v1/users/502/liabilities/{snapshot} as saved: a BTC proof and a second one
        LiabilitiesSnapshot example = example();
        Path answer = write("answer.json", ProofJson.writeUserProofs(SNAPSHOT, 502, java.util.List.of(example.proof("BTC", 502),
                new io.settlement.liabilities.InclusionProof(SNAPSHOT, "USDT", example.proof("BTC", 502).leaf(), java.util.List.of()))));

        // when verified with --asset BTC, and without --asset
        StringWriter out = new StringWriter();
        int withAsset = cli(out, new StringWriter(), "liabilities", "verify", "--root", ROOT, "--proof", answer.toString(), "--asset", "btc");
        StringWriter err = new StringWriter();
        int withoutAsset = cli(new StringWriter(), err, "liabilities", "verify", "--root", ROOT, "--proof", answer.toString());

        // then the BTC proof verifies; without the asset the command names the assets and exits 2
        assertThat(withAsset).isEqualTo(SettlementCli.EXIT_OK);
        assertThat(out.toString()).startsWith("VERIFIED user 502 owed 25000000 BTC");
        assertThat(withoutAsset).isEqualTo(2);
        assertThat(err.toString()).contains("[BTC, USDT]").contains("--asset");
    }

    private static LiabilitiesSnapshot example() {
        byte[] secret = new byte[32];
        for (int i = 0; i < secret.length; i++) {
            secret[i] = (byte) i;
        }
        return LiabilitiesSnapshot.build(SNAPSHOT, Instant.parse(SNAPSHOT), Map.of(0, 12L), secret,
                Map.of("BTC", Map.of(501L, 150_000_000L, 502L, 25_000_000L, 503L, 210_000_000L)));
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static int cli(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = SettlementCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
