package io.settlement.sink.scylla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** How {@link ScyllaWriter} cuts a poll's upserts into unlogged batches (the statements themselves play no part). */
class ScyllaWriterBatchesTest {
    /** A write's replica group is encoded in its table name here: "g<group>". */
    private static final Function<RowWrite, Object> GROUP_OF_TABLE = write -> write.table().substring(0, 2);

    @Test
    void everyWriteGoesOnceInBatchesOfOneGroupWithinBothLimitsAPartitionsWritesTogether() {
        qt().withExamples(500)
                .forAll(lists().of(integers().between(0, 3 * 2 * 40 - 1)).ofSizeBetween(0, 300), integers().between(1, 40))
                .checkAssert((codes, statementsMax) -> {
                    List<RowWrite> writes = codes.stream()
                            .map(code -> new RowWrite("g" + code % 3 + (code / 3 % 2 == 0 ? "ledger" : "balances"), (long) code / 6, null))
                            .toList();

                    List<List<RowWrite>> batches = ScyllaWriter.batches(writes, GROUP_OF_TABLE, statementsMax);

                    Map<RowWrite, Integer> seen = new IdentityHashMap<>();
                    batches.forEach(batch -> batch.forEach(write -> seen.merge(write, 1, Integer::sum)));
                    assertThat(seen).hasSize(writes.size());
                    assertThat(seen.values()).allMatch(times -> times == 1);
                    for (List<RowWrite> batch : batches) {
                        assertThat(batch).isNotEmpty().hasSizeLessThanOrEqualTo(statementsMax);
                        assertThat(batch.stream().map(RowWrite::partition).distinct().count())
                                .isLessThanOrEqualTo(ScyllaWriter.PARTITIONS_PER_BATCH_MAX);
                        assertThat(batch.stream().map(GROUP_OF_TABLE).distinct().count()).isEqualTo(1);
                    }
                    // a partition's writes follow each other, in their order, across batches of its group
                    List<RowWrite> sent = batches.stream().flatMap(List::stream).toList();
                    Map<Object, List<Integer>> positions = new LinkedHashMap<>();
                    IntStream.range(0, sent.size()).forEach(i -> positions.computeIfAbsent(sent.get(i).partition(), p -> new ArrayList<>()).add(i));
                    positions.forEach((partition, at) -> {
                        assertThat(at.get(at.size() - 1) - at.get(0)).isEqualTo(at.size() - 1);
                        List<RowWrite> inOrder = writes.stream().filter(w -> w.partition().equals(partition)).toList();
                        assertThat(at.stream().map(sent::get).toList()).containsExactlyElementsOf(inOrder);
                    });
                    // and no batch could have taken the next one's first write: full by statements or by partitions, or the group's last
                    for (int i = 0; i + 1 < batches.size(); i++) {
                        List<RowWrite> batch = batches.get(i);
                        RowWrite next = batches.get(i + 1).get(0);
                        if (GROUP_OF_TABLE.apply(next).equals(GROUP_OF_TABLE.apply(batch.get(0)))) {
                            Set<Object> partitions = new HashSet<>();
                            batch.forEach(write -> partitions.add(write.partition()));
                            assertThat(batch.size() == statementsMax
                                    || partitions.size() == ScyllaWriter.PARTITIONS_PER_BATCH_MAX && !partitions.contains(next.partition()))
                                    .as("batch %d is full", i).isTrue();
                        }
                    }
                });
    }

    @Test
    void aThousandSingleRowPartitionsOnOneNodeAreAHundredRequests() {
        List<RowWrite> writes = IntStream.range(0, 1_000).mapToObj(user -> new RowWrite("g0ledger", (long) user, null)).toList();

        assertThat(ScyllaWriter.batches(writes, GROUP_OF_TABLE, 16)).hasSize(100).allMatch(batch -> batch.size() == 10);
    }

    @Test
    void withoutReplicaKnowledgeOnlyAPartitionsOwnWritesShareABatch() {
        List<RowWrite> writes = List.of(new RowWrite("t", 1L, null), new RowWrite("t", 2L, null), new RowWrite("t", 1L, null));

        assertThat(ScyllaWriter.batches(writes, RowWrite::partition, 16)).extracting(List::size).containsExactly(2, 1);
    }
}
