package io.settlement.topology.balance;

/**
 * The names of the balance processor's children and of their sinks: it forwards each
 * {@link BalanceOutput} to exactly one child by name, which unwraps it for its sink.
 */
public final class BalanceOutputs {
    public static final String RESULTS = "balance-results";
    public static final String JOURNAL = "balance-journal";
    public static final String BALANCE_EVENTS = "balance-events";
    public static final String LEG_RESULTS = "balance-leg-results";
    public static final String TRADE_LEGS = "balance-trade-legs";
    public static final String DEAD_LETTERS = "balance-dead-letters";

    private BalanceOutputs() {}

    /** The sink after the child {@code output}, e.g. {@code balance-results-sink}. */
    public static String sinkOf(String output) {
        return output + "-sink";
    }
}
