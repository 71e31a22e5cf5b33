package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PagingState;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import io.settlement.avro.Wallet;
import io.settlement.contract.Topics;
import io.settlement.sink.History;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The ScyllaDB sink's tables as the HTTP API's {@link History} (its rows, its failures): a user's
 * history as the sink wrote it, one page at a time, for {@code GET /api/v1/users/{id}/ledger}
 * ({@code balance_ledger}, newest first), {@code .../trades} ({@code trades_by_user}),
 * {@code .../balances?as_of=} ({@code balance_as_of}) and {@code .../balances/history}
 * ({@code balance_ledger} by instant). Every query names the full partition key. A page carries an
 * opaque cursor for the next one (the driver's safe paging state, base64url), absent on the last
 * page; a cursor of another query is a {@link History.InvalidCursorException} (400 INVALID_CURSOR),
 * a driver failure (timeouts, no node answering) a {@link History.UnavailableException} (503).
 *
 * <p>By instant: {@link #balancesAsOf} ({@code balance_as_of}, one query for every account of a
 * user), {@link #changes} ({@code balance_ledger} between two instants, oldest first) and
 * {@link #completeUntil()} ({@code history_watermarks}), up to which those two are complete.
 */
public final class ScyllaHistory implements History {

    private static final List<String> WALLETS = Arrays.stream(Wallet.values()).map(Wallet::name).toList();

    private final CqlSession session;
    private final List<String> historyTopics;
    private final HistoryWatermarks watermarks;
    private final PreparedStatement ledger;
    private final PreparedStatement changes;
    private final PreparedStatement asOf;
    private final PreparedStatement trades;

    /** On the default topic names ({@code settlement.journal}, {@code balance.events}). */
    public ScyllaHistory(CqlSession session, String keyspace) {
        this(session, keyspace, List.of(Topics.JOURNAL, Topics.BALANCE_EVENTS));
    }

    /** @param historyTopics the topics whose partitions' progress {@link #completeUntil()} reads: the journal and balance.events */
    public ScyllaHistory(CqlSession session, String keyspace, List<String> historyTopics) {
        this.session = session;
        this.historyTopics = List.copyOf(historyTopics);
        this.watermarks = new HistoryWatermarks(session, keyspace);
        String ledgerColumns = "user_id, wallet, asset, asset_id, seq, available, frozen, pending,"
                + " delta_available, delta_frozen, delta_pending, event_type, cause_command_id, entry_id, created_at";
        // The reverse of the table's clustering order: oldest first, as a replay reads them.
        this.changes = session.prepare("SELECT " + ledgerColumns + " FROM " + keyspace + ".balance_ledger"
                + " WHERE user_id = ? AND asset_id = ? AND created_at >= ? AND created_at <= ?"
                + " ORDER BY created_at ASC, wallet DESC, seq ASC");
        // One request for every account: each (user, asset, wallet) partition's newest row at or before the instant.
        this.asOf = session.prepare("SELECT user_id, asset_id, wallet, asset, seq, available, frozen, pending, created_at FROM "
                + keyspace + ".balance_as_of WHERE user_id = ? AND asset_id IN ? AND wallet IN ? AND created_at <= ?"
                + " PER PARTITION LIMIT 1");
        this.ledger = session.prepare("SELECT user_id, wallet, asset, asset_id, seq, available, frozen, pending,"
                + " delta_available, delta_frozen, delta_pending, event_type, cause_command_id, entry_id, created_at FROM "
                + keyspace + ".balance_ledger WHERE user_id = ? AND asset_id = ?");
        this.trades = session.prepare("SELECT user_id, trade_id, side, paid_asset, paid_qty, received_asset, received_qty,"
                + " fee, refunded_qty, debited_at, credited_at, refunded_at FROM " + keyspace
                + ".trades_by_user WHERE user_id = ?");
    }

    /** A user's balance changes of one asset (both wallets), newest first. */
    @Override
    public Page<LedgerLine> ledger(long userId, int assetId, int limit, String pagingState) {
        return page(ledger.bind(userId, assetId), limit, pagingState, ScyllaHistory::ledgerLine);
    }

    /**
     * A user's balance changes of one asset stamped {@code from <= created_at <= to}, oldest first.
     * Instants are cut to the stamps' milliseconds inward (from up, to down), so no change outside
     * the asked range comes back.
     */
    @Override
    public Page<LedgerLine> changes(long userId, int assetId, Instant from, Instant to, int limit, String pagingState) {
        Instant fromMs = from.truncatedTo(ChronoUnit.MILLIS);
        if (fromMs.isBefore(from)) {
            fromMs = fromMs.plusMillis(1);
        }
        return page(changes.bind(userId, assetId, fromMs, to.truncatedTo(ChronoUnit.MILLIS)), limit, pagingState,
                ScyllaHistory::ledgerLine);
    }

    /**
     * Every account of the user in {@code assetIds} (both wallets) as of {@code asOf}: the newest
     * row of each account stamped at or before it; accounts without one are absent.
     */
    @Override
    public List<AccountBalance> balancesAsOf(long userId, List<Integer> assetIds, Instant asOf) {
        if (assetIds.isEmpty()) {
            return List.of();
        }
        return read(() -> {
            List<AccountBalance> accounts = new ArrayList<>();
            for (Row row : session.execute(this.asOf.bind(userId, assetIds, WALLETS, asOf.truncatedTo(ChronoUnit.MILLIS))
                    .setPageSize(PAGE_SIZE_MAX))) {
                accounts.add(new AccountBalance(row.getLong("user_id"), row.getString("wallet"), row.getInt("asset_id"),
                        row.getLong("seq"), row.getLong("available"), row.getLong("frozen"), row.getLong("pending"),
                        row.getInstant("created_at")));
            }
            return accounts;
        });
    }

    /**
     * Up to when {@link #balancesAsOf} and {@link #changes} are complete ({@link HistoryWatermarks}):
     * the earliest over the history topics; empty while one is unknown.
     */
    @Override
    public Optional<Instant> completeUntil() {
        return read(() -> {
            Instant least = null;
            for (String topic : historyTopics) {
                Optional<Instant> complete = watermarks.completeUntil(session, topic);
                if (complete.isEmpty()) {
                    return Optional.empty();
                }
                least = least == null || complete.get().isBefore(least) ? complete.get() : least;
            }
            return Optional.ofNullable(least);
        });
    }

    private static LedgerLine ledgerLine(Row row) {
        return new LedgerLine(row.getLong("user_id"), row.getString("wallet"), row.getInt("asset_id"),
                row.getLong("seq"), row.getLong("available"), row.getLong("frozen"), row.getLong("pending"),
                row.getLong("delta_available"), row.getLong("delta_frozen"), row.getLong("delta_pending"),
                row.getString("event_type"), row.getString("cause_command_id"), row.getString("entry_id"),
                row.getInstant("created_at"));
    }

    /**
     * A user's trades, by trade id descending. {@code status} is read from the legs the user's
     * partition applied: SETTLED once credited, REFUNDED once refunded, PENDING while only debited.
     */
    @Override
    public Page<UserTrade> trades(long userId, int limit, String pagingState) {
        return page(trades.bind(userId), limit, pagingState, row -> {
            Long received = row.get("received_qty", Long.class);
            Long refunded = row.get("refunded_qty", Long.class);
            String status = received != null ? "SETTLED" : refunded != null ? "REFUNDED" : "PENDING";
            return new UserTrade(row.getLong("user_id"), row.getString("trade_id"), row.getString("side"),
                    row.getString("paid_asset"), row.get("paid_qty", Long.class), row.getString("received_asset"), received,
                    row.get("fee", Long.class), refunded, row.getInstant("debited_at"), row.getInstant("credited_at"),
                    row.getInstant("refunded_at"), status);
        });
    }

    /**
     * The driver's safe paging state carries a hash of the query and its bound values, so a cursor
     * of another query, user or asset is refused here instead of paging the wrong partition
     * (a raw paging state is not checked: another query's cursor answered an empty page).
     */
    private static PagingState cursorFor(BoundStatement statement, String cursor) {
        PagingState state;
        try {
            state = PagingState.fromBytes(Base64.getUrlDecoder().decode(cursor));
        } catch (RuntimeException e) {
            throw new InvalidCursorException("not a cursor of this API: " + e, e);
        }
        if (!state.matches(statement)) {
            throw new InvalidCursorException("the cursor belongs to another query (user, asset or table)", null);
        }
        return state;
    }

    private <T> Page<T> page(BoundStatement statement, int limit, String pagingState,
                             Function<Row, T> read) {
        if (limit <= 0 || limit > PAGE_SIZE_MAX) {
            throw new IllegalArgumentException("limit must be 1.." + PAGE_SIZE_MAX + ", got " + limit);
        }
        statement = statement.setPageSize(limit);
        if (pagingState != null && !pagingState.isEmpty()) {
            statement = statement.setPagingState(cursorFor(statement, pagingState));
        }
        BoundStatement query = statement;
        ResultSet result = read(() -> session.execute(query));
        List<T> rows = new ArrayList<>(result.getAvailableWithoutFetching());
        for (int i = result.getAvailableWithoutFetching(); i > 0; i--) {
            rows.add(read.apply(result.one()));
        }
        PagingState next = result.getExecutionInfo().getSafePagingState();
        Optional<String> cursor = next == null
                ? Optional.empty()
                : Optional.of(Base64.getUrlEncoder().withoutPadding().encodeToString(next.toBytes()));
        return new Page<>(rows, cursor);
    }

    /** Runs a query, a driver failure being the store not answering. */
    private static <T> T read(Supplier<T> query) {
        try {
            return query.get();
        } catch (DriverException e) {
            throw new UnavailableException(e.getMessage(), e);
        }
    }
}
