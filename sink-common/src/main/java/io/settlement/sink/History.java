package io.settlement.sink;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A user's history as a history store (the ScyllaDB sink's {@code balance_ledger} and
 * {@code trades_by_user}) holds it, one page at a time, for {@code GET /api/v1/users/{id}/ledger}
 * and {@code GET /api/v1/users/{id}/trades}: the port between the HTTP API and a history store.
 * It lives here, beside the sinks, so that both sides depend on it and neither on the other: the
 * ScyllaDB sink implements it ({@code ScyllaHistory}), the HTTP API reads through it, and the app
 * passes the sink's when a database is configured and none otherwise (the routes then answer
 * {@code 503 HISTORY_UNAVAILABLE}).
 *
 * <p>Amounts are minor units ({@code long}); the routes format them at the asset's scale. A
 * cursor is opaque: the API hands back exactly what a page's {@link Page#next()} held, after
 * checking it is 1..{@value #CURSOR_CHARS_MAX} characters of {@code [A-Za-z0-9_=-]}.
 *
 * <p>Failures, which an implementation reports as these exceptions (anything else is a bug, 500):
 * <ul>
 *   <li>{@link InvalidCursorException}: the cursor is not one this query issued (400 INVALID_CURSOR);</li>
 *   <li>{@link UnavailableException}: the store did not answer (503 HISTORY_UNAVAILABLE, Retry-After).</li>
 * </ul>
 * Calls are blocking and made on the HTTP request's thread; an implementation bounds them with its own timeouts.
 */
public interface History {
    /** The largest page a caller may ask for (and the most rows a page may hold). */
    int PAGE_SIZE_MAX = 500;
    /** The longest cursor the API passes on. */
    int CURSOR_CHARS_MAX = 4096;

    /** A user's balance changes of one asset (both wallets), newest first. */
    Page<LedgerLine> ledger(long userId, int assetId, int limit, String cursor);

    /** A user's sides of trades, by trade id descending. */
    Page<UserTrade> trades(long userId, int limit, String cursor);

    /**
     * One page: at most {@code limit} rows, and the cursor of the next page, empty on the last one.
     * A page may be empty and still have a next cursor (the store decides where pages end).
     */
    record Page<T>(List<T> rows, Optional<String> next) {
        public Page {
            rows = List.copyOf(rows);
            Objects.requireNonNull(next, "next");
        }
    }

    /** One balance change of one account: the balances after it, its deltas and its cause. */
    record LedgerLine(long userId, String wallet, int assetId, long seq, long available, long frozen, long pending,
                      long deltaAvailable, long deltaFrozen, long deltaPending, String eventType,
                      String causeCommandId, String entryId, Instant createdAt) {}

    /**
     * One user's side of one trade: what it paid (quote for the buyer, base for the seller), what it
     * received (fee included) and the fee, what was refunded. Null where that leg has not been
     * applied. {@code status}: {@code SETTLED} once credited, {@code REFUNDED} once refunded,
     * {@code PENDING} while only debited. Asset fields are asset codes.
     */
    record UserTrade(long userId, String tradeId, String side, String paidAsset, Long paidQty, String receivedAsset,
                     Long receivedQty, Long fee, Long refundedQty, Instant debitedAt, Instant creditedAt,
                     Instant refundedAt, String status) {}

    /** The cursor is not one the query issued (or not one for this user and asset). */
    final class InvalidCursorException extends RuntimeException {
        public InvalidCursorException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The history store did not answer in time, or is down. */
    final class UnavailableException extends RuntimeException {
        public UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
