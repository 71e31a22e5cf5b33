package io.settlement.topology;

/** Names of the topology's state stores (DESIGN.md section 6), shared with the HTTP layer's lookups. */
public final class StoreNames {
    /** (user_id, account type, asset_id) -> available, frozen, pending, seq; prefix-scannable by user. */
    public static final String BALANCES = "balances";
    /** KIND:command_id -> the command's fingerprint and result, for idempotency; per user partition. */
    public static final String COMMANDS = "commands";
    /** order_id -> reservation, in the owner's partition. */
    public static final String RESERVATIONS = "reservations";
    /** DEPOSIT:id / WITHDRAWAL:id -> a pending deposit or a frozen withdrawal, in the owner's partition. */
    public static final String HOLDS = "holds";
    /** trade_id -> the trade, its phase and its legs, in the coordinator's partition. */
    public static final String TRADES = "trades";
    /** KIND:command_id -> the result, a table over settlement.results so any id is one lookup. */
    public static final String COMMAND_STATUS = "command-status";

    private StoreNames() {}
}
