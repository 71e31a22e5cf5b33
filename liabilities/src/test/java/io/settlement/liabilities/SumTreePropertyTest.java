package io.settlement.liabilities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The Merkle sum tree against its promises, over random snapshots of 1 to 200 users: every
 * user's proof verifies, any change to what a proof says fails it, the root's total is the sum of
 * the leaves, and what cannot be a liability (a negative amount, a total past a long) is refused.
 */
class SumTreePropertyTest {
    /** How the amounts of a snapshot are drawn: the limits matter as much as the typical case. */
    enum Amounts { SMALL, UP_TO_SHARE, ALL_AT_SHARE, WITH_ZEROS }

    /** What a tampered proof changes. */
    enum Tamper { AMOUNT, SALT, USER_ID, SIBLING_SUM, SIBLING_HASH, SIDE }

    /**
     * A snapshot's leaves: distinct user ids over the whole long range, amounts of the chosen kind
     * and never more than Long.MAX_VALUE / users each, so that the total always fits.
     * Drawn from a seed so that a failure prints the seed that reproduces it.
     */
    record Snapshot(int users, long seed, Amounts amounts, List<Leaf> leaves) {
        @Override
        public String toString() {
            return "Snapshot[" + users + " users, seed " + seed + ", " + amounts + "]";
        }
    }

    static final Gen<Snapshot> SNAPSHOTS = integers().between(1, 200).zip(longs().all(), integers().between(0, Amounts.values().length - 1),
            (users, seed, kind) -> snapshot(users, seed, Amounts.values()[kind]));

    static Snapshot snapshot(int users, long seed, Amounts kind) {
        Random random = new Random(seed);
        long share = Long.MAX_VALUE / users;
        Set<Long> ids = new HashSet<>();
        List<Leaf> leaves = new ArrayList<>();
        while (leaves.size() < users) {
            long id = random.nextBoolean() ? random.nextInt(1_000) : random.nextLong();
            if (!ids.add(id)) {
                continue;
            }
            long amount = switch (kind) {
                case SMALL -> random.nextInt(1_000_000);
                case UP_TO_SHARE -> upTo(random, share);
                case ALL_AT_SHARE -> share;
                case WITH_ZEROS -> random.nextBoolean() ? 0 : upTo(random, share);
            };
            byte[] salt = new byte[Hashing.SALT_BYTES];
            random.nextBytes(salt);
            leaves.add(new Leaf(id, amount, salt));
        }
        return new Snapshot(users, seed, kind, leaves);
    }

    /** 0..max, both included (max + 1 would overflow for a single user's share). */
    private static long upTo(Random random, long max) {
        return max == Long.MAX_VALUE ? random.nextLong() & Long.MAX_VALUE : random.nextLong(max + 1);
    }

    @Test
    void givenAnySnapshotWhenEachUserVerifiesTheirProofAgainstThePublishedRootThenEveryProofVerifiesWithTheRootsTotal() {
        qt().withExamples(300).forAll(SNAPSHOTS).checkAssert(snapshot -> {
            SumTree tree = SumTree.build(snapshot.leaves());
            byte[] root = tree.root().hash();
            for (Leaf leaf : snapshot.leaves()) {
                InclusionProof proof = tree.proof("s1", "BTC", leaf.userId());
                assertThat(proof.leaf()).isEqualTo(leaf);
                Verifier.Verification verification = Verifier.verify(proof, root, OptionalLong.of(tree.root().sum()));
                assertThat(verification.verified()).as(verification.reason()).isTrue();
                assertThat(verification.root()).isEqualTo(tree.root());
            }
        });
    }

    @Test
    void givenAnySnapshotWhenTheRootIsBuiltThenItsTotalIsTheSumOfTheLeavesAndItCountsEveryLeaf() {
        qt().withExamples(300).forAll(SNAPSHOTS).checkAssert(snapshot -> {
            SumTree tree = SumTree.build(snapshot.leaves());
            long sum = snapshot.leaves().stream().mapToLong(Leaf::amount).reduce(0, Math::addExact);
            assertThat(tree.root().sum()).isEqualTo(sum);
            assertThat(tree.leafCount()).isEqualTo(snapshot.users());
            assertThat(tree.users()).hasSize(snapshot.users());
        });
    }

