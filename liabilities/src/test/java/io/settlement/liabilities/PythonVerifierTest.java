package io.settlement.liabilities;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python verifier that docs/liabilities.md offers to users ({@code liabilities/verifier/verify.py})
 * agrees with the module: the worked example's proof verifies against its root and total, and a
 * proof with one unit more, or checked against another total, does not. Runs where a
 * {@code python3} is on the PATH, and says so where there is none.
 */
class PythonVerifierTest {
    private static final Path SCRIPT = Path.of("verifier", "verify.py");

    @TempDir
    Path dir;

    @Test
    void theDocumentsPythonVerifierAcceptsTheWorkedExamplesProofAndRefusesATamperedOne() throws Exception {
        // given user 502's proof of the worked example, its root and its total
        Assumptions.assumeTrue(python() != null, "no python3 on the PATH: the Python verifier is not run here");
        LiabilitiesSnapshot snapshot = WorkedExampleTest.example();
        InclusionProof proof = snapshot.proof("BTC", 502);
        String root = HexFormat.of().formatHex(snapshot.trees().get("BTC").root().hash());
        Path file = dir.resolve("proof.json");
        Files.writeString(file, ProofJson.write(proof));

        // when the Python verifier checks it, then it verifies, with and without the total
        assertThat(run(file, root, null)).isEqualTo("VERIFIED");
        assertThat(run(file, root, "385000000")).isEqualTo("VERIFIED");
        // and another total, or an amount one unit larger, does not
        assertThat(run(file, root, "385000001")).isEqualTo("total is 385000000");
        Files.writeString(file, ProofJson.write(proof).replace("\"25000000\"", "\"25000001\""));
        assertThat(run(file, root, null)).startsWith("root is ").isNotEqualTo("root is " + root);
    }

    private static String python() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "python3"))) {
                return Path.of(dir, "python3").toString();
            }
        }
        return null;
    }

    private static String run(Path proof, String root, String total) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(python(), SCRIPT.toString(), proof.toString(), root));
        if (total != null) {
            command.add(total);
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the verifier ends").isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }
}
