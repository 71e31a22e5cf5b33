package io.settlement.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.CommandKind;
import io.settlement.avro.DepositConfirmed;
import io.settlement.avro.DepositInitiated;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;

/**
 * The wallet service's routes, as the PoC wallet called them (docs/http-api.md):
 * {@code POST /wallet/deposit} and {@code POST /wallet/deposit/confirm}, a service token only.
 * Each publishes one balance operation whose command and deposit id is the transaction id, and
 * answers 202 with the {@code /api/v1/commands/...} status URL of {@link V1Routes}.
 */
final class WalletCompatRoutes {
    private final CommandIntake intake;
    private final Assets assets;
    private final ObjectMapper json;

    WalletCompatRoutes(CommandIntake intake, Assets assets, ObjectMapper json) {
        this.intake = intake;
        this.assets = assets;
        this.json = json;
    }

    void register(RoutesConfig routes) {
        routes.post("/wallet/deposit", this::deposit);
        routes.post("/wallet/deposit/confirm", this::confirmDeposit);
    }

    private void deposit(Context ctx) {
        Gatekeeper.caller(ctx).checkService("a deposit");
        RequestBody body = RequestBody.parse(json, ctx.body()).onlyFields("user_id", "currency", "amount", "transaction_id");
        long userId = body.userId("user_id");
        Asset asset = body.asset("currency", assets);
        long amount = body.amount("amount", asset);
        String transactionId = body.id("transaction_id");
        BalanceOperation operation = new BalanceOperation(transactionId, userId, CommandIntake.now(),
                new DepositInitiated(transactionId, asset.code(), amount));
        submitDeposit(ctx, CommandKind.DEPOSIT_INITIATED, operation);
    }

    private void confirmDeposit(Context ctx) {
        Gatekeeper.caller(ctx).checkService("a deposit confirmation");
        RequestBody body = RequestBody.parse(json, ctx.body()).onlyFields("user_id", "transaction_id");
        long userId = body.userId("user_id");
        String transactionId = body.id("transaction_id");
        BalanceOperation operation = new BalanceOperation(transactionId, userId, CommandIntake.now(),
                new DepositConfirmed(transactionId));
        submitDeposit(ctx, CommandKind.DEPOSIT_CONFIRMED, operation);
    }

    private void submitDeposit(Context ctx, CommandKind kind, BalanceOperation operation) {
        CommandIntake.Submission outcome = intake.submitBalanceOperation(kind, operation);
        String statusUrl = V1Routes.commandStatusUrl(kind, operation.getCommandId(), operation.getUserId());
        ctx.header("Location", statusUrl);
        V1Routes.acceptedHeaders(ctx, outcome, new WrittenCommand(kind, operation.getUserId(), operation.getCommandId()));
        Replies.json(ctx, json, 202, new Views.DepositAccepted(operation.getCommandId(), operation.getCommandId(),
                kind.name(), "PENDING", statusUrl));
    }
}
