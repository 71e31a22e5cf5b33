package io.settlement.sink.tigerbeetle;

import com.tigerbeetle.CreateTransferResult;

/**
 * What became of one journal entry in TigerBeetle. Only {@link Status#APPLIED} and
 * {@link Status#ALREADY_APPLIED} let the sink commit the entry's offset.
 */
public record EntryOutcome(Status status, String detail) {
    public enum Status {
        /** Every transfer of the chain was created now. */
        APPLIED,
        /** The chain was created before (a replay): TigerBeetle answered {@code exists}. */
        ALREADY_APPLIED,
        /** TigerBeetle refused an entry the topology accepted: the ledgers disagree. */
        DISAGREES,
        /** The record cannot be read or mapped (a bug upstream): it must not be skipped either. */
        UNMAPPABLE,
        /** TigerBeetle did not answer in time, after every retry: try again later. */
        UNANSWERED;

        public boolean accepted() {
            return this == APPLIED || this == ALREADY_APPLIED;
        }

        /** Whether the partition must stop here until an operator has looked (pause, DEGRADED). */
        public boolean haltsPartition() {
            return this == DISAGREES || this == UNMAPPABLE;
        }
    }

    public static final EntryOutcome APPLIED = new EntryOutcome(Status.APPLIED, "applied");
    public static final EntryOutcome ALREADY_APPLIED = new EntryOutcome(Status.ALREADY_APPLIED, "exists");

    public static EntryOutcome disagrees(int postingIndex, CreateTransferResult result) {
        return new EntryOutcome(Status.DISAGREES, "posting " + postingIndex + ": " + result);
    }

    public static EntryOutcome unmappable(String problem) {
        return new EntryOutcome(Status.UNMAPPABLE, problem);
    }

    public static EntryOutcome unanswered(String why) {
        return new EntryOutcome(Status.UNANSWERED, why);
    }
}
