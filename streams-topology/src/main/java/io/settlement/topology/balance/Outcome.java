package io.settlement.topology.balance;

import io.settlement.avro.Reason;

/**
 * What a command step came to: accepted, or rejected with a reason code and a human-readable
 * detail. A rejection is data, never an exception; accepting allocates nothing.
 */
public final class Outcome {
    public static final Outcome ACCEPTED = new Outcome(null, null);

    private final Reason reason;
    private final String detail;

    private Outcome(Reason reason, String detail) {
        this.reason = reason;
        this.detail = detail;
    }

    public static Outcome rejected(Reason reason, String detail) {
        if (reason == null) {
            throw new IllegalArgumentException("a rejection needs a reason");
        }
        return new Outcome(reason, detail);
    }

    public boolean accepted() {
        return reason == null;
    }

    /** The reason of a rejection, null when accepted. */
    public Reason reason() {
        return reason;
    }

    /** Why, in words, for a rejection; null when accepted. */
    public String detail() {
        return detail;
    }

    @Override
    public String toString() {
        return accepted() ? "ACCEPTED" : "REJECTED " + reason + " (" + detail + ")";
    }
}