    @Test
    void givenAnySnapshotAndAnyProofWhenOneFieldOfTheProofIsChangedThenVerificationFails() {
        qt().withExamples(2_000).forAll(SNAPSHOTS, integers().between(0, 199), integers().between(0, Tamper.values().length - 1),
                longs().all()).checkAssert((snapshot, who, kind, noise) -> {
            SumTree tree = SumTree.build(snapshot.leaves());
            Leaf leaf = snapshot.leaves().get(who % snapshot.users());
            InclusionProof proof = tree.proof("s1", "BTC", leaf.userId());
            Tamper tamper = Tamper.values()[kind];
            if (proof.path().isEmpty() && tamper.ordinal() >= Tamper.SIBLING_SUM.ordinal()) {
                // a single leaf is its own root: it has no sibling to change
                tamper = Tamper.AMOUNT;
            }
            InclusionProof changed = tampered(proof, tamper, new Random(noise));

            Verifier.Verification verification = Verifier.verify(changed, tree.root().hash());

            assertThat(verification.verified()).as(tamper + " changed, still verified").isFalse();
            assertThat(verification.reason()).isNotBlank();
        });
    }

    @Test
    void givenAnySnapshotWhenAProofIsWrittenAsJsonAndReadBackThenItIsTheSameProofAndStillVerifies() {
        qt().withExamples(200).forAll(SNAPSHOTS, integers().between(0, 199)).checkAssert((snapshot, who) -> {
            SumTree tree = SumTree.build(snapshot.leaves());
            InclusionProof proof = tree.proof("2025-01-31T00:00:00Z", "USDT", snapshot.leaves().get(who % snapshot.users()).userId());

            InclusionProof read = ProofJson.read(ProofJson.write(proof));

            assertThat(read).isEqualTo(proof);
            assertThat(Verifier.verify(read, tree.root().hash()).verified()).isTrue();
        });
    }

    @Test
    void givenOneLeafWithANegativeAmountWhenTheTreeIsBuiltThenItIsRefusedNamingTheUser() {
        qt().withExamples(200).forAll(SNAPSHOTS, integers().between(0, 199), longs().between(Long.MIN_VALUE, -1))
                .checkAssert((snapshot, who, negative) -> {
                    List<Leaf> leaves = new ArrayList<>(snapshot.leaves());
                    Leaf victim = leaves.get(who % leaves.size());
                    leaves.set(who % leaves.size(), new Leaf(victim.userId(), negative, victim.salt()));

                    assertThatThrownBy(() -> SumTree.build(leaves)).isInstanceOf(IllegalArgumentException.class)
                            .hasMessage("user " + victim.userId() + " has a negative amount " + negative + ": a liability is never negative");
                });
    }

