package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.DriverException;
import io.settlement.sink.History;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The ScyllaDB sink's {@link HistoryQueries} as the HTTP API's {@link History}: serves
 * {@code GET /api/v1/users/{id}/ledger} ({@code balance_ledger}) and {@code .../trades}
 * ({@code trades_by_user}) from the sink's session. The HTTP layer turns the asset code of the
 * request into its id ({@code Assets}); rows keep the sink's asset codes and minor units.
 *
 * <p>Failures: while the sink is still starting (no session yet) and when the driver fails
 * (timeouts, no node answering), {@link History.UnavailableException} (503 HISTORY_UNAVAILABLE);
 * a cursor HistoryQueries refuses, {@link History.InvalidCursorException} (400 INVALID_CURSOR).
 */
public final class ScyllaHistory implements History {
    private final Supplier<Optional<HistoryQueries>> queries;

    /** @param queries the running sink's queries, empty while the sink is starting */
    public ScyllaHistory(Supplier<Optional<HistoryQueries>> queries) {
        this.queries = queries;
    }

    @Override
    public Page<LedgerLine> ledger(long userId, int assetId, int limit, String cursor) {
        return call(store -> store.ledger(userId, assetId, limit, cursor), line -> new LedgerLine(line.userId(), line.wallet(),
                line.assetId(), line.seq(), line.available(), line.frozen(), line.pending(), line.deltaAvailable(),
                line.deltaFrozen(), line.deltaPending(), line.eventType(), line.causeCommandId(), line.entryId(), line.createdAt()));
    }

    @Override
    public Page<UserTrade> trades(long userId, int limit, String cursor) {
        return call(store -> store.tradesByUser(userId, limit, cursor), trade -> new UserTrade(trade.userId(), trade.tradeId(),
                trade.side(), trade.paidAsset(), trade.paidQty(), trade.receivedAsset(), trade.receivedQty(), trade.fee(),
                trade.refundedQty(), trade.debitedAt(), trade.creditedAt(), trade.refundedAt(), trade.status()));
    }

    private <T, R> Page<R> call(Function<HistoryQueries, HistoryQueries.Page<T>> query, Function<T, R> toRow) {
        HistoryQueries store = queries.get().orElseThrow(() -> new UnavailableException(
                "the ScyllaDB sink is not connected yet (GET /health shows its state)", null));
        HistoryQueries.Page<T> page;
        try {
            page = query.apply(store);
        } catch (HistoryQueries.InvalidCursorException e) {
            throw new InvalidCursorException(e.getMessage(), e);
        } catch (DriverException e) {
            throw new UnavailableException(e.getMessage(), e);
        }
        return new Page<>(page.rows().stream().map(toRow).toList(), page.next());
    }
}
