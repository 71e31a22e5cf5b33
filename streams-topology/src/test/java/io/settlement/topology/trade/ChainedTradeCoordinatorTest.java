package io.settlement.topology.trade;

import static io.settlement.topology.trade.CoordinatorDriver.START;
import static io.settlement.topology.trade.SampleTrades.BASE_QTY;
import static io.settlement.topology.trade.SampleTrades.BUYER;
import static io.settlement.topology.trade.SampleTrades.QUOTE_QTY;
import static io.settlement.topology.trade.SampleTrades.SELLER;
import static io.settlement.topology.trade.SampleTrades.btcForUsdt;
import static io.settlement.topology.trade.SampleTrades.party;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.settlement.avro.ChainStep;
import io.settlement.avro.CommandKind;
import io.settlement.avro.LegPhase;
import io.settlement.avro.LegProgress;
import io.settlement.avro.LegResult;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeSide;
import io.settlement.avro.TradeState;
import io.settlement.avro.TradeStatus;
import io.settlement.topology.SettlementConfig.TradeProtocol;
import io.settlement.topology.testkit.SettlementDriver;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's part of a chained trade, with the test playing the balance tasks: one leg
 * out, one answer back at the end carrying the result the last task wrote. The chain through
 * the balance tasks themselves is in {@code ChainedTradeTest}.
 */
class ChainedTradeCoordinatorTest {
    private final CoordinatorDriver coordinator = new CoordinatorDriver(TradeProtocol.CHAIN);

    @AfterEach
    void close() {
        coordinator.close();
    }

    @Test
    void aValidTradeSendsOnlyTheBuyersDebitCarryingTheSellersDebit() {
        // given a trade naming both sides' orders and fees
        Trade trade = Trade.newBuilder(btcForUsdt("t-1", START))
                .setBuyer(party(BUYER, "buy-1", 10)).setSeller(party(SELLER, "sell-1", 20)).build();

        // when it arrives
        coordinator.send(trade);

        // then one leg leaves: the buyer's DEBIT, first of the chain, with the seller's DEBIT inside
        List<TestRecord<Long, TradeLeg>> sent = coordinator.sentLegs();
        assertThat(sent).extracting(TestRecord::key, r -> r.value().getSide(), r -> r.value().getPhase(), r -> r.value().getChainStep(),
                        r -> r.value().getAsset(), r -> r.value().getAmount(), r -> r.value().getOrderId())
                .containsExactly(tuple(BUYER, TradeSide.BUYER, LegPhase.DEBIT, ChainStep.FIRST, "USDT", QUOTE_QTY, "buy-1"));
        TradeLeg seller = sent.get(0).value().getCounterpart();
        assertThat(seller).extracting(TradeLeg::getUserId, TradeLeg::getSide, TradeLeg::getPhase, TradeLeg::getAsset, TradeLeg::getAmount,
                        TradeLeg::getOrderId, TradeLeg::getFee, TradeLeg::getReceivedNet)
                .containsExactly(SELLER, TradeSide.SELLER, LegPhase.DEBIT, "BTC", BASE_QTY, "sell-1", 20L, QUOTE_QTY - 20);
        assertThat(sent.get(0).value().getExecutedAt()).isEqualTo(START);
        TradeState state = coordinator.state("t-1");
        assertThat(state.getChained()).isTrue();
        assertThat(state.getStatus()).isEqualTo(TradeStatus.PENDING);
        assertThat(coordinator.results()).isEmpty();
    }

    @Test
    void theEndOfTheChainMakesTheTradeFinalWithTheResultItCarriesWithoutWritingItAgain() {
        // given a chained trade in flight
        coordinator.send(btcForUsdt("t-1", START));
        TradeLeg first = coordinator.sentLegs().get(0).value();

        // when the buyer's task tells the coordinator the trade settled
        SettlementResult written = result("t-1", ResultStatus.ACCEPTED, null);
        coordinator.pipeRawLegResult("t-1", end(first, LegPhase.CREDIT, ResultStatus.ACCEPTED, written));

        // then the trade is final with exactly that result, which the coordinator does not write again
        assertThat(coordinator.results()).isEmpty();
        TradeState state = coordinator.state("t-1");
        assertThat(state.getStatus()).isEqualTo(TradeStatus.SETTLED);
        assertThat(state.getResult()).isEqualTo(written);
        assertThat(List.of(state.getBuyerDebit(), state.getSellerDebit(), state.getSellerCredit(), state.getBuyerCredit()))
                .containsOnly(LegProgress.ACCEPTED);

        // and a retry of the trade gets that result again, identical
        coordinator.advanceWallClock(Duration.ofMinutes(1));
        coordinator.send(btcForUsdt("t-1", START));
        assertThat(coordinator.results()).extracting(TestRecord::key, TestRecord::value).containsExactly(tuple("TRADE:t-1", written));
        assertThat(coordinator.sentLegs()).isEmpty();
    }

