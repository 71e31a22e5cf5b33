package io.settlement.topology.trade;

import io.settlement.avro.CommandKind;
import io.settlement.avro.LegPhase;
import io.settlement.avro.LegProgress;
import io.settlement.avro.LegResult;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeParty;
import io.settlement.avro.TradeSide;
import io.settlement.avro.TradeState;
import io.settlement.avro.TradeStatus;
import io.settlement.avro.ChainStep;
import io.settlement.contract.Records;
import io.settlement.topology.Assets;
import io.settlement.topology.SettlementConfig.TradeProtocol;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The settlement of one trade as a pure state machine, chained or in two phases: given
 * the trade's recorded state and one input (the trade itself, or a balance task's answer to one
 * of its legs), it returns the next state, the legs to send and the results to emit. It has no
 * Kafka in it, so every transition is testable on its own; {@link TradeCoordinator} stores and
 * forwards what it returns.
 *
 * <p>Chained (the default for new trades): one leg to the buyer's task, which hands the trade
 * on through the balance tasks; the coordinator hears once, at the end, with the result the last
 * task wrote. Two phases (trades begun by older versions, or {@code trade.protocol=two-phase}):
 * phase 1 sends both DEBIT legs. Both accepted: phase 2 sends both CREDIT legs, and the trade
 * is SETTLED once both are applied. A debit rejected: the other debit, once accepted, is
 * returned by a REFUND leg, and the trade is REJECTED (with the first failing leg's reason) once
 * nothing of it is left in CLEARING. A leg is sent only on its NOT_SENT -> SENT transition, so
 * duplicated or late answers never send anything twice.
 */
final class TradeSettlement {
    /** Conflicting duplicates of a PENDING trade whose ID_CONFLICT waits for the trade's own result; beyond it they are answered at once. */
    static final int DEFERRED_CONFLICTS_MAX = 16;

    private final Assets assets;
    private final Duration retention;
    private final TradeProtocol protocol;

    TradeSettlement(Assets assets, Duration retention, TradeProtocol protocol) {
        this.assets = assets;
        this.retention = retention;
        this.protocol = protocol;
    }

    /**
     * What one input does.
     *
     * @param state the trade's new state to store, or null to leave the store unchanged
     * @param legs the legs to send, in order
     * @param results the results to emit on settlement.results, in order
     * @param anomaly set when the input is not part of any valid protocol run (an answer for an
     *     unknown trade, for a leg never sent or already answered, a credit or refund refused): it goes to the dead-letter
     *     topic so an operator sees it
     */
    record Transition(TradeState state, List<TradeLeg> legs, List<SettlementResult> results, Anomaly anomaly) {
        static Transition nothing() {
            return new Transition(null, List.of(), List.of(), null);
        }

        static Transition anomaly(Anomaly anomaly) {
            return new Transition(null, List.of(), List.of(), anomaly);
        }
    }

    /** An input the protocol cannot use, with a stable code for the dead-letter headers. */
    record Anomaly(String code, String detail) {}

    /**
     * A trade arrives (first time, retried, or conflicting with an earlier one under its id).
     *
     * @param recorded the full state of the trade with this id, null if none is kept
     * @param retired what is kept of it once its full state was compacted, null if none
     */
    Transition onTrade(TradeState recorded, RetiredTrade retired, Trade trade, Instant now) {
        if (trade.getTradeId() == null || trade.getTradeId().isBlank()) {
            // No id: nothing to remember it under; answer and forget.
            return new Transition(null, List.of(), List.of(result(trade, ResultStatus.REJECTED, Reason.MISSING_ID, "trade_id is empty", now)), null);
        }
        String fingerprint = TradeFingerprint.of(trade);
        if (recorded != null) {
            return onDuplicate(recorded, trade, fingerprint, now);
        }
        if (retired != null) {
            // A trade id is never settled twice: the trade that had it ended longer ago than the retention.
            SettlementResult answer = fingerprint.equals(retired.fingerprint())
                    ? result(trade, ResultStatus.REJECTED, Reason.REPLAY_AFTER_RETENTION, "trade " + trade.getTradeId() + " ended "
                            + retired.status() + " at " + Instant.ofEpochMilli(retired.finishedAtMs()) + ", longer ago than the retention of "
                            + retention + "; a replay changes nothing", now)
                    : result(trade, ResultStatus.REJECTED, Reason.ID_CONFLICT, "trade id " + trade.getTradeId()
                            + " already named another trade, which ended " + retired.status(), now);
            return new Transition(null, List.of(), List.of(answer), null);
        }
        Optional<Rejection> violation = TradeRules.firstViolation(trade, assets);
        if (violation.isPresent()) {
            SettlementResult rejected = result(trade, ResultStatus.REJECTED, violation.get().reason(), violation.get().detail(), now);
            TradeState state = newState(trade, fingerprint, now)
                    .setStatus(TradeStatus.REJECTED)
                    .setReason(rejected.getReason())
                    .setDetail(rejected.getDetail())
                    .setResult(rejected)
                    .setFinishedAt(now)
                    .build();
            return new Transition(state, List.of(), List.of(rejected), null);
        }
        if (protocol == TradeProtocol.CHAIN) {
            TradeState state = newState(trade, fingerprint, now).setChained(true).setBuyerDebit(LegProgress.SENT).build();
            return new Transition(state, List.of(chainStart(state, now)), List.of(), null);
        }
        TradeState state = newState(trade, fingerprint, now)
                .setBuyerDebit(LegProgress.SENT)
                .setSellerDebit(LegProgress.SENT)
                .build();
        return new Transition(state, List.of(debit(state, TradeSide.BUYER, now), debit(state, TradeSide.SELLER, now)), List.of(), null);
    }

    /**
     * The one leg a chained trade starts with: the buyer's DEBIT, carrying the seller's DEBIT for
     * the buyer's task to hand on (docs/trades.md, "The chain").
     */
    static TradeLeg chainStart(TradeState state, Instant now) {
        Trade trade = state.getTrade();
        TradeLeg seller = debit(state, TradeSide.SELLER, now);
        seller.setExecutedAt(trade.getExecutedAt());
        TradeLeg buyer = debit(state, TradeSide.BUYER, now);
        buyer.setChainStep(ChainStep.FIRST);
        buyer.setCounterpart(seller);
        buyer.setExecutedAt(trade.getExecutedAt());
        return buyer;
    }

    private Transition onDuplicate(TradeState recorded, Trade trade, String fingerprint, Instant now) {
        if (fingerprint.equals(recorded.getFingerprint())) {
            // A retry of the same trade: the first result again if there is one; if the trade is
            // still settling, its one result is on its way and a second would break "one result per trade".
            return recorded.getResult() == null
                    ? Transition.nothing()
                    : new Transition(null, List.of(), List.of(recorded.getResult()), null);
        }
        SettlementResult conflict = result(trade, ResultStatus.REJECTED, Reason.ID_CONFLICT,
                "trade id " + trade.getTradeId() + " already names a trade with other content", now);
        if (recorded.getResult() != null || recorded.getDeferredConflicts().size() >= DEFERRED_CONFLICTS_MAX) {
            return new Transition(null, List.of(), List.of(conflict), null);
        }
        // Answered right after the original trade's own result, so that whoever reads the results
        // topic in order sees the trade's outcome first under its key.
        TradeState state = updated(recorded, now);
        List<SettlementResult> deferred = new ArrayList<>(state.getDeferredConflicts());
        deferred.add(conflict);
        state.setDeferredConflicts(deferred);
        return new Transition(state, List.of(), List.of(), null);
    }

    /** A balance task answers one of the trade's legs. */
    Transition onLegResult(TradeState recorded, LegResult answer, Instant now) {
        if (recorded == null) {
            return Transition.anomaly(new Anomaly("UNKNOWN_TRADE", "leg result for trade " + answer.getTradeId() + " which this task does not know"));
        }
        Trade trade = recorded.getTrade();
        long expectedUser = party(trade, answer.getSide()).getUserId();
        if (answer.getUserId() != expectedUser) {
            return Transition.anomaly(new Anomaly("LEG_USER_MISMATCH", "leg result names user " + answer.getUserId()
                    + " but the " + answer.getSide() + " of trade " + trade.getTradeId() + " is " + expectedUser));
        }
        if (recorded.getChained()) {
            return onChainEnd(recorded, answer, now);
        }
        LegProgress progress = progress(recorded, answer.getSide(), answer.getPhase());
        LegProgress answered = answer.getStatus() == ResultStatus.ACCEPTED ? LegProgress.ACCEPTED : LegProgress.REJECTED;
        if (progress == answered) {
            // The coordinator sends each leg once and the balance task answers it once: a second
            // answer was not asked for, so it changes nothing and an operator sees it.
            return Transition.anomaly(new Anomaly("ALREADY_ANSWERED", answer.getSide() + " " + answer.getPhase()
                    + " of trade " + trade.getTradeId() + " was already answered " + answered));
        }
        if (progress != LegProgress.SENT) {
            return Transition.anomaly(new Anomaly("UNEXPECTED_LEG_RESULT", answer.getSide() + " " + answer.getPhase()
                    + " of trade " + trade.getTradeId() + " answered " + answered + " but its progress is " + progress));
        }

        TradeState state = updated(recorded, now);
        setProgress(state, answer.getSide(), answer.getPhase(), answered);
        if (answered == LegProgress.REJECTED && state.getReason() == null) {
            state.setReason(answer.getReason() == null ? Reason.OTHER : answer.getReason());
            state.setDetail(answer.getSide() + " " + answer.getPhase() + " leg rejected: " + state.getReason());
        }
        return switch (answer.getPhase()) {
            case DEBIT -> afterDebit(state, now);
            case CREDIT -> afterCredit(state, answered, now);
            case REFUND -> afterRefund(state, answered, now);
        };
    }

    /**
     * A chained trade is answered once, by the task of its last step: with the trade's result,
     * which that task already wrote (kept here for retries, and followed by the conflicts that
     * waited for it), or with a refused CREDIT or REFUND (the trade stays PENDING, LEG_REFUSED).
     */
    private Transition onChainEnd(TradeState recorded, LegResult answer, Instant now) {
        String tradeId = recorded.getTrade().getTradeId();
        if (recorded.getStatus() != TradeStatus.PENDING || recorded.getReason() != null) {
            return Transition.anomaly(new Anomaly("ALREADY_ANSWERED", "chained trade " + tradeId + " was already answered"));
        }
        SettlementResult result = answer.getTradeResult();
        TradeState state = updated(recorded, now);
        if (result == null) {
            if (answer.getStatus() == ResultStatus.ACCEPTED) {
                return Transition.anomaly(new Anomaly("UNEXPECTED_LEG_RESULT", answer.getSide() + " " + answer.getPhase()
                        + " of chained trade " + tradeId + " answered ACCEPTED without the trade's result"));
            }
            setProgress(state, answer.getSide(), answer.getPhase(), LegProgress.REJECTED);
            state.setReason(answer.getReason() == null ? Reason.OTHER : answer.getReason());
            return stuck(state, answer.getPhase().name());
        }
        if (!tradeId.equals(result.getCommandId()) || result.getKind() != CommandKind.TRADE) {
            return Transition.anomaly(new Anomaly("UNEXPECTED_LEG_RESULT", "the answer to chained trade " + tradeId
                    + " carries the result of " + result.getKind() + " " + result.getCommandId()));
        }
        boolean settled = result.getStatus() == ResultStatus.ACCEPTED;
        recordChainProgress(state, settled, answer.getSide(), answer.getPhase(), answer.getStatus());
        List<SettlementResult> deferred = List.copyOf(state.getDeferredConflicts());
        state.setStatus(settled ? TradeStatus.SETTLED : TradeStatus.REJECTED);
        state.setReason(result.getReason());
        state.setDetail(result.getDetail());
        state.setResult(result);
        state.setFinishedAt(now);
        state.setDeferredConflicts(List.of());
        return new Transition(state, List.of(), deferred, null);
    }

    /** What each leg of a chained trade came to, as its end tells: the view a trade lookup shows. */
    private static void recordChainProgress(TradeState state, boolean settled, TradeSide lastSide, LegPhase lastPhase,
            ResultStatus lastStatus) {
        if (settled) {
            state.setBuyerDebit(LegProgress.ACCEPTED);
            state.setSellerDebit(LegProgress.ACCEPTED);
            state.setSellerCredit(LegProgress.ACCEPTED);
            state.setBuyerCredit(LegProgress.ACCEPTED);
        } else if (lastSide == TradeSide.SELLER) {
            // the buyer was refused; the seller's order saw its fill: refused, or taken and refunded
            state.setBuyerDebit(LegProgress.REJECTED);
            boolean refunded = lastPhase == LegPhase.REFUND && lastStatus == ResultStatus.ACCEPTED;
            state.setSellerDebit(refunded ? LegProgress.ACCEPTED : LegProgress.REJECTED);
            state.setSellerRefund(refunded ? LegProgress.ACCEPTED : LegProgress.NOT_SENT);
        } else if (lastPhase == LegPhase.DEBIT) {
            state.setBuyerDebit(LegProgress.REJECTED); // the first step was refused: nothing moved
        } else {
            state.setBuyerDebit(LegProgress.ACCEPTED);
            state.setSellerDebit(LegProgress.REJECTED);
            state.setBuyerRefund(LegProgress.ACCEPTED);
        }
    }

    private Transition afterDebit(TradeState state, Instant now) {
        Trade trade = state.getTrade();
        LegProgress buyer = state.getBuyerDebit();
        LegProgress seller = state.getSellerDebit();
        if (buyer == LegProgress.ACCEPTED && seller == LegProgress.ACCEPTED) {
            state.setBuyerCredit(LegProgress.SENT);
            state.setSellerCredit(LegProgress.SENT);
            return new Transition(state, List.of(credit(state, TradeSide.BUYER, now), credit(state, TradeSide.SELLER, now)), List.of(), null);
        }
        if (buyer == LegProgress.REJECTED && seller == LegProgress.REJECTED) {
            return finish(state, TradeStatus.REJECTED, now); // nothing reached CLEARING
        }
        if (buyer == LegProgress.ACCEPTED && seller == LegProgress.REJECTED) {
            state.setBuyerRefund(LegProgress.SENT);
            return new Transition(state, List.of(refund(state, TradeSide.BUYER, now)), List.of(), null);
        }
        if (buyer == LegProgress.REJECTED && seller == LegProgress.ACCEPTED) {
            state.setSellerRefund(LegProgress.SENT);
            return new Transition(state, List.of(refund(state, TradeSide.SELLER, now)), List.of(), null);
        }
        return new Transition(state, List.of(), List.of(), null); // the other debit has not answered yet
    }

    private Transition afterCredit(TradeState state, LegProgress answered, Instant now) {
        if (answered == LegProgress.REJECTED) {
            return stuck(state, "CREDIT");
        }
        if (state.getBuyerCredit() == LegProgress.ACCEPTED && state.getSellerCredit() == LegProgress.ACCEPTED) {
            return finish(state, TradeStatus.SETTLED, now);
        }
        return new Transition(state, List.of(), List.of(), null);
    }

    private Transition afterRefund(TradeState state, LegProgress answered, Instant now) {
        if (answered == LegProgress.REJECTED) {
            return stuck(state, "REFUND");
        }
        return finish(state, TradeStatus.REJECTED, now); // only one debit is ever refunded
    }

    /**
     * A credit or refund is never refused by the rules: it only moves out of CLEARING what a debit
     * put there, into room the debit kept. Only a broken deployment gets here (an asset removed
     * from the configuration while its trades were in flight, user partitions changed): the
     * trade's units stay in CLEARING, the trade stays PENDING with the refusal recorded, and the
     * dead-letter topic tells an operator.
     */
    private static Transition stuck(TradeState state, String phase) {
        String detail = phase + " leg of trade " + state.getTrade().getTradeId() + " refused (" + state.getReason()
                + "); its units stay in CLEARING until an operator resolves it";
        state.setDetail(detail);
        return new Transition(state, List.of(), List.of(), new Anomaly("LEG_REFUSED", detail));
    }

    private static Transition finish(TradeState state, TradeStatus status, Instant now) {
        Trade trade = state.getTrade();
        SettlementResult result = status == TradeStatus.SETTLED
                ? result(trade, ResultStatus.ACCEPTED, null, null, now)
                : result(trade, ResultStatus.REJECTED, state.getReason(), state.getDetail(), now);
        List<SettlementResult> results = new ArrayList<>();
        results.add(result);
        results.addAll(state.getDeferredConflicts());
        state.setStatus(status);
        state.setResult(result);
        state.setFinishedAt(now);
        state.setDeferredConflicts(List.of());
        return new Transition(state, List.of(), List.copyOf(results), null);
    }

    /** A copy of {@code recorded} to change, stamped {@code now} (its nested records and lists are shared: replace them, never change them). */
    private static TradeState updated(TradeState recorded, Instant now) {
        TradeState state = Records.copyOf(recorded);
        state.setUpdatedAt(now);
        return state;
    }

    private static TradeState.Builder newState(Trade trade, String fingerprint, Instant now) {
        return TradeState.newBuilder()
                .setTrade(trade)
                .setFingerprint(fingerprint)
                .setStatus(TradeStatus.PENDING)
                .setReason(null)
                .setDetail(null)
                .setBuyerDebit(LegProgress.NOT_SENT)
                .setSellerDebit(LegProgress.NOT_SENT)
                .setBuyerCredit(LegProgress.NOT_SENT)
                .setSellerCredit(LegProgress.NOT_SENT)
                .setBuyerRefund(LegProgress.NOT_SENT)
                .setSellerRefund(LegProgress.NOT_SENT)
                .setResult(null)
                .setDeferredConflicts(List.of())
                .setReceivedAt(now)
                .setUpdatedAt(now)
                .setFinishedAt(null)
                .setChained(false);
    }

    static SettlementResult result(Trade trade, ResultStatus status, Reason reason, String detail, Instant now) {
        return SettlementResult.newBuilder()
                .setCommandId(trade.getTradeId())
                .setKind(CommandKind.TRADE)
                .setUserId(trade.getBuyer().getUserId())
                .setStatus(status)
                .setReason(reason)
                .setDetail(detail)
                .setCommandTime(trade.getExecutedAt())
                .setProcessedAt(now)
                .build();
    }

    // The legs. The buyer pays quote and receives base; the seller pays base and receives quote;
    // each fee is in the asset its side receives.

    static TradeLeg debit(TradeState state, TradeSide side, Instant now) {
        Trade trade = state.getTrade();
        return leg(state, side, LegPhase.DEBIT, paidAsset(trade, side), paidQty(trade, side), now);
    }

    static TradeLeg credit(TradeState state, TradeSide side, Instant now) {
        Trade trade = state.getTrade();
        return leg(state, side, LegPhase.CREDIT, receivedAsset(trade, side), receivedQty(trade, side), now);
    }

    static TradeLeg refund(TradeState state, TradeSide side, Instant now) {
        Trade trade = state.getTrade();
        return leg(state, side, LegPhase.REFUND, paidAsset(trade, side), paidQty(trade, side), now);
    }

    /**
     * Every leg of a side carries the side's whole terms (its order, its fee, what it pays and
     * receives), so its balance task keeps (and later releases) room for both, and can check that a
     * CREDIT or a REFUND ends exactly the DEBIT it accepted.
     */
    private static TradeLeg leg(TradeState state, TradeSide side, LegPhase phase, String asset, long amount, Instant now) {
        Trade trade = state.getTrade();
        return TradeLeg.newBuilder()
                .setTradeId(trade.getTradeId())
                .setUserId(party(trade, side).getUserId())
                .setSide(side)
                .setPhase(phase)
                .setAsset(asset)
                .setAmount(amount)
                .setFee(party(trade, side).getFee())
                .setOrderId(party(trade, side).getOrderId())
                .setCreatedAt(now)
                .setTradeFingerprint(state.getFingerprint())
                .setPaidAsset(paidAsset(trade, side))
                .setPaidAmount(paidQty(trade, side))
                .setReceivedAsset(receivedAsset(trade, side))
                .setReceivedNet(receivedQty(trade, side) - party(trade, side).getFee())
                // every field set: build() looks up no default
                .setChainStep(ChainStep.NONE)
                .setCounterpart(null)
                .setTradeReason(null)
                .setTradeDetail(null)
                .setExecutedAt(null)
                .build();
    }

    static TradeParty party(Trade trade, TradeSide side) {
        return side == TradeSide.BUYER ? trade.getBuyer() : trade.getSeller();
    }

    private static String paidAsset(Trade trade, TradeSide side) {
        return side == TradeSide.BUYER ? trade.getQuoteAsset() : trade.getBaseAsset();
    }

    private static long paidQty(Trade trade, TradeSide side) {
        return side == TradeSide.BUYER ? trade.getQuoteQty() : trade.getBaseQty();
    }

    private static String receivedAsset(Trade trade, TradeSide side) {
        return side == TradeSide.BUYER ? trade.getBaseAsset() : trade.getQuoteAsset();
    }

    private static long receivedQty(Trade trade, TradeSide side) {
        return side == TradeSide.BUYER ? trade.getBaseQty() : trade.getQuoteQty();
    }

    static LegProgress progress(TradeState state, TradeSide side, LegPhase phase) {
        boolean buyer = side == TradeSide.BUYER;
        return switch (phase) {
            case DEBIT -> buyer ? state.getBuyerDebit() : state.getSellerDebit();
            case CREDIT -> buyer ? state.getBuyerCredit() : state.getSellerCredit();
            case REFUND -> buyer ? state.getBuyerRefund() : state.getSellerRefund();
        };
    }

    private static void setProgress(TradeState state, TradeSide side, LegPhase phase, LegProgress progress) {
        boolean buyer = side == TradeSide.BUYER;
        switch (phase) {
            case DEBIT -> {
                if (buyer) state.setBuyerDebit(progress); else state.setSellerDebit(progress);
            }
            case CREDIT -> {
                if (buyer) state.setBuyerCredit(progress); else state.setSellerCredit(progress);
            }
            case REFUND -> {
                if (buyer) state.setBuyerRefund(progress); else state.setSellerRefund(progress);
            }
        }
    }
}
