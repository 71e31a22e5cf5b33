package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.DriverException;
import io.settlement.sink.History;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The ScyllaDB sink's {@link HistoryQueries} as the HTTP API's {@link History}: serves
 * {@code GET /api/v1/users/{id}/ledger} ({@code balance_ledger}), {@code .../trades}
 * ({@code trades_by_user}), {@code .../balances?as_of=} ({@code balance_as_of}) and
 * {@code .../balances/history} ({@code balance_ledger} by instant) from the sink's session. The HTTP layer turns the asset code of the
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
        return call(store -> store.ledger(userId, assetId, limit, cursor), ScyllaHistory::ledgerLine);
    }

    @Override
    public Page<UserTrade> trades(long userId, int limit, String cursor) {
        return call(store -> store.tradesByUser(userId, limit, cursor), trade -> new UserTrade(trade.userId(), trade.tradeId(),
                trade.side(), trade.paidAsset(), trade.paidQty(), trade.receivedAsset(), trade.receivedQty(), trade.fee(),
                trade.refundedQty(), trade.debitedAt(), trade.creditedAt(), trade.refundedAt(), trade.status()));
    }

    @Override
    public Optional<Instant> completeUntil() {
        return read(HistoryQueries::completeUntil);
    }

    @Override
    public List<AccountBalance> balancesAsOf(long userId, List<Integer> assetIds, Instant asOf) {
        return read(store -> store.balancesAsOf(userId, assetIds, asOf).stream()
                .map(account -> new AccountBalance(account.userId(), account.wallet(), account.assetId(), account.seq(),
                        account.available(), account.frozen(), account.pending(), account.createdAt()))
                .toList());
    }

    @Override
    public Page<LedgerLine> changes(long userId, int assetId, Instant from, Instant to, int limit, String cursor) {
        return call(store -> store.changes(userId, assetId, from, to, limit, cursor), ScyllaHistory::ledgerLine);
    }

    private static LedgerLine ledgerLine(HistoryQueries.LedgerLine line) {
        return new LedgerLine(line.userId(), line.wallet(), line.assetId(), line.seq(), line.available(), line.frozen(),
                line.pending(), line.deltaAvailable(), line.deltaFrozen(), line.deltaPending(), line.eventType(),
                line.causeCommandId(), line.entryId(), line.createdAt());
    }

    private <T, R> Page<R> call(Function<HistoryQueries, HistoryQueries.Page<T>> query, Function<T, R> toRow) {
        HistoryQueries.Page<T> page = read(query);
        return new Page<>(page.rows().stream().map(toRow).toList(), page.next());
    }

    private <T> T read(Function<HistoryQueries, T> query) {
        HistoryQueries store = queries.get().orElseThrow(() -> new UnavailableException(
                "the ScyllaDB sink is not connected yet (GET /health shows its state)", null));
        try {
            return query.apply(store);
        } catch (HistoryQueries.InvalidCursorException e) {
            throw new InvalidCursorException(e.getMessage(), e);
        } catch (DriverException e) {
            throw new UnavailableException(e.getMessage(), e);
        }
    }
}
