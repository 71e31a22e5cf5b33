package io.settlement.http;

import io.settlement.avro.SettlementResult;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the answers (snake_case on the wire). Amounts are decimal strings at the asset's scale. */
final class Views {
    private Views() {}

    /** {@code GET /api/v1/users/{id}/balances}. */
    record UserBalances(long userId, List<WalletBalance> balances) {}

    record WalletBalance(String wallet, String asset, String available, String frozen, String pending, long seq) {}

    /** The first result of any command, as the topology keeps it (docs/http-api.md, "GET /api/v1/commands/{kind}/{id}"). */
    record CommandStatus(String key, String kind, String commandId, Long userId, String status, String reason,
                         String detail, String commandTime, String processedAt) {
        static CommandStatus pending(String key, String kind, String commandId) {
            return new CommandStatus(key, kind, commandId, null, "PENDING", null, null, null, null);
        }

        static CommandStatus of(String key, SettlementResult result) {
            return new CommandStatus(key, result.getKind().name(), result.getCommandId(), result.getUserId(),
                    result.getStatus().name(), result.getReason() == null ? null : result.getReason().name(),
                    result.getDetail(), String.valueOf(result.getCommandTime()), String.valueOf(result.getProcessedAt()));
        }
    }

    /** {@code GET /api/v1/transfers/{request_id}}: PENDING until the result exists. */
    record TransferStatus(String requestId, String status, String reason, String detail, Long userId,
                          String processedAt, String statusUrl) {}

    /**
     * {@code GET /api/v1/trades/{trade_id}}: the coordinator's state. {@code processed_at} is the
     * result's time once final (null while PENDING); {@code reason} may be set while PENDING (a
     * refund is in flight, or a refused credit waits for an operator).
     */
    record TradeStatus(String tradeId, String status, String reason, String detail, long buyerUserId, long sellerUserId,
                       String symbol, String baseAsset, String quoteAsset, String baseQty, String quoteQty,
                       TradeLegs legs, String receivedAt, String updatedAt, String processedAt) {}

    /** Each leg's progress: NOT_SENT, SENT, ACCEPTED or REJECTED. */
    record TradeLegs(String buyerDebit, String sellerDebit, String buyerCredit, String sellerCredit,
                     String buyerRefund, String sellerRefund) {}

    /** {@code GET /api/v1/users/{id}/ledger}: one page, newest first; {@code next_cursor} null on the last page. */
    /** {@code GET /api/v1/users/{id}/balances?as_of=}: every account as it stood then, and up to when the history is complete. */
    record UserBalancesAsOf(long userId, String asOf, String completeUntil, List<BalanceAsOf> balances) {}

    record BalanceAsOf(String wallet, String asset, String available, String frozen, String pending, long seq, String changedAt) {}

    /** {@code GET /api/v1/users/{id}/balances/history}: one page of changes between two instants, oldest first. */
    record BalanceHistoryPage(long userId, String asset, String from, String to, List<LedgerEntry> changes, String nextCursor,
                              String nextUrl) {}
    /** {@code GET /api/v1/liabilities}: every stored snapshot's published summary, newest first. */
    record LiabilitySnapshots(List<com.fasterxml.jackson.databind.JsonNode> snapshots) {}

    record LedgerPage(long userId, String asset, List<LedgerEntry> entries, String nextCursor, String nextUrl) {}

    record LedgerEntry(String wallet, long seq, String available, String frozen, String pending, String deltaAvailable,
                       String deltaFrozen, String deltaPending, String eventType, String causeCommandId, String entryId,
                       String createdAt) {}

    /** {@code GET /api/v1/users/{id}/trades}: one page, by trade id descending. */
    record UserTrades(long userId, List<UserTradeView> trades, String nextCursor, String nextUrl) {}

    /** One side of a trade: {@code paid} in {@code paid_asset}, {@code received} (fee included) and {@code fee} in {@code received_asset}. */
    record UserTradeView(String tradeId, String side, String status, String paidAsset, String paid, String receivedAsset,
                         String received, String fee, String refunded, String debitedAt, String creditedAt, String refundedAt) {}

    /** 202 of a POST that published a command. */
    record Accepted(String requestId, String status, String statusUrl) {}

    /** 202 of a deposit command. */
    record DepositAccepted(String commandId, String depositId, String kind, String status, String statusUrl) {}

    /** {@code GET /health}. */
    record Health(String status, String streams, Map<String, Component> components) {}

    /** One component of {@code GET /health}: {@code healthy} is true for UP only; {@code status} says UP, DEGRADED or DOWN. */
    record Component(boolean healthy, String status, String detail) {
        static Map<String, Component> of(Map<String, io.settlement.sink.Health> components) {
            Map<String, Component> views = new java.util.TreeMap<>();
            components.forEach((name, health) -> views.put(name, new Component(health.healthy(), health.status().name(), health.detail())));
            return views;
        }
    }

    /** The one error shape. */
    record Error(String code, String message) {}
}
