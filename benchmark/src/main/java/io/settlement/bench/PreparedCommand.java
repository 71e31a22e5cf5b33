package io.settlement.bench;

import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;

/**
 * One command of a workload, serialized once before the run so that every run (and the
 * pass-through ceiling) sends exactly the same bytes.
 *
 * @param topic the input topic
 * @param partition the partition it is sent to (the contract's partitioner, or deliberately another one)
 * @param key the record key bytes
 * @param value the record value bytes
 * @param slot the index of the command whose id this one carries: its own index, or an earlier
 *     command's when it deliberately reuses an id (a retry or an id conflict)
 * @param resultKey the key of its result on {@code settlement.results}: {@code KIND:user_id:command_id}, {@code TRADE:trade_id}
 * @param reusesId whether it carries an earlier command's id (its result is the second one under that key)
 * @param trade whether it is a trade (three hops) rather than a single-step command
 * @param expected what its result must be
 */
public record PreparedCommand(String topic, int partition, byte[] key, byte[] value, int slot, String resultKey,
                              boolean reusesId, boolean trade, Expected expected) {

    /** What the verification demands of a command's result; {@link #ANY} for an ordinary command. */
    public record Expected(ResultStatus status, Reason reason, boolean sameAsFirst) {
        public static final Expected ANY = new Expected(null, null, false);

        public static Expected rejected(Reason reason) {
            return new Expected(ResultStatus.REJECTED, reason, false);
        }

        /** A retry: its result must be identical to the first one of its id. */
        public static final Expected REPEAT_OF_FIRST = new Expected(null, null, true);

        public boolean matches(ResultStatus actualStatus, Reason actualReason) {
            return (status == null || status == actualStatus) && (reason == null || reason == actualReason);
        }

        @Override
        public String toString() {
            return sameAsFirst ? "the first result again" : status == null ? "any" : status + (reason == null ? "" : " " + reason);
        }
    }
}
