package io.settlement.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.settlement.avro.CommandKind;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.contract.CommandKeys;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The original gateway's routes, with its response shapes, so its clients keep working:
 * every answer is the envelope {@code {"status":0,"msg":"ok","data":...}}; an error is
 * {@code {"status":-1,"msg":"CODE: message","data":null}} plus this API's {@code code} and
 * {@code message} (and a proper HTTP status, where the original answered 200).
 * <p>
 * Units: the original's {@code avail}/{@code frozen} were whole units of the asset printed
 * without trailing zeros (its balance table held 910000000000 for {@code "avail":"9100"} BTC),
 * so they are decimal strings here too, in the shortest form ("9100", "0.5"). The balance shown
 * is the SPOT wallet (the original's trading account) unless {@code wallet=FUNDING} is asked.
 */
final class GatewayCompatRoutes {
    static final String PREFIX_BALANCE = "/api/user/";
    static final String PREFIX_TRANSFER = "/api/v1/user/";

    /** The original envelope. */
    record Envelope(int status, String msg, Object data) {
        static Envelope ok(Object data) {
            return new Envelope(0, "ok", data);
        }
    }

    /** The original envelope of an error, with this API's code and message beside it. */
    record ErrorEnvelope(int status, String msg, Object data, String code, String message) {
        static ErrorEnvelope of(ErrorCode code, String message) {
            return new ErrorEnvelope(-1, code.name() + ": " + message, null, code.name(), message);
        }
    }

    record AssetBalance(String asset, String avail, String frozen) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Account(String accountType, Long userId, String asset) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Transfer(String requestId, Account fromAccount, Account toAccount, String amount, String status,
                    Long userId, String reason, Long createdAt, Long processedAt) {}

    private final Lookups lookups;
    private final CommandIntake intake;
    private final Assets assets;
    private final ObjectMapper json;

    GatewayCompatRoutes(Lookups lookups, CommandIntake intake, Assets assets, ObjectMapper json) {
        this.lookups = lookups;
        this.intake = intake;
        this.assets = assets;
        this.json = json;
    }

    /** Whether {@code path} is one of these routes' (its errors then take the original envelope). */
    static boolean isGatewayPath(String path) {
        return path.startsWith(PREFIX_BALANCE) || path.startsWith(PREFIX_TRANSFER);
    }

    void register(RoutesConfig routes) {
        routes.get("/api/user/balance", this::balance);
        routes.post("/api/v1/user/internal_transfer", this::submitTransfer);
        routes.get("/api/v1/user/internal_transfer/{request_id}", this::transfer);
    }

    private void balance(Context ctx) {
        long userId = RequestBody.userIdText(ctx.queryParam("user_id"), "user_id");
        Gatekeeper.caller(ctx).checkMayRead(userId);
        String walletParam = ctx.queryParam("wallet");
        Wallet wallet = walletParam == null ? Wallet.SPOT : walletOf(walletParam, "wallet");
        lookups.balances(ctx, userId, accounts -> {
            List<AssetBalance> data = accounts.stream()
                    .filter(account -> account.wallet() == wallet)
                    .map(account -> new AssetBalance(account.asset().code(),
                            Amounts.formatShort(account.balance().available(), account.asset().scale()),
                            Amounts.formatShort(account.balance().frozen(), account.asset().scale())))
                    .toList();
            Replies.json(ctx, json, 200, Envelope.ok(data));
        });
    }

    /**
     * {@code {"from_account":{"account_type":"funding","asset":"USDT"},"to_account":{"account_type":"spot",
     * "user_id":3001,"asset":"USDT"},"amount":"1000"}}: the user is the one named on either side.
     */
    private void submitTransfer(Context ctx) {
        RequestBody body = RequestBody.parse(json, ctx.body()).onlyFields("from_account", "to_account", "amount", "request_id");
        RequestBody from = body.object("from_account").onlyFields("account_type", "user_id", "asset");
        RequestBody to = body.object("to_account").onlyFields("account_type", "user_id", "asset");
        Wallet fromWallet = walletOf(from.text("account_type", ErrorCode.UNKNOWN_WALLET), "from_account.account_type");
        Wallet toWallet = walletOf(to.text("account_type", ErrorCode.UNKNOWN_WALLET), "to_account.account_type");
        Asset asset = from.asset("asset", assets);
        Asset toAsset = to.asset("asset", assets);
        if (!asset.equals(toAsset)) {
            throw new ApiError(ErrorCode.ASSET_MISMATCH, "from_account.asset " + asset.code() + " != to_account.asset " + toAsset.code());
        }
        long userId = userOf(from, to);
        long amount = body.amount("amount", asset);
        Gatekeeper.caller(ctx).checkMaySubmitFor(userId);
        if (fromWallet == toWallet) {
            throw new ApiError(ErrorCode.SAME_WALLET, "from_account and to_account are both " + fromWallet);
        }
        Optional<String> clientRequestId = body.has("request_id") ? Optional.of(body.id("request_id")) : Optional.empty();
        String requestId = CommandIntake.requestIdFor(clientRequestId, V1Routes.idempotencyKey(ctx), userId);
        TransferRequest request = new TransferRequest(requestId, userId, fromWallet, toWallet, asset.code(), amount, CommandIntake.now());
        intake.submitTransfer(request);
        Replies.json(ctx, json, 200, Envelope.ok(new Transfer(requestId,
                new Account(fromWallet.name().toLowerCase(Locale.ROOT), userId, asset.code()),
                new Account(toWallet.name().toLowerCase(Locale.ROOT), userId, asset.code()),
                Amounts.format(amount, asset.scale()), "pending", userId, null,
                request.getCreatedAt().toEpochMilli(), null)));
    }

    private void transfer(Context ctx) {
        String requestId = RequestBody.checkLookupId(ctx.pathParam("request_id"), "request_id");
        String key = CommandKeys.of(CommandKind.INTERNAL_TRANSFER, V1Routes.lookupUser(ctx), requestId);
        lookups.commandStatus(ctx, key,
                result -> Replies.json(ctx, json, 200, Envelope.ok(view(requestId, result))),
                () -> {
                    if (!intake.submittedHere(key)) {
                        throw new ApiError(ErrorCode.NOT_FOUND, "transfer " + requestId + " not found");
                    }
                    Replies.json(ctx, json, 200, Envelope.ok(
                            new Transfer(requestId, null, null, null, "pending", null, null, null, null)));
                });
    }

    private static Transfer view(String requestId, SettlementResult result) {
        return new Transfer(requestId, null, null, null,
                result.getStatus() == ResultStatus.ACCEPTED ? "success" : "failed",
                result.getUserId(), result.getReason() == null ? null : result.getReason().name(),
                result.getCommandTime().toEpochMilli(), result.getProcessedAt().toEpochMilli());
    }

    private static long userOf(RequestBody from, RequestBody to) {
        Long fromUser = from.has("user_id") ? from.userId("user_id") : null;
        Long toUser = to.has("user_id") ? to.userId("user_id") : null;
        if (fromUser == null && toUser == null) {
            throw new ApiError(ErrorCode.INVALID_USER_ID, "from_account.user_id or to_account.user_id is required");
        }
        if (fromUser != null && toUser != null && !fromUser.equals(toUser)) {
            throw new ApiError(ErrorCode.INVALID_USER_ID, "a transfer moves between one user's wallets: user ids "
                    + fromUser + " and " + toUser + " differ");
        }
        return fromUser != null ? fromUser : toUser;
    }

    private static Wallet walletOf(String text, String field) {
        try {
            return Wallet.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiError(ErrorCode.UNKNOWN_WALLET, field + " must be funding or spot, was \"" + RequestBody.abbreviate(text) + '"');
        }
    }
}
