package io.settlement.sink.tigerbeetle;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * Decides, from the outcomes of one poll's entries, which offsets the sink may commit and which
 * partitions must stop. Per partition, in offset order: the offset after the last entry of the
 * unbroken run of accepted entries is committed; the first entry not accepted ends the run, and
 * nothing after it counts, even if TigerBeetle took it (it will answer {@code exists} when the
 * partition is read again). A disagreeing or unreadable entry halts its partition (paused, read
 * again from that entry); an unanswered one rewinds it to be tried again.
 */
public final class CommitDecision {
    private CommitDecision() {}

    /** One entry the sink tried, and what became of it. */
    public record Attempt(TopicPartition partition, long offset, String entryId, EntryOutcome outcome) {}

    /**
     * @param commits the offset to commit per partition (the next offset to read)
     * @param halts   the entry each halted partition stopped at
     * @param rewinds the offset each partition must be read again from, without halting
     */
    public record Decision(Map<TopicPartition, Long> commits, Map<TopicPartition, Attempt> halts,
                           Map<TopicPartition, Long> rewinds) {}

    public static Decision decide(List<Attempt> attempts) {
        Map<TopicPartition, Long> commits = new LinkedHashMap<>();
        Map<TopicPartition, Attempt> halts = new LinkedHashMap<>();
        Map<TopicPartition, Long> rewinds = new LinkedHashMap<>();
        Map<TopicPartition, Long> lastOffset = new LinkedHashMap<>();
        for (Attempt attempt : attempts) {
            Long previous = lastOffset.put(attempt.partition(), attempt.offset());
            if (previous != null && previous >= attempt.offset()) {
                throw new IllegalStateException("attempts of " + attempt.partition() + " out of offset order: "
                        + previous + " then " + attempt.offset());
            }
            boolean stopped = halts.containsKey(attempt.partition()) || rewinds.containsKey(attempt.partition());
            if (stopped) {
                continue;
            }
            EntryOutcome.Status status = attempt.outcome().status();
            if (status.accepted()) {
                commits.put(attempt.partition(), attempt.offset() + 1);
            } else if (status.haltsPartition()) {
                halts.put(attempt.partition(), attempt);
            } else {
                rewinds.put(attempt.partition(), attempt.offset());
            }
        }
        return new Decision(commits, halts, rewinds);
    }
}
