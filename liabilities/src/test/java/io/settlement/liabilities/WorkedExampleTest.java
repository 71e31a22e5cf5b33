package io.settlement.liabilities;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The worked example of docs/liabilities.md, computed by the code: every salt, leaf, node, the
 * root and user 502's proof file are asserted here byte for byte, and each must appear in the
 * document as written, so the document cannot drift from the code.
 */
class WorkedExampleTest {
    private static final Path DOC = Path.of("../docs/liabilities.md");
    private static final HexFormat HEX = HexFormat.of();
    private static final String SNAPSHOT = "2025-06-30T00:00:00Z";

    static final String SALT_501 = "06bf13857b4dd7fbea8ec7f7a90f0073370639305113d2e1c5890dc19d311cfe";
    static final String SALT_502 = "a150157979dff67f2237f8a28a8bc3992333ad6890a99dd915728c36a1769af9";
    static final String SALT_503 = "f8a9bc87d05c6d7a56b86e30a92ef801726344e17214019b17f18e9d87e6d4ea";
    static final String LEAF_501 = "ff06b03d9737cff73c8d05dcfa18c62679b39eda21fe13c69b2b9c2bb213a85a";
    static final String LEAF_502 = "a8fcf59707ff7621b82d1a652e2e520fb0abab44af59311f1e0f649af881c24e";
    static final String LEAF_503 = "0054a1fa26839f514d4c0756a0094f9f68d40b6905bc80af4990cb233fa3255f";
    static final String EMPTY = "2e1cfa82b035c26cbbbdae632cea070514eb8b773f616aaeaf668e2f0be8f10d";
    static final String NODE_503_502 = "fa8ad52c28dcfb4b1f273f1072936dce78abf50e2e3e1ab45a27732b38b4859b";
    static final String NODE_501_EMPTY = "5e8128e0806559c6b101af8fbe657e894ad39317d4f23e248fcb437519ec33b7";
    static final String ROOT = "270204ef890cab206111e78af840bc0841e1542580b64e06398e6357da94d903";

    /** The example's secret: the bytes 0x00, 0x01, ... 0x1f (a real one comes from a CSPRNG). */
    static byte[] secret() {
        byte[] secret = new byte[32];
        for (int i = 0; i < secret.length; i++) {
            secret[i] = (byte) i;
        }
        return secret;
    }

    static LiabilitiesSnapshot example() {
        Map<Long, Long> btc = new TreeMap<>(Map.of(501L, 150_000_000L, 502L, 25_000_000L, 503L, 210_000_000L));
        return LiabilitiesSnapshot.build(SNAPSHOT, Instant.parse(SNAPSHOT), Map.of(0, 12L, 1, 7L), secret(), Map.of("BTC", btc));
    }

    @Test
    void givenTheDocumentsThreeUsersWhenTheirSaltsAndLeavesAreComputedThenTheyAreTheHexTheDocumentShows() throws IOException {
        // given the secret 00..1f, snapshot 2025-06-30T00:00:00Z, asset BTC
        // when each user's salt and leaf are computed
        byte[] salt501 = Salt.derive(secret(), SNAPSHOT, "BTC", 501);
        byte[] salt502 = Salt.derive(secret(), SNAPSHOT, "BTC", 502);
        byte[] salt503 = Salt.derive(secret(), SNAPSHOT, "BTC", 503);

        // then they are these, and the document shows each
        assertThat(List.of(HEX.formatHex(salt501), HEX.formatHex(salt502), HEX.formatHex(salt503)))
                .containsExactly(SALT_501, SALT_502, SALT_503);
        assertThat(List.of(new Leaf(501, 150_000_000, salt501).node().hashHex(), new Leaf(502, 25_000_000, salt502).node().hashHex(),
                new Leaf(503, 210_000_000, salt503).node().hashHex())).containsExactly(LEAF_501, LEAF_502, LEAF_503);
        assertThat(Hashing.EMPTY.hashHex()).isEqualTo(EMPTY);
        assertThat(Files.readString(DOC)).contains(SALT_501, SALT_502, SALT_503, LEAF_501, LEAF_502, LEAF_503, EMPTY);
    }

    @Test
    void givenTheDocumentsThreeUsersWhenTheTreeIsBuiltThenItsNodesRootAndTotalAreTheOnesTheDocumentShows() throws IOException {
        // when the tree is built
        SumTree tree = example().trees().get("BTC");

        // then the leaves sort as 503, 502, 501 then the padding; the nodes and root are these
        Node leaf503 = new Node(HEX.parseHex(LEAF_503), 210_000_000);
        Node leaf502 = new Node(HEX.parseHex(LEAF_502), 25_000_000);
        Node leaf501 = new Node(HEX.parseHex(LEAF_501), 150_000_000);
        Node left = Hashing.parent(leaf503, leaf502);
        Node right = Hashing.parent(leaf501, Hashing.EMPTY);
        assertThat(left).isEqualTo(new Node(HEX.parseHex(NODE_503_502), 235_000_000));
        assertThat(right).isEqualTo(new Node(HEX.parseHex(NODE_501_EMPTY), 150_000_000));
        assertThat(tree.root()).isEqualTo(Hashing.parent(left, right)).isEqualTo(new Node(HEX.parseHex(ROOT), 385_000_000));
        assertThat(tree.leafCount()).isEqualTo(3);
        assertThat(Files.readString(DOC)).contains(NODE_503_502, NODE_501_EMPTY, ROOT, "385000000");
    }

    @Test
    void givenTheDocumentsSnapshotWhenItsSummaryAndUser502sProofAreWrittenThenTheDocumentShowsBothFilesVerbatim() throws IOException {
        // when the published summary and user 502's proof file are written
        LiabilitiesSnapshot snapshot = example();
        String summary = snapshot.summary().toJson();
        String proof = ProofJson.write(snapshot.proof("BTC", 502));

        // then the document shows them as they are, and the proof verifies against the root
        String doc = Files.readString(DOC);
        assertThat(doc).contains(summary).contains(proof);
        assertThat(Verifier.verify(ProofJson.read(proof), HEX.parseHex(ROOT)).verified()).isTrue();
        assertThat(SnapshotSummary.fromJson(summary)).isEqualTo(snapshot.summary());
    }
}
