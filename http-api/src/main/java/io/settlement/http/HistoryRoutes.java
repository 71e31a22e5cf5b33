package io.settlement.http;

import io.settlement.sink.History;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code GET /api/v1/users/{id}/ledger?asset=BTC&limit=50&cursor=...} and
 * {@code GET /api/v1/users/{id}/trades?limit=50&cursor=...}: a user's history, paged, from the
 * {@link History} the app configured (the ScyllaDB sink's tables). Input is checked first (400s),
 * then a missing or failing history store is {@code 503 HISTORY_UNAVAILABLE}. Amounts are decimal
 * strings at the asset's scale. Unlike the store lookups these are not forwarded: every instance
 * reads the same database.
 *
 * <p>By instant: {@code GET /api/v1/users/{id}/balances?as_of=<RFC 3339>} (routed here by
 * {@link V1Routes} when {@code as_of} is given) and
 * {@code GET /api/v1/users/{id}/balances/history?asset=BTC&from=&to=&limit=&cursor=}. Both refuse an
 * instant later than {@link History#completeUntil()} with {@code 503 HISTORY_NOT_CAUGHT_UP}: the
 * store may not have written the changes up to it yet, and a balance missing a change is wrong.
 */
final class HistoryRoutes {
    /** The page size when the request names none. */
    static final int LIMIT_DEFAULT = 50;
    /** An instant later than this past the server's clock is a mistake, not a wait: 400, not 503. */
    static final Duration FUTURE_TOLERANCE = Duration.ofMinutes(1);
    /** The longest Retry-After a HISTORY_NOT_CAUGHT_UP suggests, whatever the gap. */
    static final long RETRY_AFTER_MAX_SECONDS = 60;
    private static final Pattern OFFSET_AFTER_SPACE = Pattern.compile("(.*[0-9]) ([0-9]{2}:[0-9]{2})$");
    private static final Pattern CURSOR = Pattern.compile("[A-Za-z0-9_=-]{1," + History.CURSOR_CHARS_MAX + "}");

    private final Optional<History> history;
    private final Assets assets;
    private final ObjectMapper json;

    HistoryRoutes(Optional<History> history, Assets assets, ObjectMapper json) {
        this.history = history;
        this.assets = assets;
        this.json = json;
    }

    void register(RoutesConfig routes) {
        routes.get("/api/v1/users/{id}/ledger", this::ledger);
        routes.get("/api/v1/users/{id}/trades", this::trades);
        routes.get("/api/v1/users/{id}/balances/history", this::balanceHistory);
    }

    /**
     * {@code GET /api/v1/users/{id}/balances?as_of=}: every account in a configured asset as it
     * stood after its newest change stamped at or before the instant. The caller (the balances
     * route) has checked the user and the caller's right to read it.
     */
    void balancesAsOf(Context ctx, long userId, String asOfText) {
        Instant asOf = instant("as_of", asOfText);
        History store = store();
        Instant completeUntil = caughtUp(ctx, store, asOf, "as_of");
        List<History.AccountBalance> accounts = guarded(() -> store.balancesAsOf(userId,
                assets.all().stream().map(Asset::id).toList(), asOf));
        List<History.AccountBalance> sorted = new ArrayList<>(accounts);
        sorted.sort(Comparator.comparingInt(History.AccountBalance::assetId).thenComparing(History.AccountBalance::wallet));
        List<Views.BalanceAsOf> balances = new ArrayList<>();
        for (History.AccountBalance account : sorted) {
            // Only configured assets are asked for, so each row has its scale.
            Asset asset = assets.byId(account.assetId()).orElseThrow();
            int scale = asset.scale();
            balances.add(new Views.BalanceAsOf(account.wallet(), asset.code(), Amounts.format(account.available(), scale),
                    Amounts.format(account.frozen(), scale), Amounts.format(account.pending(), scale), account.seq(),
                    text(account.changedAt())));
        }
        Replies.json(ctx, json, 200, new Views.UserBalancesAsOf(userId, asOf.toString(), completeUntil.toString(), balances));
    }

    /**
     * {@code GET /api/v1/users/{id}/balances/history?asset=BTC&from=&to=}: the changes stamped
     * {@code from <= created_at <= to}, oldest first. {@code to} defaults to where the history is
     * complete; {@code next_url} carries the {@code to} used, since a cursor is only valid for the
     * query (bounds included) that issued it.
     */
    private void balanceHistory(Context ctx) {
        long userId = RequestBody.userIdText(ctx.pathParam("id"), "user id");
        Gatekeeper.caller(ctx).checkMayRead(userId);
        Asset asset = asset(ctx.queryParam("asset"));
        Instant from = ctx.queryParam("from") == null ? Instant.EPOCH : instant("from", ctx.queryParam("from"));
        Optional<Instant> givenTo = ctx.queryParam("to") == null ? Optional.empty() : Optional.of(instant("to", ctx.queryParam("to")));
        if (givenTo.isPresent() && from.isAfter(givenTo.get())) {
            throw new ApiError(ErrorCode.INVALID_INSTANT, "from " + from + " is after to " + givenTo.get());
        }
        int limit = limit(ctx.queryParam("limit"));
        String cursor = cursor(ctx.queryParam("cursor"));
        History store = store();
        Instant to;
        if (givenTo.isPresent()) {
            to = givenTo.get();
            caughtUp(ctx, store, to, "to");
        } else {
            to = caughtUp(ctx, store, from, "from");
        }
        History.Page<History.LedgerLine> page = call(history -> history.changes(userId, asset.id(), from, to, limit, cursor));
        List<Views.LedgerEntry> changes = page.rows().stream().map(line -> entry(line, asset.scale())).toList();
        String next = page.next().orElse(null);
        String base = "/api/v1/users/" + userId + "/balances/history?asset=" + asset.code() + "&from=" + from + "&to=" + to
                + "&limit=" + limit;
        Replies.json(ctx, json, 200, new Views.BalanceHistoryPage(userId, asset.code(), from.toString(), to.toString(), changes,
                next, nextUrl(base, next)));
    }

    /**
     * The instant the history is complete up to, if {@code instant} is not later; otherwise
     * {@code 503 HISTORY_NOT_CAUGHT_UP} with a Retry-After of the gap (1..60 s) when it is known.
     */
    private Instant caughtUp(Context ctx, History store, Instant instant, String name) {
        Optional<Instant> completeUntil = guarded(store::completeUntil);
        if (completeUntil.isEmpty()) {
            throw new ApiError(ErrorCode.HISTORY_NOT_CAUGHT_UP,
                    "the history store has not recorded how far it is complete yet (the ScyllaDB sink has not read every partition)");
        }
        if (instant.isAfter(completeUntil.get())) {
            long gap = Duration.between(completeUntil.get(), instant).toMillis();
            ctx.header("Retry-After", Long.toString(Math.min(RETRY_AFTER_MAX_SECONDS, Math.max(1, (gap + 999) / 1000))));
            throw new ApiError(ErrorCode.HISTORY_NOT_CAUGHT_UP, name + " " + instant + " is later than the history is complete up to ("
                    + completeUntil.get() + "); the ScyllaDB sink has not written every change up to it yet");
        }
        return completeUntil.get();
    }

    /**
     * An RFC 3339 date-time with an offset ({@code 2026-01-01T00:00:00Z}, {@code ...+02:00}). A
     * {@code +} sent unencoded in a query string arrives as a space; it is taken back.
     */
    static Instant instant(String name, String text) {
        String trimmed = text == null ? "" : text.trim();
        java.util.regex.Matcher spaced = OFFSET_AFTER_SPACE.matcher(trimmed);
        if (spaced.matches()) {
            trimmed = spaced.group(1) + "+" + spaced.group(2);
        }
        Instant instant;
        try {
            instant = OffsetDateTime.parse(trimmed, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw new ApiError(ErrorCode.INVALID_INSTANT, name + " must be an RFC 3339 date-time with an offset"
                    + " (e.g. 2026-01-01T00:00:00Z), was \"" + RequestBody.abbreviate(text == null ? "" : text) + '"');
        }
        if (instant.isAfter(Instant.now().plus(FUTURE_TOLERANCE))) {
            throw new ApiError(ErrorCode.INVALID_INSTANT, name + " " + instant + " is in the future: no history holds it yet");
        }
        return instant;
    }

    private static Views.LedgerEntry entry(History.LedgerLine line, int scale) {
        return new Views.LedgerEntry(line.wallet(), line.seq(), Amounts.format(line.available(), scale),
                Amounts.format(line.frozen(), scale), Amounts.format(line.pending(), scale),
                Amounts.format(line.deltaAvailable(), scale), Amounts.format(line.deltaFrozen(), scale),
                Amounts.format(line.deltaPending(), scale), line.eventType(), line.causeCommandId(), line.entryId(),
                text(line.createdAt()));
    }

    private void ledger(Context ctx) {
        long userId = RequestBody.userIdText(ctx.pathParam("id"), "user id");
        Gatekeeper.caller(ctx).checkMayRead(userId);
        Asset asset = asset(ctx.queryParam("asset"));
        int limit = limit(ctx.queryParam("limit"));
        String cursor = cursor(ctx.queryParam("cursor"));
        History.Page<History.LedgerLine> page = call(store -> store.ledger(userId, asset.id(), limit, cursor));
        List<Views.LedgerEntry> entries = page.rows().stream().map(line -> entry(line, asset.scale())).toList();
        String next = page.next().orElse(null);
        String base = "/api/v1/users/" + userId + "/ledger?asset=" + asset.code() + "&limit=" + limit;
        Replies.json(ctx, json, 200, new Views.LedgerPage(userId, asset.code(), entries, next, nextUrl(base, next)));
    }

    private void trades(Context ctx) {
        long userId = RequestBody.userIdText(ctx.pathParam("id"), "user id");
        Gatekeeper.caller(ctx).checkMayRead(userId);
        int limit = limit(ctx.queryParam("limit"));
        String cursor = cursor(ctx.queryParam("cursor"));
        History.Page<History.UserTrade> page = call(store -> store.trades(userId, limit, cursor));
        List<Views.UserTradeView> trades = page.rows().stream().map(trade -> {
            int paidScale = scaleOf(trade.paidAsset());
            int receivedScale = scaleOf(trade.receivedAsset());
            return new Views.UserTradeView(trade.tradeId(), trade.side(), trade.status(), trade.paidAsset(),
                    amount(trade.paidQty(), paidScale), trade.receivedAsset(), amount(trade.receivedQty(), receivedScale),
                    amount(trade.fee(), receivedScale), amount(trade.refundedQty(), paidScale),
                    text(trade.debitedAt()), text(trade.creditedAt()), text(trade.refundedAt()));
        }).toList();
        String next = page.next().orElse(null);
        String base = "/api/v1/users/" + userId + "/trades?limit=" + limit;
        Replies.json(ctx, json, 200, new Views.UserTrades(userId, trades, next, nextUrl(base, next)));
    }

    private interface Query<T> {
        History.Page<T> run(History store);
    }

    private <T> History.Page<T> call(Query<T> query) {
        History store = store();
        return guarded(() -> query.run(store));
    }

    private History store() {
        return history.orElseThrow(() -> new ApiError(ErrorCode.HISTORY_UNAVAILABLE,
                "no history store is configured on this instance (the ScyllaDB sink is off)"));
    }

    /** The store's failures as API errors: a refused cursor is the caller's (400), anything else the store's (503). */
    private static <T> T guarded(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (History.InvalidCursorException e) {
            throw new ApiError(ErrorCode.INVALID_CURSOR, "cursor was not issued by this query: " + e.getMessage(), e);
        } catch (History.UnavailableException e) {
            throw new ApiError(ErrorCode.HISTORY_UNAVAILABLE, "the history store did not answer: " + e.getMessage(), e);
        }
    }

    private Asset asset(String code) {
        if (code == null || code.isBlank()) {
            throw new ApiError(ErrorCode.UNKNOWN_ASSET, "query parameter asset is missing (e.g. ?asset=BTC), configured: " + assets);
        }
        return assets.byCode(code.trim().toUpperCase(Locale.ROOT)).orElseThrow(() -> new ApiError(ErrorCode.UNKNOWN_ASSET,
                "unknown asset \"" + RequestBody.abbreviate(code) + "\", configured: " + assets));
    }

    static int limit(String text) {
        if (text == null) {
            return LIMIT_DEFAULT;
        }
        try {
            int limit = Integer.parseInt(text.trim());
            if (limit >= 1 && limit <= History.PAGE_SIZE_MAX) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiError(ErrorCode.INVALID_LIMIT, "limit must be an integer 1.." + History.PAGE_SIZE_MAX
                + ", was \"" + RequestBody.abbreviate(text) + '"');
    }

    static String cursor(String text) {
        if (text == null) {
            return null;
        }
        if (!CURSOR.matcher(text).matches()) {
            throw new ApiError(ErrorCode.INVALID_CURSOR, "cursor must be the next_cursor of a previous page");
        }
        return text;
    }

    /** Scale of an asset named by code in the history; one no longer configured shows in minor units. */
    private int scaleOf(String code) {
        return code == null ? 0 : assets.byCode(code).map(Asset::scale).orElse(0);
    }

    private static String amount(Long minor, int scale) {
        return minor == null ? null : Amounts.format(minor, scale);
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private static String nextUrl(String base, String next) {
        return next == null ? null : base + "&cursor=" + URLEncoder.encode(next, StandardCharsets.UTF_8);
    }
}
