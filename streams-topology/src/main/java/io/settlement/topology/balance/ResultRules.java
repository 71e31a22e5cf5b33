package io.settlement.topology.balance;

import io.settlement.avro.CommandKind;
import io.settlement.avro.Reason;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which results claim their command id: the one rule the balance processor applies before it
 * answers a retry from memory, and the lookups and tests apply to tell a command's lasting
 * result from a passing one.
 *
 * <ul>
 *   <li>A record the topology cannot attribute to a user's id space (wrong partition, key not its
 *       user, no id), a conflicting reuse of an id and a replay after the retention are answered,
 *       but neither remembered nor allowed to stand as the id's status: the id stays free for (or
 *       keeps) the command that really owns it.</li>
 *   <li>A command that names something not there yet (a confirmation or cancellation before its
 *       deposit or withdrawal, a release before its order's reservation) is rejected UNKNOWN_...
 *       without claiming its id: it changed nothing, and the same command retried once what it
 *       names exists applies. Producers retry, and two instances of a wallet service can
 *       publish a deposit and its confirmation in either order; burning the id would strand the
 *       deposit in FUNDING.pending for ever. TigerBeetle does not persist failed transfers for
 *       the same reason. Trades and their legs always claim: a trade id seen again is a
 *       duplicate, for ever.</li>
 * </ul>
 */
public final class ResultRules {
    private static final Set<Reason> UNATTRIBUTED = EnumSet.of(Reason.WRONG_PARTITION, Reason.INVALID_USER, Reason.MISSING_ID,
            Reason.ID_CONFLICT, Reason.REPLAY_AFTER_RETENTION);
    private static final Set<Reason> NOT_THERE_YET = EnumSet.of(Reason.UNKNOWN_DEPOSIT, Reason.UNKNOWN_WITHDRAWAL, Reason.UNKNOWN_ORDER);
    private static final Set<CommandKind> MAY_COME_EARLY = EnumSet.of(CommandKind.DEPOSIT_CONFIRMED, CommandKind.DEPOSIT_CANCELLED,
            CommandKind.WITHDRAW_CONFIRMED, CommandKind.WITHDRAW_CANCELLED, CommandKind.ORDER_RELEASED, CommandKind.ORDER_CLOSED);

    private ResultRules() {}

    /** True if a result of this kind with this reason (null: accepted) is the command id's first and lasting result. */
    public static boolean claimsId(CommandKind kind, Reason reason) {
        if (reason == null) {
            return true;
        }
        return !UNATTRIBUTED.contains(reason) && !(mayComeEarly(kind) && NOT_THERE_YET.contains(reason));
    }

    /**
     * Whether a command of this kind names something another command creates, and so may
     * overtake it: its UNKNOWN_... rejection does not claim its id, and a client's retry of it
     * must be published again, not answered from a cache of what was submitted.
     */
    public static boolean mayComeEarly(CommandKind kind) {
        return MAY_COME_EARLY.contains(kind);
    }
}
