package io.settlement.topology.balance;

import static io.settlement.contract.Records.copyOf;

import io.settlement.avro.ChainStep;
import io.settlement.avro.CommandKind;
import io.settlement.avro.LegPhase;
import io.settlement.avro.LegResult;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeSide;
import java.time.Instant;

/**
 * The legs and the result of a chained trade (docs/trades.md, "The protocol: a chain"), as the balance tasks
 * make them from the leg they just applied. Every leg of a side keeps the side's whole terms (so
 * its CREDIT or REFUND is checked against its DEBIT like any other, {@link DebitBacking}); only
 * the phase, what it moves and its place in the chain change.
 *
 * <pre>
 * FIRST  (buyer DEBIT)  accepted: SECOND to the seller's task
 *                       refused:  the trade ends REJECTED here, or, when the seller named an order,
 *                                 SECOND to the seller's task carrying the refusal
 * SECOND (seller DEBIT) accepted: the seller's CREDIT in place; refused: LAST = the buyer's REFUND
 * SECOND (seller CREDIT) applied: LAST = the buyer's CREDIT
 * LAST   (buyer CREDIT or REFUND) applied: the trade's result, here, and the coordinator told
 *
 * after a refused FIRST:
 * SECOND (seller DEBIT) accepted: the seller's REFUND in place; refused: the trade's result, here
 * SECOND (seller REFUND) applied: the trade's result, here
 * </pre>
 *
 * Why the seller still takes its DEBIT (and its REFUND) after the buyer was refused: the
 * matching engine counts every fill of an order in the {@code filled_total} it announces at the
 * release, so the order must see the fill and its failure, exactly as when both debits ran side
 * by side (a refunded fill goes back into the reservation, or counts as rejected after the
 * release), or the release would keep frozen what a fill that never comes still needs.
 */
final class ChainedLegs {
    private ChainedLegs() {}

    /** The seller's DEBIT, handed on by the buyer's task: it carries the buyer's DEBIT for the way back. */
    static TradeLeg second(TradeLeg first, long nowMs) {
        TradeLeg buyer = copyOf(first);
        buyer.setCounterpart(null);
        buyer.setChainStep(ChainStep.NONE);
        TradeLeg second = copyOf(first.getCounterpart());
        second.setChainStep(ChainStep.SECOND);
        second.setCounterpart(buyer);
        second.setExecutedAt(first.getExecutedAt());
        second.setCreatedAt(Instant.ofEpochMilli(nowMs));
        return second;
    }

    /** The seller's DEBIT after the buyer's was refused, carrying the refusal: the seller's order must see its fill fail. */
    static TradeLeg secondAfterRefusal(TradeLeg first, Reason reason, long nowMs) {
        Reason why = reason == null ? Reason.OTHER : reason;
        TradeLeg second = second(first, nowMs);
        second.setTradeReason(why);
        second.setTradeDetail(refusedDetail(first, why));
        return second;
    }

    /** The seller's REFUND of its DEBIT, in place, after the buyer's was refused. */
    static TradeLeg sellerRefund(TradeLeg second, long nowMs) {
        TradeLeg refund = copyOf(second);
        refund.setPhase(LegPhase.REFUND);
        refund.setAsset(second.getPaidAsset());
        refund.setAmount(second.getPaidAmount());
        refund.setCreatedAt(Instant.ofEpochMilli(nowMs));
        return refund;
    }

    /** Whether a seller's leg follows a refused FIRST: it carries the buyer's refusal. */
    static boolean afterRefusal(TradeLeg second) {
        return second.getSide() == TradeSide.SELLER && second.getTradeReason() != null;
    }

    /** The result of a trade whose buyer was refused, written by the seller's task: the buyer's reason, the buyer as user. */
    static SettlementResult refusedAtBuyer(TradeLeg second, long nowMs) {
        return result(second.getCounterpart(), ResultStatus.REJECTED, second.getTradeReason(), second.getTradeDetail(), nowMs);
    }

