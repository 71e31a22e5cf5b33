package io.settlement.topology;

/** Names of the topology's state stores (docs/topology.md, "Stores"), shared with the HTTP layer's lookups. */
public final class StoreNames {
    /** (user_id, account type, asset_id) -> available, frozen, pending, seq; prefix-scannable by user. */
    public static final String BALANCES = "balances";
    /** KIND:user_id:id -> the command's digest and first result, for ever; per user partition; also what a status lookup reads. */
    public static final String COMMANDS = "commands";
    /** ORDER@user_id/order_id -> reservation, for ever, in the owner's partition (reservations from before ids were scoped to users: order_id). */
    public static final String RESERVATIONS = "reservations";
    /** due time + reservation key: released orders whose fill grace ends then, in the owner's partition. */
    public static final String ORDER_GRACE = "order-grace";
    /** reservation key -> the reservation as it stood when its fill grace ended with announced fills missing; gone when it closes. */
    public static final String OVERDUE_ORDERS = "overdue-orders";
    /** DEPOSIT@user_id/id / WITHDRAWAL@user_id/id -> a deposit or a withdrawal, for ever, in the owner's partition (from before ids were scoped to users: DEPOSIT:id). */
    public static final String HOLDS = "holds";
    /** trade_id -> the trade, its phase and its legs, in the coordinator's partition, until the retention after it ended. */
    public static final String TRADES = "trades";
    /** trade_id -> what is kept of a trade for ever once its full state is compacted: digest, status, when it ended. */
    public static final String TRADE_IDS = "trade-ids";
    /** due time + trade_id: final trades whose full state is compacted into trade-ids then. */
    public static final String TRADE_EXPIRY = "trade-expiry";

    private StoreNames() {}
}
