package io.settlement.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.settlement.avro.CommandKind;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeState;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.contract.CommandKeys;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code /api/v1/...} routes (docs/http-api.md): lookups over the stores and the transfers
 * clients may submit. The history and liabilities routes of the same surface are
 * {@link HistoryRoutes} and {@link LiabilitiesRoutes}; the wallet service's deposits are
 * {@link WalletCompatRoutes}, and the original gateway's routes (two of them under
 * {@code /api/v1/user/}) {@link GatewayCompatRoutes}.
 */
final class V1Routes {
    static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
    /** {@code user_id:id} after the kind in a {@code KIND:user_id:id} key. */
    private static final Pattern USER_QUALIFIED = Pattern.compile("([0-9]{1,19}):(.+)");

    private final Lookups lookups;
    private final CommandIntake intake;
    private final HistoryRoutes history;
    private final Assets assets;
    private final ObjectMapper json;

    V1Routes(Lookups lookups, CommandIntake intake, HistoryRoutes history, Assets assets, ObjectMapper json) {
        this.lookups = lookups;
        this.intake = intake;
        this.history = history;
        this.assets = assets;
        this.json = json;
    }

    void register(RoutesConfig routes) {
        routes.get("/api/v1/users/{id}/balances", this::balances);
        routes.get("/api/v1/transfers/{request_id}", this::transfer);
        routes.get("/api/v1/trades/{trade_id}", this::trade);
        routes.get("/api/v1/commands/{kind}/{id}", this::commandByKind);
        routes.get("/api/v1/commands/{key}", this::commandByKey);
        routes.post("/api/v1/transfers", this::submitTransfer);
    }

    /** Names the user too, so the URL works for a service token as well as for the user's own. */
    static String transferStatusUrl(String requestId, long userId) {
        return "/api/v1/transfers/" + requestId + "?user_id=" + userId;
    }

    static String commandStatusUrl(CommandKind kind, String id, long userId) {
        return "/api/v1/commands/" + kind.name() + "/" + id + "?user_id=" + userId;
    }

    /**
     * The user a status lookup is about: a user token's own id (a {@code user_id} parameter
     * naming another user is 404), or the {@code user_id} parameter a service or operator token
     * must give. Client-chosen ids are unique only per user, so a lookup is always keyed by one.
     */
    static long lookupUser(Context ctx) {
        Caller caller = Gatekeeper.caller(ctx);
        String param = ctx.queryParam("user_id");
        if (param != null) {
            long userId = RequestBody.userIdText(param, "user_id");
            caller.checkMayRead(userId);
            return userId;
        }
        return caller.userId().orElseThrow(() -> new ApiError(ErrorCode.INVALID_USER_ID,
                "a " + caller.role().name().toLowerCase(Locale.ROOT) + " token names the user: ?user_id=<id>"));
    }

    /**
     * The live balances from the owner's store; with {@code as_of}, the balances then, from the
     * history store (any instance answers, nothing is forwarded).
     */
    private void balances(Context ctx) {
        long userId = RequestBody.userIdText(ctx.pathParam("id"), "user id");
        Gatekeeper.caller(ctx).checkMayRead(userId);
        String asOf = ctx.queryParam("as_of");
        if (asOf != null) {
            history.balancesAsOf(ctx, userId, asOf);
            return;
        }
        lookups.balances(ctx, userId, accounts -> {
            List<Views.WalletBalance> balances = accounts.stream()
                    .map(account -> {
                        int scale = account.asset().scale();
                        return new Views.WalletBalance(account.wallet().name(), account.asset().code(),
                                Amounts.format(account.balance().available(), scale),
                                Amounts.format(account.balance().frozen(), scale),
                                Amounts.format(account.balance().pending(), scale),
                                account.balance().seq());
                    })
                    .toList();
            Replies.json(ctx, json, 200, new Views.UserBalances(userId, balances));
        });
    }

    private void transfer(Context ctx) {
        String requestId = RequestBody.checkLookupId(ctx.pathParam("request_id"), "request_id");
        long userId = lookupUser(ctx);
        String key = CommandKeys.of(CommandKind.INTERNAL_TRANSFER, userId, requestId);
        lookups.commandStatus(ctx, key,
                result -> Replies.json(ctx, json, 200, new Views.TransferStatus(requestId, result.getStatus().name(),
                        result.getReason() == null ? null : result.getReason().name(), result.getDetail(),
                        result.getUserId(), String.valueOf(result.getProcessedAt()), transferStatusUrl(requestId, userId))),
                () -> pendingOrNotFound(key, () -> Replies.json(ctx, json, 200,
                        new Views.TransferStatus(requestId, "PENDING", null, null, null, null, transferStatusUrl(requestId, userId)))));
    }

    private void trade(Context ctx) {
        String tradeId = RequestBody.checkLookupId(ctx.pathParam("trade_id"), "trade_id");
        Caller caller = Gatekeeper.caller(ctx);
        lookups.trade(ctx, tradeId, state -> {
            caller.userId().ifPresent(userId -> {
                if (state.getTrade().getBuyer().getUserId() != userId && state.getTrade().getSeller().getUserId() != userId) {
                    throw new ApiError(ErrorCode.NOT_FOUND, "no trade " + tradeId);
                }
            });
            Replies.json(ctx, json, 200, tradeStatus(state));
        });
    }