    @Test
    void aConflictingTradeWaitsForTheChainsEndAndFollowsItsResult() {
        // given a chained trade in flight and another trade under its id
        coordinator.send(btcForUsdt("t-1", START));
        TradeLeg first = coordinator.sentLegs().get(0).value();
        coordinator.send(Trade.newBuilder(btcForUsdt("t-1", START)).setBaseQty(BASE_QTY + 1).build());
        assertThat(coordinator.results()).isEmpty();

        // when the chain ends rejected at its first step
        SettlementResult written = result("t-1", ResultStatus.REJECTED, Reason.INSUFFICIENT_AVAILABLE);
        coordinator.pipeRawLegResult("t-1", end(first, LegPhase.DEBIT, ResultStatus.REJECTED, written));

        // then only the conflict is written, after the result the buyer's task wrote, and the trade is REJECTED
        assertThat(coordinator.results()).extracting(r -> r.value().getReason()).containsExactly(Reason.ID_CONFLICT);
        TradeState state = coordinator.state("t-1");
        assertThat(state.getStatus()).isEqualTo(TradeStatus.REJECTED);
        assertThat(state.getReason()).isEqualTo(Reason.INSUFFICIENT_AVAILABLE);
        assertThat(state.getBuyerDebit()).isEqualTo(LegProgress.REJECTED);
    }

    @Test
    void aRefusedCreditLeavesTheChainedTradePendingAndARepeatedEndIsDeadLettered() {
        // given a chained trade in flight
        coordinator.send(btcForUsdt("t-1", START));
        TradeLeg first = coordinator.sentLegs().get(0).value();

        // when the buyer's CREDIT is refused (only a broken deployment refuses one)
        coordinator.pipeRawLegResult("t-1", end(first, LegPhase.CREDIT, ResultStatus.REJECTED, null));

        // then the trade stays PENDING with the refusal recorded, and an operator is told
        assertThat(coordinator.state("t-1").getStatus()).isEqualTo(TradeStatus.PENDING);
        assertThat(coordinator.deadLetters()).extracting(r -> SettlementDriver.header(r, io.settlement.topology.DeadLetterHeaders.REASON))
                .containsExactly("LEG_REFUSED");

        // and any further end of it changes nothing
        coordinator.pipeRawLegResult("t-1", end(first, LegPhase.CREDIT, ResultStatus.ACCEPTED, result("t-1", ResultStatus.ACCEPTED, null)));
        assertThat(coordinator.deadLetters()).extracting(r -> SettlementDriver.header(r, io.settlement.topology.DeadLetterHeaders.REASON))
                .containsExactly("ALREADY_ANSWERED");
        assertThat(coordinator.state("t-1").getStatus()).isEqualTo(TradeStatus.PENDING);
        assertThat(coordinator.results()).isEmpty();
    }

    @Test
    void anAcceptedAnswerWithoutTheTradesResultOrWithAnotherCommandsResultChangesNothing() {
        // given a chained trade in flight
        coordinator.send(btcForUsdt("t-1", START));
        TradeLeg first = coordinator.sentLegs().get(0).value();

        // when answers arrive that no balance task writes: ACCEPTED without a result, a result of another trade
        coordinator.pipeRawLegResult("t-1", end(first, LegPhase.CREDIT, ResultStatus.ACCEPTED, null));
        coordinator.pipeRawLegResult("t-1", end(first, LegPhase.CREDIT, ResultStatus.ACCEPTED, result("t-2", ResultStatus.ACCEPTED, null)));

        // then each is dead-lettered and the trade still waits for its own end
        assertThat(coordinator.deadLetters()).extracting(r -> SettlementDriver.header(r, io.settlement.topology.DeadLetterHeaders.REASON))
                .containsExactly("UNEXPECTED_LEG_RESULT", "UNEXPECTED_LEG_RESULT");
        assertThat(coordinator.state("t-1").getStatus()).isEqualTo(TradeStatus.PENDING);
        assertThat(coordinator.state("t-1").getReason()).isNull();
    }

    private static SettlementResult result(String tradeId, ResultStatus status, Reason reason) {
        return new SettlementResult(tradeId, CommandKind.TRADE, BUYER, status, reason, reason == null ? null : "BUYER DEBIT leg rejected: " + reason,
                START, START.plusSeconds(1));
    }

    private static LegResult end(TradeLeg first, LegPhase phase, ResultStatus status, SettlementResult tradeResult) {
        return new LegResult(first.getTradeId(), first.getUserId(), TradeSide.BUYER, phase, status,
                status == ResultStatus.REJECTED ? Reason.INSUFFICIENT_AVAILABLE : null, tradeResult);
    }
}
