package io.settlement.http;

import io.javalin.http.Context;
import io.settlement.avro.AccountType;
import io.settlement.avro.CommandKind;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeState;
import io.settlement.avro.Wallet;
import io.settlement.topology.Asset;
import io.settlement.topology.Assets;
import io.settlement.topology.StoreNames;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import io.settlement.topology.balance.RememberedCommand;
import io.settlement.topology.status.CommandStatuses;
import io.settlement.topology.trade.RetiredTrade;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads the topology's stores for the routes, wherever the key lives ({@link StoreLookup}):
 * a user's accounts from {@code balances} (prefix scan by user id) and a command's first result
 * from the {@code commands} store of its user (one get by {@code KIND:user_id:id}; a trade's from
 * the coordinator's stores). Every read sees committed state only;
 * an answer from a standby replica is marked stale ({@link StoreLookup}).
 */
final class Lookups {
    /** One user account of the balances store, with its asset resolved. */
    record AccountBalance(Wallet wallet, Asset asset, Balance balance) {}

    private final StoreLookup lookup;
    private final Assets assets;

    Lookups(StoreLookup lookup, Assets assets) {
        this.lookup = lookup;
        this.assets = assets;
    }

    /** Answers with {@code render} of every FUNDING and SPOT account of {@code userId} (empty if none). */
    void balances(Context ctx, long userId, Consumer<List<AccountBalance>> render) {
        lookup.answer(ctx, StoreNames.BALANCES, userId, new LongSerializer(), read -> {
            ReadOnlyKeyValueStore<BalanceKey, Balance> store = lookup.localStore(StoreNames.BALANCES, read);
            List<AccountBalance> accounts = new ArrayList<>();
            try (KeyValueIterator<BalanceKey, Balance> iterator = store.prefixScan(userId, new LongSerializer())) {
                while (iterator.hasNext()) {
                    var entry = iterator.next();
                    BalanceKey key = entry.key;
                    if (key.ownerId() != userId) {
                        throw new IllegalStateException("prefix scan for user " + userId + " returned " + key);
                    }
                    Wallet wallet = walletOf(key.type());
                    if (wallet != null) {
                        accounts.add(new AccountBalance(wallet, assetOf(key.assetId()), entry.value));
                    }
                }
            }
            render.accept(accounts);
        }, null);
    }

    /**
     * Answers with {@code render} of the first result of the command under {@code commandKey}
     * ({@code KIND:user_id:id}, or {@code TRADE:trade_id}), read where the topology keeps it
     * ({@link CommandStatuses}): the {@code commands} store of the user's partition, or the trade
     * coordinator's {@code trades} and {@code trade-ids}. When there is none, {@code notFound} runs
     * (it may answer "pending" for an id this instance submitted) or, if null, the answer is 404
     * NOT_FOUND.
     */
    void commandStatus(Context ctx, String commandKey, Consumer<SettlementResult> render, Runnable notFound) {
        // The key is always built by CommandKeys: KIND:user_id:id, or TRADE:trade_id.
        int colon = commandKey.indexOf(':');
        CommandKind kind = CommandKind.valueOf(commandKey.substring(0, colon));
        if (kind == CommandKind.TRADE) {
            String tradeId = commandKey.substring(colon + 1);
            lookup.answer(ctx, StoreNames.TRADES, tradeId, new StringSerializer(), read -> {
                ReadOnlyKeyValueStore<String, TradeState> trades = lookup.localStore(StoreNames.TRADES, read);
                ReadOnlyKeyValueStore<String, RetiredTrade> retired = lookup.localStore(StoreNames.TRADE_IDS, read);
                render(CommandStatuses.ofTrade(tradeId, trades.get(tradeId), retired.get(tradeId)), commandKey, render);
            }, notFound);
            return;
        }
        int second = commandKey.indexOf(':', colon + 1);
        long userId = Long.parseLong(commandKey.substring(colon + 1, second));
        String id = commandKey.substring(second + 1);
        lookup.answer(ctx, StoreNames.COMMANDS, userId, new LongSerializer(), read -> {
            ReadOnlyKeyValueStore<String, RememberedCommand> commands = lookup.localStore(StoreNames.COMMANDS, read);
            RememberedCommand remembered = commands.get(commandKey);
            render(remembered == null ? null : CommandStatuses.ofCommand(remembered, kind, userId, id), commandKey, render);
        }, notFound);
    }

    private static void render(SettlementResult result, String commandKey, Consumer<SettlementResult> render) {
        if (result == null) {
            throw new ApiError(ErrorCode.NOT_FOUND, "no result for " + commandKey);
        }
        render.accept(result);
    }

    /**
     * Answers with {@code render} of the trade coordinator's state of {@code tradeId} (store
     * {@code trades}, keyed by the trade id like its source topics, the {@code trades-by-id}
     * repartition topic and settlement.internal.leg-results: both String keys, UTF-8, default
     * partitioner); 404 NOT_FOUND when the coordinator does not know it (never received, or
     * forgotten after the command retention).
     */
    void trade(Context ctx, String tradeId, Consumer<TradeState> render) {
        lookup.answer(ctx, StoreNames.TRADES, tradeId, new StringSerializer(), read -> {
            ReadOnlyKeyValueStore<String, TradeState> store = lookup.localStore(StoreNames.TRADES, read);
            TradeState state = store.get(tradeId);
            if (state == null) {
                throw new ApiError(ErrorCode.NOT_FOUND, "no trade " + tradeId);
            }
            render.accept(state);
        }, null);
    }

    private static Wallet walletOf(AccountType type) {
        switch (type) {
            case FUNDING:
                return Wallet.FUNDING;
            case SPOT:
                return Wallet.SPOT;
            default:
                return null; // system accounts never sit under a user id
        }
    }

    /** An asset id no longer configured still shows, in minor units (scale 0) under "#id". */
    private Asset assetOf(int assetId) {
        return assets.byId(assetId).orElseGet(() -> new Asset("#" + assetId, assetId, 0));
    }
}