    @Test
    void givenLeavesWhoseTotalPassesALongWhenTheTreeIsBuiltThenItIsRefusedAsAnOverflow() {
        qt().withExamples(200).forAll(SNAPSHOTS, longs().between(1, Long.MAX_VALUE)).checkAssert((snapshot, extra) -> {
            long total = snapshot.leaves().stream().mapToLong(Leaf::amount).sum();
            Set<Long> taken = new HashSet<>(snapshot.users());
            snapshot.leaves().forEach(leaf -> taken.add(leaf.userId()));
            long fill = freeId(taken);
            long past = freeId(taken);
            List<Leaf> leaves = new ArrayList<>(snapshot.leaves());
            // one user who brings the total to exactly Long.MAX_VALUE (which fits), and one owed at least 1 more
            leaves.add(new Leaf(fill, Long.MAX_VALUE - total, new byte[Hashing.SALT_BYTES]));
            leaves.add(new Leaf(past, extra, new byte[Hashing.SALT_BYTES]));

            assertThatThrownBy(() -> SumTree.build(leaves)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the total of " + leaves.size() + " leaves overflows a long (" + Long.MAX_VALUE + ")")
                    .hasCauseInstanceOf(ArithmeticException.class);
            assertThat(SumTree.build(leaves.subList(0, leaves.size() - 1)).root().sum()).isEqualTo(Long.MAX_VALUE);
        });
    }

    private static long freeId(Set<Long> taken) {
        long id = -1;
        while (!taken.add(id)) {
            id--;
        }
        return id;
    }

    @Test
    void givenTheSameUserTwiceWhenTheTreeIsBuiltThenItIsRefused() {
        byte[] salt = new byte[Hashing.SALT_BYTES];
        assertThatThrownBy(() -> SumTree.build(List.of(new Leaf(7, 1, salt), new Leaf(7, 2, salt))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("user 7 appears twice: one leaf per user");
    }

    @Test
    void givenASiblingWithANegativeSumWhenVerifiedThenItFailsSayingSoEvenBeforeTheRootIsCompared() {
        // given a two-leaf proof whose sibling claims -5 (a sum that would lower the total)
        byte[] salt = new byte[Hashing.SALT_BYTES];
        SumTree tree = SumTree.build(List.of(new Leaf(1, 10, salt), new Leaf(2, 20, salt)));
        InclusionProof proof = tree.proof("s", "BTC", 1);
        Sibling sibling = proof.path().get(0);
        InclusionProof negative = new InclusionProof("s", "BTC", proof.leaf(),
                List.of(new Sibling(sibling.side(), new Node(sibling.node().hash(), -5))));

        // when verified, then it fails on the sign, not only on the hash
        Verifier.Verification verification = Verifier.verify(negative, tree.root().hash());
        assertThat(verification.verified()).isFalse();
        assertThat(verification.reason()).isEqualTo("the sibling at height 1 has a negative sum: -5");
    }

    @Test
    void givenSiblingsWhoseSumsOverflowWhenVerifiedThenItFailsSayingSo() {
        byte[] salt = new byte[Hashing.SALT_BYTES];
        Leaf leaf = new Leaf(1, Long.MAX_VALUE, salt);
        InclusionProof proof = new InclusionProof("s", "BTC", leaf, List.of(new Sibling(Sibling.Side.RIGHT, new Node(new byte[32], 1))));

        Verifier.Verification verification = Verifier.verify(proof, new byte[32]);

        assertThat(verification.verified()).isFalse();
        assertThat(verification.reason()).isEqualTo("the sum at height 1 overflows a long");
    }

    @Test
    void givenNoLeavesWhenTheTreeIsBuiltThenTheRootIsThePaddingNodeWithTotalZero() {
        SumTree tree = SumTree.build(List.of());
        assertThat(tree.root()).isEqualTo(Hashing.EMPTY);
        assertThat(tree.root().sum()).isZero();
        assertThat(tree.leafCount()).isZero();
    }

    static InclusionProof tampered(InclusionProof proof, Tamper tamper, Random random) {
        Leaf leaf = proof.leaf();
        List<Sibling> path = new ArrayList<>(proof.path());
        int step = path.isEmpty() ? 0 : random.nextInt(path.size());
        switch (tamper) {
            // bit 0..62: the amount stays non-negative, so only the hash can catch it
            case AMOUNT -> leaf = new Leaf(leaf.userId(), leaf.amount() ^ (1L << random.nextInt(63)), leaf.salt());
            case SALT -> {
                byte[] salt = leaf.salt();
                salt[random.nextInt(salt.length)] ^= (byte) (1 << random.nextInt(8));
                leaf = new Leaf(leaf.userId(), leaf.amount(), salt);
            }
            case USER_ID -> leaf = new Leaf(leaf.userId() ^ (1L << random.nextInt(64)), leaf.amount(), leaf.salt());
            case SIBLING_SUM -> {
                Sibling sibling = path.get(step);
                path.set(step, new Sibling(sibling.side(), new Node(sibling.node().hash(), sibling.node().sum() ^ (1L << random.nextInt(63)))));
            }
            case SIBLING_HASH -> {
                Sibling sibling = path.get(step);
                byte[] hash = sibling.node().hash();
                hash[random.nextInt(hash.length)] ^= (byte) (1 << random.nextInt(8));
                path.set(step, new Sibling(sibling.side(), new Node(hash, sibling.node().sum())));
            }
            case SIDE -> {
                Sibling sibling = path.get(step);
                path.set(step, new Sibling(sibling.side() == Sibling.Side.LEFT ? Sibling.Side.RIGHT : Sibling.Side.LEFT, sibling.node()));
            }
        }
        return new InclusionProof(proof.snapshotId(), proof.asset(), leaf, path);
    }
}