    /** The side's CREDIT, ending its DEBIT {@code debit}: what it receives, its fee to FEES. */
    static TradeLeg credit(TradeLeg debit, ChainStep step, long nowMs) {
        TradeLeg credit = copyOf(debit);
        credit.setPhase(LegPhase.CREDIT);
        credit.setAsset(debit.getReceivedAsset());
        credit.setAmount(debit.getReceivedNet() + debit.getFee());
        credit.setChainStep(step);
        credit.setCreatedAt(Instant.ofEpochMilli(nowMs));
        return credit;
    }

    /** The buyer's CREDIT, the chain's LAST leg once the seller's side is done. */
    static TradeLeg lastCredit(TradeLeg second, long nowMs) {
        return withEnd(credit(second.getCounterpart(), ChainStep.LAST, nowMs), second);
    }

    /** The buyer's REFUND, the chain's LAST leg when the seller's DEBIT was refused, saying why. */
    static TradeLeg lastRefund(TradeLeg second, Reason reason, long nowMs) {
        TradeLeg debit = second.getCounterpart();
        TradeLeg refund = withEnd(debit, second);
        refund.setPhase(LegPhase.REFUND);
        refund.setAsset(debit.getPaidAsset());
        refund.setAmount(debit.getPaidAmount());
        refund.setChainStep(ChainStep.LAST);
        refund.setTradeReason(reason == null ? Reason.OTHER : reason);
        refund.setTradeDetail(refusedDetail(second, reason));
        refund.setCreatedAt(Instant.ofEpochMilli(nowMs));
        return refund;
    }

    /** A copy of {@code leg} that ends the chain: no counterpart, the trade's execution time from {@code second}. */
    private static TradeLeg withEnd(TradeLeg leg, TradeLeg second) {
        TradeLeg last = copyOf(leg);
        last.setCounterpart(null);
        last.setExecutedAt(second.getExecutedAt());
        return last;
    }

    /** The trade's one result, written by the task whose step ended it (the buyer's: the result's user). */
    static SettlementResult result(TradeLeg leg, ResultStatus status, Reason reason, String detail, long nowMs) {
        Instant executedAt = leg.getExecutedAt() == null ? leg.getCreatedAt() : leg.getExecutedAt();
        return new SettlementResult(leg.getTradeId(), CommandKind.TRADE, leg.getUserId(), status, reason, detail, executedAt,
                Instant.ofEpochMilli(nowMs));
    }

    /** The result of a trade whose FIRST leg was refused: nothing of it moved. */
    static SettlementResult refusedAtFirst(TradeLeg first, Reason reason, long nowMs) {
        Reason why = reason == null ? Reason.OTHER : reason;
        return result(first, ResultStatus.REJECTED, why, refusedDetail(first, why), nowMs);
    }

    /** The result a LAST leg ends its trade with: SETTLED after a CREDIT, the refusal's reason after a REFUND. */
    static SettlementResult endedBy(TradeLeg last, long nowMs) {
        return last.getPhase() == LegPhase.CREDIT
                ? result(last, ResultStatus.ACCEPTED, null, null, nowMs)
                : result(last, ResultStatus.REJECTED, last.getTradeReason(), last.getTradeDetail(), nowMs);
    }

    /** The answer to the coordinator: the trade's result when the step ended the trade, else the refusal. */
    static LegResult answer(TradeLeg leg, ResultStatus status, Reason reason, SettlementResult tradeResult) {
        return new LegResult(leg.getTradeId(), leg.getUserId(), leg.getSide(), leg.getPhase(), status, reason, tradeResult);
    }

    private static String refusedDetail(TradeLeg refused, Reason reason) {
        return refused.getSide() + " " + refused.getPhase() + " leg rejected: " + (reason == null ? Reason.OTHER : reason);
    }
}
