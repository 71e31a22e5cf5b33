package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.settlement.avro.AccountType;
import io.settlement.avro.BalanceEvent;
import io.settlement.avro.CommandKind;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.Posting;
import io.settlement.avro.SettlementResult;
import io.settlement.contract.BalanceEvents;
import io.settlement.contract.CommandKeys;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns the settlement core's output records into the sink's upserts (prepared once per session),
 * so that every table ends the same whatever order the records arrive in and however often:
 *
 * <ul>
 *   <li>a {@link BalanceEvent} (from {@code balance.events}, or derived from a journal entry's
 *       balances, {@link BalanceEvents#of}: the same rows either way) becomes a {@code balance_ledger} row, a {@code balance_as_of} row
 *       (the same change keyed by account, for reads as of an instant) and the {@code user_balances}
 *       row written {@code USING TIMESTAMP seq}, so the event with the highest seq wins;</li>
 *   <li>an INTERNAL_TRANSFER {@link JournalEntry} fills what moved in {@code user_transfers} (keyed by user and request id);
 *       a TRADE entry (one per leg, id {@code TRADE:<trade_id>/<SIDE>/<PHASE>}) fills its side's
 *       columns in {@code settled_trades} and the user's row in {@code trades_by_user}; the other
 *       entries only add their balance rows;</li>
 *   <li>a {@link SettlementResult} becomes its {@code command_results} row and the outcome columns
 *       of {@code user_transfers} or {@code settled_trades}, all written with a timestamp that
 *       falls as {@code processed_at} rises ({@link #firstResultWins}): the first result of a key
 *       wins, as a status lookup answers it, even when a later ID_CONFLICT arrives first.</li>
 * </ul>
 *
 * Columns filled from the journal are never written from a result and the other way round, so
 * their writes cannot overwrite each other.
 */
public final class TableWrites {
    /**
     * The write timestamp of a result is this minus its {@code processed_at} in milliseconds: about
     * 2^42 ms is the year 2109, and the timestamps stay in the past (ScyllaDB refuses timestamps
     * far in the future), in microseconds about February 1970.
     */
    static final long FIRST_RESULT_WINS_EPOCH_MS = 1L << 42;

    private static final String TRADE_ENTRY_PREFIX = "TRADE:";

    private final PreparedStatement ledgerLine;
    private final PreparedStatement accountLine;
    private final PreparedStatement userBalance;
    private final PreparedStatement commandResult;
    private final PreparedStatement transferMoved;
    private final PreparedStatement transferOutcome;
    private final PreparedStatement buyerDebit;
    private final PreparedStatement sellerDebit;
    private final PreparedStatement buyerCredit;
    private final PreparedStatement sellerCredit;
    private final PreparedStatement buyerRefund;
    private final PreparedStatement sellerRefund;
    private final PreparedStatement tradeOutcome;
    private final PreparedStatement userTradeDebit;
    private final PreparedStatement userTradeCredit;
    private final PreparedStatement userTradeRefund;

    public TableWrites(CqlSession session, String keyspace) {
        String k = keyspace + ".";
        ledgerLine = session.prepare("INSERT INTO " + k + "balance_ledger (user_id, asset_id, created_at, wallet, seq, asset,"
                + " available, frozen, pending, delta_available, delta_frozen, delta_pending, event_type, cause_command_id,"
                + " entry_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        accountLine = session.prepare("INSERT INTO " + k + "balance_as_of (user_id, asset_id, wallet, created_at, seq, asset,"
                + " available, frozen, pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        userBalance = session.prepare("INSERT INTO " + k + "user_balances (user_id, wallet, asset_id, asset, available,"
                + " frozen, pending, seq, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?");
        commandResult = session.prepare("INSERT INTO " + k + "command_results (command_key, kind, command_id, user_id,"
                + " status, reason, detail, command_time, processed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?");
        transferMoved = session.prepare("UPDATE " + k + "user_transfers SET from_wallet = ?, to_wallet = ?, asset = ?,"
                + " amount = ?, entry_id = ? WHERE user_id = ? AND request_id = ?");
        transferOutcome = session.prepare("UPDATE " + k + "user_transfers USING TIMESTAMP ? SET status = ?,"
                + " error = ?, detail = ?, created_at = ?, updated_at = ? WHERE user_id = ? AND request_id = ?");
        // The buyer pays the quote asset and receives the base asset; the seller the reverse.
        String trade = "UPDATE " + k + "settled_trades SET ";
        buyerDebit = session.prepare(trade + "buyer_id = ?, quote_asset = ?, quote_qty = ? WHERE trade_id = ?");
        sellerDebit = session.prepare(trade + "seller_id = ?, base_asset = ?, base_qty = ? WHERE trade_id = ?");
        buyerCredit = session.prepare(trade + "buyer_id = ?, base_asset = ?, base_qty = ?, buyer_fee = ? WHERE trade_id = ?");
        sellerCredit = session.prepare(trade + "seller_id = ?, quote_asset = ?, quote_qty = ?, seller_fee = ? WHERE trade_id = ?");
        buyerRefund = session.prepare(trade + "buyer_id = ?, buyer_refund = ? WHERE trade_id = ?");
        sellerRefund = session.prepare(trade + "seller_id = ?, seller_refund = ? WHERE trade_id = ?");
        tradeOutcome = session.prepare("UPDATE " + k + "settled_trades USING TIMESTAMP ? SET status = ?, reason = ?,"
                + " detail = ?, executed_at = ?, processed_at = ? WHERE trade_id = ?");
        userTradeDebit = session.prepare("UPDATE " + k + "trades_by_user SET paid_asset = ?, paid_qty = ?, debited_at = ?"
                + " WHERE user_id = ? AND trade_id = ? AND side = ?");
        userTradeCredit = session.prepare("UPDATE " + k + "trades_by_user SET received_asset = ?, received_qty = ?, fee = ?,"
                + " credited_at = ? WHERE user_id = ? AND trade_id = ? AND side = ?");
        userTradeRefund = session.prepare("UPDATE " + k + "trades_by_user SET refunded_qty = ?, refunded_at = ?"
                + " WHERE user_id = ? AND trade_id = ? AND side = ?");
    }

    public List<RowWrite> forEvent(BalanceEvent event) {
        if (event.getSeq() <= 0) {
            throw new IllegalStateException("balance event with seq " + event.getSeq() + " (seq counts from 1): " + event);
        }
        String wallet = event.getWallet().name();
        Object ledgerPartition = List.of(event.getUserId(), event.getAssetId());
        return List.of(
                new RowWrite("balance_ledger", ledgerPartition, ledgerLine.bind(event.getUserId(), event.getAssetId(),
                        event.getCreatedAt(), wallet, event.getSeq(), event.getAsset(), event.getAvailable(), event.getFrozen(),
                        event.getPending(), event.getDeltaAvailable(), event.getDeltaFrozen(), event.getDeltaPending(),
                        event.getCauseKind().name(), event.getCauseCommandId(), event.getEntryId())),
                new RowWrite("balance_as_of", List.of(event.getUserId(), event.getAssetId(), wallet), accountLine.bind(
                        event.getUserId(), event.getAssetId(), wallet, event.getCreatedAt(), event.getSeq(), event.getAsset(),
                        event.getAvailable(), event.getFrozen(), event.getPending())),
                new RowWrite("user_balances", event.getUserId(), userBalance.bind(event.getUserId(), wallet,
                        event.getAssetId(), event.getAsset(), event.getAvailable(), event.getFrozen(), event.getPending(),
                        event.getSeq(), event.getCreatedAt(), event.getSeq())));
    }

    /**
     * The rows of a journal entry: the balance history of each user account it moved (the same rows
     * as its balance event, {@link BalanceEvents#of}; none for an entry written before balances
     * were journaled, whose events carry them), and what a transfer or a trade leg moved.
     */
    public List<RowWrite> forEntry(JournalEntry entry) {
        List<RowWrite> writes = new ArrayList<>();
        for (BalanceEvent event : BalanceEvents.of(entry)) {
            writes.addAll(forEvent(event));
        }
        if (entry.getKind() == CommandKind.INTERNAL_TRANSFER) {
            writes.addAll(forTransferEntry(entry));
        } else if (entry.getKind() == CommandKind.TRADE) {
            writes.addAll(forTradeEntry(entry));
        }
        return writes;
    }

    public List<RowWrite> forResult(SettlementResult result) {
        long timestamp = firstResultWins(result.getProcessedAt());
        String reason = result.getReason() == null ? null : result.getReason().name();
        String status = result.getStatus().name();
        List<RowWrite> writes = new ArrayList<>();
        String key = CommandKeys.of(result);
        writes.add(new RowWrite("command_results", key, commandResult.bind(key, result.getKind().name(),
                result.getCommandId(), result.getUserId(), status, reason, result.getDetail(), result.getCommandTime(),
                result.getProcessedAt(), timestamp)));
        // An empty id cannot be a partition key; such a command (MISSING_ID) is only in command_results.
        if (!result.getCommandId().isEmpty()) {
            if (result.getKind() == CommandKind.INTERNAL_TRANSFER) {
                writes.add(new RowWrite("user_transfers", result.getUserId(), transferOutcome.bind(timestamp,
                        status, reason, result.getDetail(), result.getCommandTime(),
                        result.getProcessedAt(), result.getUserId(), result.getCommandId())));
            } else if (result.getKind() == CommandKind.TRADE) {
                writes.add(new RowWrite("settled_trades", result.getCommandId(), tradeOutcome.bind(timestamp, status, reason,
                        result.getDetail(), result.getCommandTime(), result.getProcessedAt(), result.getCommandId())));
            }
        }
        return writes;
    }

    /** The write timestamp of a result's columns: earlier {@code processed_at}, higher timestamp. */
    static long firstResultWins(Instant processedAt) {
        long processedMs = processedAt.toEpochMilli();
        if (processedMs < 0 || processedMs >= FIRST_RESULT_WINS_EPOCH_MS) {
            throw new IllegalStateException("processed_at out of range: " + processedAt);
        }
        return FIRST_RESULT_WINS_EPOCH_MS - processedMs;
    }

    private List<RowWrite> forTransferEntry(JournalEntry entry) {
        if (entry.getPostings().size() != 1) {
            throw new IllegalStateException("a transfer's journal entry has one posting: " + entry);
        }
        Posting posting = entry.getPostings().get(0);
        return List.of(new RowWrite("user_transfers", entry.getUserId(), transferMoved.bind(
                posting.getDebit().getType().name(), posting.getCredit().getType().name(), posting.getAsset(),
                posting.getAmount(), entry.getEntryId(), entry.getUserId(), entry.getCommandId())));
    }

    /** A trade leg's entry, {@code TRADE:<trade_id>/<SIDE>/<PHASE>}: that side's columns of the trade and of the user's row. */
    private List<RowWrite> forTradeEntry(JournalEntry entry) {
        Optional<TradeLegId> leg = TradeLegId.parse(entry.getEntryId());
        if (leg.isEmpty()) {
            throw new IllegalStateException("a TRADE journal entry whose id is not TRADE:<trade_id>/<SIDE>/<PHASE>: " + entry);
        }
        String tradeId = leg.get().tradeId();
        boolean buyer = leg.get().buyer();
        String side = buyer ? "BUYER" : "SELLER";
        long userId = entry.getUserId();
        Posting first = entry.getPostings().get(0);
        String asset = first.getAsset();
        long gross = 0;
        long fee = 0;
        for (Posting posting : entry.getPostings()) {
            gross = Math.addExact(gross, posting.getAmount());
            if (posting.getCredit().getType() == AccountType.FEES) {
                fee = Math.addExact(fee, posting.getAmount());
            }
        }
        Object userPartition = userId;
        return switch (leg.get().phase()) {
            case "DEBIT" -> List.of(
                    new RowWrite("settled_trades", tradeId, (buyer ? buyerDebit : sellerDebit).bind(userId, asset, gross, tradeId)),
                    new RowWrite("trades_by_user", userPartition, userTradeDebit.bind(asset, gross, entry.getCreatedAt(),
                            userId, tradeId, side)));
            case "CREDIT" -> List.of(
                    new RowWrite("settled_trades", tradeId, (buyer ? buyerCredit : sellerCredit).bind(userId, asset, gross, fee,
                            tradeId)),
                    new RowWrite("trades_by_user", userPartition, userTradeCredit.bind(asset, gross, fee, entry.getCreatedAt(),
                            userId, tradeId, side)));
            case "REFUND" -> List.of(
                    new RowWrite("settled_trades", tradeId, (buyer ? buyerRefund : sellerRefund).bind(userId, gross, tradeId)),
                    new RowWrite("trades_by_user", userPartition, userTradeRefund.bind(gross, entry.getCreatedAt(),
                            userId, tradeId, side)));
            default -> throw new IllegalStateException("unknown trade leg phase in " + entry.getEntryId());
        };
    }

    /** The parts of a trade leg's entry id. */
    record TradeLegId(String tradeId, boolean buyer, String phase) {
        static Optional<TradeLegId> parse(String entryId) {
            if (!entryId.startsWith(TRADE_ENTRY_PREFIX)) {
                return Optional.empty();
            }
            int phaseSlash = entryId.lastIndexOf('/');
            int sideSlash = phaseSlash <= 0 ? -1 : entryId.lastIndexOf('/', phaseSlash - 1);
            if (sideSlash <= TRADE_ENTRY_PREFIX.length()) {
                return Optional.empty();
            }
            String side = entryId.substring(sideSlash + 1, phaseSlash);
            if (!side.equals("BUYER") && !side.equals("SELLER")) {
                return Optional.empty();
            }
            return Optional.of(new TradeLegId(entryId.substring(TRADE_ENTRY_PREFIX.length(), sideSlash),
                    side.equals("BUYER"), entryId.substring(phaseSlash + 1)));
        }
    }
}