    private Views.TradeStatus tradeStatus(TradeState state) {
        Trade trade = state.getTrade();
        SettlementResult result = state.getResult();
        return new Views.TradeStatus(trade.getTradeId(), state.getStatus().name(),
                state.getReason() == null ? null : state.getReason().name(), state.getDetail(),
                trade.getBuyer().getUserId(), trade.getSeller().getUserId(), trade.getSymbol(),
                trade.getBaseAsset(), trade.getQuoteAsset(),
                Amounts.format(trade.getBaseQty(), scaleOf(trade.getBaseAsset())),
                Amounts.format(trade.getQuoteQty(), scaleOf(trade.getQuoteAsset())),
                new Views.TradeLegs(state.getBuyerDebit().name(), state.getSellerDebit().name(),
                        state.getBuyerCredit().name(), state.getSellerCredit().name(),
                        state.getBuyerRefund().name(), state.getSellerRefund().name()),
                String.valueOf(state.getReceivedAt()), String.valueOf(state.getUpdatedAt()),
                result == null ? null : String.valueOf(result.getProcessedAt()));
    }

    /** A trade naming an asset that is not configured (it is REJECTED UNKNOWN_ASSET) shows its quantities in minor units. */
    private int scaleOf(String assetCode) {
        return assets.byCode(assetCode).map(Asset::scale).orElse(0);
    }

    private void commandByKind(Context ctx) {
        CommandKind kind = kindOf(ctx.pathParam("kind"));
        String id = RequestBody.checkLookupId(ctx.pathParam("id"), "id");
        commandStatus(ctx, kind, id, null);
    }

    /** {@code KIND:id} in one segment; an id without a kind is ambiguous (ids are unique only per kind). */
    private void commandByKey(Context ctx) {
        String key = ctx.pathParam("key");
        int colon = key.indexOf(':');
        if (colon <= 0) {
            throw new ApiError(ErrorCode.UNQUALIFIED_COMMAND_ID, "command ids are unique only within their kind: ask for KIND:id"
                    + " (e.g. INTERNAL_TRANSFER:" + RequestBody.abbreviate(key) + ") or /api/v1/commands/{kind}/{id}");
        }
        CommandKind kind = kindOf(key.substring(0, colon));
        String rest = key.substring(colon + 1);
        Matcher qualified = USER_QUALIFIED.matcher(rest);
        if (kind != CommandKind.TRADE && qualified.matches()) {
            long userId = RequestBody.userIdText(qualified.group(1), "user id");
            Gatekeeper.caller(ctx).checkMayRead(userId);
            commandStatus(ctx, kind, RequestBody.checkLookupId(qualified.group(2), "id"), userId);
            return;
        }
        commandStatus(ctx, kind, RequestBody.checkLookupId(rest, "id"), null);
    }

    /** A trade is {@code TRADE:trade_id}; any other kind is {@code KIND:user_id:id}, its user given or taken from the caller. */
    private void commandStatus(Context ctx, CommandKind kind, String id, Long givenUser) {
        String key;
        if (kind == CommandKind.TRADE) {
            Gatekeeper.caller(ctx).checkServiceOrOperator("a trade's command status (users read /api/v1/trades/{trade_id})");
            key = CommandKeys.of(kind, id);
        } else {
            key = CommandKeys.of(kind, givenUser != null ? givenUser : lookupUser(ctx), id);
        }
        lookups.commandStatus(ctx, key,
                result -> Replies.json(ctx, json, 200, Views.CommandStatus.of(key, result)),
                () -> pendingOrNotFound(key, () -> Replies.json(ctx, json, 200, Views.CommandStatus.pending(key, kind.name(), id))));
    }

    private void submitTransfer(Context ctx) {
        RequestBody body = RequestBody.parse(json, ctx.body())
                .onlyFields("request_id", "user_id", "from_wallet", "to_wallet", "asset", "amount");
        long userId = body.userId("user_id");
        Wallet from = body.wallet("from_wallet");
        Wallet to = body.wallet("to_wallet");
        Asset asset = body.asset("asset", assets);
        long amount = body.amount("amount", asset);
        Gatekeeper.caller(ctx).checkMaySubmitFor(userId);
        if (from == to) {
            throw new ApiError(ErrorCode.SAME_WALLET, "from_wallet and to_wallet are both " + from);
        }
        Optional<String> clientRequestId = body.has("request_id") ? Optional.of(body.id("request_id")) : Optional.empty();
        String requestId = CommandIntake.requestIdFor(clientRequestId, idempotencyKey(ctx), userId);
        TransferRequest request = new TransferRequest(requestId, userId, from, to, asset.code(), amount, CommandIntake.now());
        CommandIntake.Submission outcome = intake.submitTransfer(request);
        ctx.header("Location", transferStatusUrl(requestId, userId));
        acceptedHeaders(ctx, outcome, new WrittenCommand(CommandKind.INTERNAL_TRANSFER, userId, requestId));
        Replies.json(ctx, json, 202, new Views.Accepted(requestId, "PENDING", transferStatusUrl(requestId, userId)));
    }

    /** A 202's headers: the command's key (for read-your-writes lookups), and whether it was published before. */
    static void acceptedHeaders(Context ctx, CommandIntake.Submission outcome, WrittenCommand command) {
        ctx.header(WrittenCommand.RESPONSE_HEADER, command.key());
        if (outcome == CommandIntake.Submission.ALREADY_SUBMITTED) {
            ctx.header("Idempotent-Replayed", "true");
        }
    }

    private void pendingOrNotFound(String key, Runnable pending) {
        if (!intake.submittedHere(key)) {
            throw new ApiError(ErrorCode.NOT_FOUND, "no result for " + key);
        }
        pending.run();
    }

    static Optional<String> idempotencyKey(Context ctx) {
        return Optional.ofNullable(ctx.header(IDEMPOTENCY_KEY_HEADER)).map(RequestBody::checkIdempotencyKey);
    }

    static CommandKind kindOf(String text) {
        try {
            return CommandKind.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiError(ErrorCode.UNKNOWN_KIND, "unknown command kind \"" + RequestBody.abbreviate(text) + "\"");
        }
    }
}
