package io.settlement.sink;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A user's history as a history store (the ScyllaDB sink's {@code balance_ledger},
 * {@code balance_as_of} and {@code trades_by_user}) holds it, for {@code GET /api/v1/users/{id}/ledger},
 * {@code .../trades}, {@code .../balances?as_of=} and {@code .../balances/history}: the port
 * between the HTTP API and a history store.
 * It lives here, beside the sinks, so that both sides depend on it and neither on the other: the
 * ScyllaDB sink implements it ({@code ScyllaHistory}), the HTTP API reads through it, and the app
 * passes the sink's when a database is configured ({@link #whenReady}: 503 while it starts) and
 * none otherwise (the routes then answer {@code 503 HISTORY_UNAVAILABLE}).
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
 *
 * <p>Reads by instant ({@link #balancesAsOf}, {@link #changes}) are only right up to
 * {@link #completeUntil()}: a store that lags has not written the later changes yet. The caller
 * asks it first and refuses a later instant (the HTTP API answers 503 HISTORY_NOT_CAUGHT_UP);
 * since it only ever grows, a read made after that check is complete up to the instant checked.
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
     * The instant up to which every balance change is in the store (changes stamped later may be
     * missing), or empty while the store cannot say (nothing recorded yet for some partition).
     */
    Optional<Instant> completeUntil();

    /**
     * Every account of the user in these assets (both wallets) as it stood after its newest change
     * stamped at or before {@code asOf} (newest by {@code created_at}, then {@code seq}); an account
     * with no change by then is absent. Only right for {@code asOf <= completeUntil()}.
     */
    List<AccountBalance> balancesAsOf(long userId, List<Integer> assetIds, Instant asOf);

    /**
     * A user's balance changes of one asset (both wallets) stamped {@code from <= created_at <= to},
     * oldest first (within one instant: by wallet, then seq ascending). Only complete for
     * {@code to <= completeUntil()}.
     */
    Page<LedgerLine> changes(long userId, int assetId, Instant from, Instant to, int limit, String cursor);

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

    /** One account's balances after a change ({@code seq}, stamped {@code changedAt}). */
    record AccountBalance(long userId, String wallet, int assetId, long seq, long available, long frozen, long pending,
                          Instant changedAt) {}

    /**
     * One user's side of one trade: what it paid (quote for the buyer, base for the seller), what it
     * received (fee included) and the fee, what was refunded. Null where that leg has not been
     * applied. {@code status}: {@code SETTLED} once credited, {@code REFUNDED} once refunded,
     * {@code PENDING} while only debited. Asset fields are asset codes.
     */
    record UserTrade(long userId, String tradeId, String side, String paidAsset, Long paidQty, String receivedAsset,
                     Long receivedQty, Long fee, Long refundedQty, Instant debitedAt, Instant creditedAt,
                     Instant refundedAt, String status) {}

    /**
     * A store that may not be there yet (a sink still starting): every read goes to what {@code store}
     * holds now, and while it holds nothing it is an {@link UnavailableException}.
     */
    static History whenReady(Supplier<Optional<History>> store, String notReady) {
        return new History() {
            private History now() {
                return store.get().orElseThrow(() -> new UnavailableException(notReady, null));
            }

            @Override
            public Page<LedgerLine> ledger(long userId, int assetId, int limit, String cursor) {
                return now().ledger(userId, assetId, limit, cursor);
            }

            @Override
            public Page<UserTrade> trades(long userId, int limit, String cursor) {
                return now().trades(userId, limit, cursor);
            }

            @Override
            public Optional<Instant> completeUntil() {
                return now().completeUntil();
            }

            @Override
            public List<AccountBalance> balancesAsOf(long userId, List<Integer> assetIds, Instant asOf) {
                return now().balancesAsOf(userId, assetIds, asOf);
            }

            @Override
            public Page<LedgerLine> changes(long userId, int assetId, Instant from, Instant to, int limit, String cursor) {
                return now().changes(userId, assetId, from, to, limit, cursor);
            }
        };
    }

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
