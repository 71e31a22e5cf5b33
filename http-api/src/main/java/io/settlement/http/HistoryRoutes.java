package io.settlement.http;

import io.settlement.sink.History;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
 */
final class HistoryRoutes {
    /** The page size when the request names none. */
    static final int LIMIT_DEFAULT = 50;
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
    }

    private void ledger(Context ctx) {
        long userId = RequestBody.userIdText(ctx.pathParam("id"), "user id");
        Gatekeeper.caller(ctx).checkMayRead(userId);
        Asset asset = asset(ctx.queryParam("asset"));
        int limit = limit(ctx.queryParam("limit"));
        String cursor = cursor(ctx.queryParam("cursor"));
        History.Page<History.LedgerLine> page = call(store -> store.ledger(userId, asset.id(), limit, cursor));
        List<Views.LedgerEntry> entries = page.rows().stream().map(line -> {
            int scale = asset.scale();
            return new Views.LedgerEntry(line.wallet(), line.seq(), Amounts.format(line.available(), scale),
                    Amounts.format(line.frozen(), scale), Amounts.format(line.pending(), scale),
                    Amounts.format(line.deltaAvailable(), scale), Amounts.format(line.deltaFrozen(), scale),
                    Amounts.format(line.deltaPending(), scale), line.eventType(), line.causeCommandId(), line.entryId(),
                    text(line.createdAt()));
        }).toList();
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
        History store = history.orElseThrow(() -> new ApiError(ErrorCode.HISTORY_UNAVAILABLE,
                "no history store is configured on this instance (the ScyllaDB sink is off)"));
        try {
            return query.run(store);
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
