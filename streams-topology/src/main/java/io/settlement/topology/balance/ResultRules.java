package io.settlement.topology.balance;

import io.settlement.avro.Reason;

/**
 * Which results claim their command id. A record the topology cannot attribute to a user's id
 * space (wrong partition, key not its user, no id) a conflicting reuse of an id and a replay after the retention are answered,
 * but neither remembered nor allowed to stand as the id's status: the id stays free for (or keeps)
 * the command that really owns it.
 */
public final class ResultRules {
    private ResultRules() {}

    /** True if a result with this reason (null: accepted) is the command id's first and lasting result. */
    public static boolean claimsId(Reason reason) {
        return reason != Reason.WRONG_PARTITION && reason != Reason.INVALID_USER
                && reason != Reason.MISSING_ID && reason != Reason.ID_CONFLICT && reason != Reason.REPLAY_AFTER_RETENTION;
    }
}
