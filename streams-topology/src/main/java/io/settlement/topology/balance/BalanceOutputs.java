package io.settlement.topology.balance;

/**
 * The names of the balance processor's sinks: it forwards each output record to exactly one of
 * them by name, so no record passes a type test on its way out.
 */
public final class BalanceOutputs {
    public static final String RESULTS = "balance-results-sink";
    public static final String JOURNAL = "balance-journal-sink";
    public static final String BALANCE_EVENTS = "balance-events-sink";
    public static final String LEG_RESULTS = "balance-leg-results-sink";
    public static final String TRADE_LEGS = "balance-trade-legs-sink";
    public static final String DEAD_LETTERS = "balance-dead-letters-sink";

    private BalanceOutputs() {}
}
