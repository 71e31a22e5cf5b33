package io.settlement.sink.tigerbeetle;

import static org.assertj.core.api.Assertions.assertThat;

import com.tigerbeetle.CreateTransferResult;
import io.settlement.sink.tigerbeetle.CommitDecision.Attempt;
import io.settlement.sink.tigerbeetle.CommitDecision.Decision;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class CommitDecisionTest {
    static final TopicPartition P0 = new TopicPartition("settlement.journal", 0);
    static final TopicPartition P1 = new TopicPartition("settlement.journal", 1);
    static final TopicPartition P2 = new TopicPartition("settlement.journal", 2);

    static Attempt attempt(TopicPartition partition, long offset, EntryOutcome outcome) {
        return new Attempt(partition, offset, "E" + offset, outcome);
    }

    @Test
    void commitsTheOffsetAfterTheLastAcceptedEntryOfEachPartition() {
        // given applied and replayed entries on two partitions
        Decision decision = CommitDecision.decide(List.of(
                attempt(P0, 10, EntryOutcome.APPLIED), attempt(P1, 3, EntryOutcome.ALREADY_APPLIED),
                attempt(P0, 11, EntryOutcome.ALREADY_APPLIED), attempt(P1, 4, EntryOutcome.APPLIED)));

        // then both partitions commit past their last entry and nothing halts
        assertThat(decision.commits()).isEqualTo(Map.of(P0, 12L, P1, 5L));
        assertThat(decision.halts()).isEmpty();
        assertThat(decision.rewinds()).isEmpty();
    }

    @Test
    void neverCommitsAnEntryTheLedgerDidNotAcceptNorAnythingAfterIt() {
        // given P0 disagrees at 11 though 12 was taken, P1 is unreadable at its first entry, P2 unanswered at 7
        EntryOutcome disagrees = EntryOutcome.disagrees(0, CreateTransferResult.ExceedsCredits);
        Decision decision = CommitDecision.decide(List.of(
                attempt(P0, 10, EntryOutcome.APPLIED), attempt(P0, 11, disagrees), attempt(P0, 12, EntryOutcome.APPLIED),
                attempt(P1, 0, EntryOutcome.unmappable("cannot decode")),
                attempt(P2, 6, EntryOutcome.APPLIED), attempt(P2, 7, EntryOutcome.unanswered("timeout")),
                attempt(P2, 8, EntryOutcome.APPLIED)));

        // then P0 commits up to (not including) 11 and halts there; P1 halts without a commit; P2 commits 7 and rewinds to 7
        assertThat(decision.commits()).isEqualTo(Map.of(P0, 11L, P2, 7L));
        assertThat(decision.halts()).containsOnlyKeys(P0, P1);
        assertThat(decision.halts().get(P0).offset()).isEqualTo(11);
        assertThat(decision.halts().get(P0).outcome()).isEqualTo(disagrees);
        assertThat(decision.halts().get(P1).offset()).isZero();
        assertThat(decision.rewinds()).isEqualTo(Map.of(P2, 7L));
    }

    @Test
    void attemptsOutOfOffsetOrderAreABug() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CommitDecision.decide(List.of(
                attempt(P0, 5, EntryOutcome.APPLIED), attempt(P0, 5, EntryOutcome.APPLIED))))
                .isInstanceOf(IllegalStateException.class);
    }
}
