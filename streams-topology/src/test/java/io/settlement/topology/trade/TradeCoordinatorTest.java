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
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.testkit.SettlementDriver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The coordinator's two-phase protocol (trades begun by versions before the chain, and
 * {@code trade.protocol=two-phase}) through the real coordinator topology, with the test answering the
 * legs the balance tasks would answer: every order of answers, every invalid trade, duplicates of
 * trades and of answers. End-to-end trades against the balance processor are in {@code TradeSettlementTest}.
 */
class TradeCoordinatorTest {
    private final CoordinatorDriver coordinator = new CoordinatorDriver(SettlementConfig.TradeProtocol.TWO_PHASE);

    @AfterEach
    void close() {
        coordinator.close();
    }

    @Test
    void validTradeSendsBothDebitLegsToTheSidesUsersAndStaysPending() {
        // given a trade naming the buyer's and the seller's orders
        Trade trade = Trade.newBuilder(btcForUsdt("t-1", START))
                .setBuyer(party(BUYER, "buy-1", 0)).setSeller(party(SELLER, "sell-1", 0)).build();

        // when it arrives
        coordinator.send(trade);

        // then the buyer pays quote from the buy order, the seller base from the sell order
        assertThat(coordinator.sentLegs())
                .extracting(TestRecord::key, r -> r.value().getSide(), r -> r.value().getPhase(), r -> r.value().getAsset(),
                        r -> r.value().getAmount(), r -> r.value().getOrderId())
                .containsExactly(
                        tuple(BUYER, TradeSide.BUYER, LegPhase.DEBIT, "USDT", QUOTE_QTY, "buy-1"),
                        tuple(SELLER, TradeSide.SELLER, LegPhase.DEBIT, "BTC", BASE_QTY, "sell-1"));
        assertThat(coordinator.results()).isEmpty();
        TradeState state = coordinator.state("t-1");
        assertThat(state.getStatus()).isEqualTo(TradeStatus.PENDING);
        assertThat(List.of(state.getBuyerDebit(), state.getSellerDebit(), state.getBuyerCredit(), state.getSellerCredit()))
                .containsExactly(LegProgress.SENT, LegProgress.SENT, LegProgress.NOT_SENT, LegProgress.NOT_SENT);
    }

    @Test
    void bothDebitsAcceptedSendCreditsWithFeesAndBothCreditsSettleTheTrade() {
        // given a trade with fees on both sides, both debits sent
        Trade trade = Trade.newBuilder(btcForUsdt("t-1", START))
                .setBuyer(party(BUYER, null, 1_000)).setSeller(party(SELLER, null, 250_000)).build();
        coordinator.send(trade);
        List<TradeLeg> debits = values(coordinator.sentLegs());

        // when both debits are accepted
        coordinator.accept(debits.get(1));
        assertThat(coordinator.sentLegs()).as("no credit before both debits").isEmpty();
        coordinator.accept(debits.get(0));

        // then each side is credited what it receives, less its fee in that asset
        List<TradeLeg> credits = values(coordinator.sentLegs());
        assertThat(credits)
                .extracting(TradeLeg::getUserId, TradeLeg::getPhase, TradeLeg::getAsset, TradeLeg::getAmount, TradeLeg::getFee)
                .containsExactly(
                        tuple(BUYER, LegPhase.CREDIT, "BTC", BASE_QTY, 1_000L),
                        tuple(SELLER, LegPhase.CREDIT, "USDT", QUOTE_QTY, 250_000L));
        assertThat(coordinator.results()).as("not settled before the credits are applied").isEmpty();

        // when both credits are applied, then the trade is SETTLED with one ACCEPTED result for the buyer
        coordinator.accept(credits.get(0));
        assertThat(coordinator.results()).isEmpty();
        coordinator.accept(credits.get(1));
        List<TestRecord<String, SettlementResult>> results = coordinator.results();
        assertThat(results).hasSize(1);
        assertThat(results.get(0).key()).isEqualTo("TRADE:t-1");
        SettlementResult result = results.get(0).value();
        assertThat(result.getKind()).isEqualTo(CommandKind.TRADE);
        assertThat(result.getCommandId()).isEqualTo("t-1");
        assertThat(result.getUserId()).isEqualTo(BUYER);
        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(result.getReason()).isNull();
        assertThat(result.getCommandTime()).isEqualTo(START);
        assertThat(coordinator.state("t-1").getStatus()).isEqualTo(TradeStatus.SETTLED);
        assertThat(coordinator.state("t-1").getResult()).isEqualTo(result);
    }

    @Test
    void debitRejectedAfterTheOtherWasAcceptedRefundsTheOtherAndRejectsWithTheFailingReason() {
        // given both debits sent, the buyer's accepted
        coordinator.send(btcForUsdt("t-1", START));
        List<TradeLeg> debits = values(coordinator.sentLegs());
        coordinator.accept(debits.get(0));

        // when the seller's debit is rejected
        coordinator.reject(debits.get(1), Reason.INSUFFICIENT_AVAILABLE);

        // then the buyer's debit is refunded, and only when the refund is applied the trade is REJECTED
        List<TradeLeg> refunds = values(coordinator.sentLegs());
        assertThat(refunds).extracting(TradeLeg::getUserId, TradeLeg::getPhase, TradeLeg::getAsset, TradeLeg::getAmount)
                .containsExactly(tuple(BUYER, LegPhase.REFUND, "USDT", QUOTE_QTY));
        assertThat(coordinator.results()).isEmpty();
        assertThat(coordinator.state("t-1").getReason()).isEqualTo(Reason.INSUFFICIENT_AVAILABLE);

        coordinator.accept(refunds.get(0));
        assertThat(values(coordinator.results()))
                .extracting(SettlementResult::getStatus, SettlementResult::getReason)
                .containsExactly(tuple(ResultStatus.REJECTED, Reason.INSUFFICIENT_AVAILABLE));
        assertThat(coordinator.state("t-1").getStatus()).isEqualTo(TradeStatus.REJECTED);
        assertThat(coordinator.state("t-1").getBuyerRefund()).isEqualTo(LegProgress.ACCEPTED);
    }

    @Test
    void debitRejectedBeforeTheOtherIsAcceptedRefundsTheOtherWhenItIsAccepted() {
        // given both debits sent
        coordinator.send(btcForUsdt("t-1", START));
        List<TradeLeg> debits = values(coordinator.sentLegs());

        // when the buyer's debit is rejected, then nothing is sent yet
        coordinator.reject(debits.get(0), Reason.UNKNOWN_ORDER);
        assertThat(coordinator.sentLegs()).isEmpty();

        // when the seller's debit is accepted later, then it is refunded
        coordinator.accept(debits.get(1));
        List<TradeLeg> refunds = values(coordinator.sentLegs());
        assertThat(refunds).extracting(TradeLeg::getUserId, TradeLeg::getSide, TradeLeg::getPhase, TradeLeg::getAsset, TradeLeg::getAmount)
                .containsExactly(tuple(SELLER, TradeSide.SELLER, LegPhase.REFUND, "BTC", BASE_QTY));
        coordinator.accept(refunds.get(0));
        assertThat(values(coordinator.results()))
                .extracting(SettlementResult::getStatus, SettlementResult::getReason)
                .containsExactly(tuple(ResultStatus.REJECTED, Reason.UNKNOWN_ORDER));
    }

    @Test
    void bothDebitsRejectedRejectAtOnceWithTheFirstReasonSeenAndRefundNothing() {
        // given both debits sent
        coordinator.send(btcForUsdt("t-1", START));
        List<TradeLeg> debits = values(coordinator.sentLegs());

        // when the seller's is rejected first, then the buyer's
        coordinator.reject(debits.get(1), Reason.FILL_EXCEEDS_RESERVATION);
        coordinator.reject(debits.get(0), Reason.INSUFFICIENT_AVAILABLE);

        // then no refund is sent and the trade is REJECTED with the first reason
        assertThat(coordinator.sentLegs()).isEmpty();
        assertThat(values(coordinator.results()))
                .extracting(SettlementResult::getStatus, SettlementResult::getReason)
                .containsExactly(tuple(ResultStatus.REJECTED, Reason.FILL_EXCEEDS_RESERVATION));
    }

    @Test
    void givenASettlingTrade_whenEveryAnswerIsRepeated_thenEachRepeatIsDeadLetteredAlreadyAnsweredAndNoLegNorSecondResultIsSent() {
        // given a trade whose debits were accepted and credits sent
        coordinator.send(btcForUsdt("t-1", START));
        List<TradeLeg> debits = values(coordinator.sentLegs());
        coordinator.accept(debits.get(0));
        coordinator.accept(debits.get(1));
        List<TradeLeg> credits = values(coordinator.sentLegs());

        // when every debit answer is repeated, before and after the credits are applied
        coordinator.accept(debits.get(0));
        coordinator.accept(debits.get(1));
        coordinator.accept(credits.get(0));
        coordinator.accept(credits.get(1));
        coordinator.accept(debits.get(0));
        coordinator.accept(credits.get(1));

        // then no leg was sent again, there is exactly one result, and each repeat (an answer to a
        // leg already answered: the coordinator sends each leg once) is dead-lettered with its reason
        assertThat(coordinator.sentLegs()).isEmpty();
        assertThat(coordinator.results()).hasSize(1);
        assertThat(coordinator.deadLetters()).extracting(r -> SettlementDriver.header(r, io.settlement.topology.DeadLetterHeaders.REASON))
                .containsExactly("ALREADY_ANSWERED", "ALREADY_ANSWERED", "ALREADY_ANSWERED", "ALREADY_ANSWERED");
        assertThat(coordinator.state("t-1").getStatus()).isEqualTo(TradeStatus.SETTLED);
    }

    @Test
    void givenATradeWithDebitsInFlight_whenAnAnswerIsKeyedByAnotherTrade_thenItIsDeadLetteredKeyMismatchAndTheTradeIsUnchanged() {
        coordinator.send(btcForUsdt("t-1", START));
        List<TradeLeg> debits = values(coordinator.sentLegs());
        TradeState before = coordinator.state("t-1");
        LegResult answer = LegResult.newBuilder().setTradeId("t-1").setUserId(debits.get(0).getUserId()).setSide(debits.get(0).getSide())
                .setPhase(LegPhase.DEBIT).setStatus(ResultStatus.REJECTED).setReason(Reason.INSUFFICIENT_AVAILABLE).build();

        coordinator.pipeRawLegResult("t-2", answer);

        assertThat(coordinator.deadLetters()).extracting(r -> SettlementDriver.header(r, io.settlement.topology.DeadLetterHeaders.REASON))
                .containsExactly("LEG_RESULT_KEY_MISMATCH");
        assertThat(coordinator.state("t-1")).isEqualTo(before);
        assertThat(coordinator.sentLegs()).isEmpty();
    }

    static Stream<Arguments> invalidTrades() {
        return Stream.of(
                invalid("zero base quantity", Reason.INVALID_AMOUNT, t -> t.setBaseQty(0)),
                invalid("negative quote quantity", Reason.INVALID_AMOUNT, t -> t.setQuoteQty(-5)),
                invalid("negative fee", Reason.INVALID_AMOUNT, t -> t.setSeller(party(SELLER, null, -1))),
                invalid("unknown base asset", Reason.UNKNOWN_ASSET, t -> t.setBaseAsset("DOGE")),
                invalid("unknown quote asset", Reason.UNKNOWN_ASSET, t -> t.setQuoteAsset("EUR")),
                invalid("same asset on both sides", Reason.SAME_ASSET, t -> t.setQuoteAsset("BTC")),
                invalid("buyer fee above base quantity", Reason.FEE_TOO_LARGE, t -> t.setBuyer(party(BUYER, null, BASE_QTY + 1))),
                invalid("seller fee above quote quantity", Reason.FEE_TOO_LARGE, t -> t.setSeller(party(SELLER, null, QUOTE_QTY + 1))),
                invalid("buyer user id zero", Reason.INVALID_USER, t -> t.setBuyer(party(0, null, 0))),
                invalid("seller user id negative", Reason.INVALID_USER, t -> t.setSeller(party(-3, null, 0))),
                invalid("blank order id", Reason.MISSING_ID, t -> t.setBuyer(party(BUYER, " ", 0))));
    }

    private static Arguments invalid(String what, Reason reason, UnaryOperator<Trade.Builder> change) {
        return Arguments.of(what, reason, change.apply(Trade.newBuilder(btcForUsdt("t-bad", START))).build());
    }

    @ParameterizedTest(name = "{0} is {1}")
    @MethodSource("invalidTrades")
    void invalidTradeIsRejectedAtOnceWithoutAnyLeg(String what, Reason reason, Trade trade) {
        // when an invalid trade arrives
        coordinator.send(trade);

        // then no leg is sent, and it is REJECTED with the rule that failed
        assertThat(coordinator.sentLegs()).isEmpty();
        List<TestRecord<String, SettlementResult>> results = coordinator.results();
        assertThat(results).extracting(TestRecord::key, r -> r.value().getStatus(), r -> r.value().getReason())
                .containsExactly(tuple("TRADE:t-bad", ResultStatus.REJECTED, reason));
        assertThat(results.get(0).value().getDetail()).isNotBlank();
        assertThat(coordinator.state("t-bad").getStatus()).isEqualTo(TradeStatus.REJECTED);
    }

    @Test
    void tradeWithoutIdIsRejectedMissingIdAndNotRemembered() {
        // when a trade with an empty id arrives
        coordinator.send(btcForUsdt("", START));

        // then it is answered under TRADE: and nothing is sent or stored
        assertThat(coordinator.results()).extracting(TestRecord::key, r -> r.value().getReason())
                .containsExactly(tuple("TRADE:", Reason.MISSING_ID));
        assertThat(coordinator.sentLegs()).isEmpty();
        assertThat(coordinator.state("")).isNull();
    }

    @Test
    void feesEqualToWhatEachSideReceivesAreValid() {
        // when each fee takes everything its side receives
        coordinator.send(Trade.newBuilder(btcForUsdt("t-1", START))
                .setBuyer(party(BUYER, null, BASE_QTY)).setSeller(party(SELLER, null, QUOTE_QTY)).build());

        // then the trade goes ahead
        assertThat(coordinator.sentLegs()).hasSize(2);
        assertThat(coordinator.results()).isEmpty();
    }

    @Test
    void selfTradeSendsBothLegsToTheSameUser() {
        // when a user trades with themself, from two orders
        coordinator.send(Trade.newBuilder(btcForUsdt("t-self", START))
                .setBuyer(party(7, "buy-7", 0)).setSeller(party(7, "sell-7", 0)).build());

        // then both debits go to that user, one per side, and both answers are told apart
        List<TradeLeg> debits = values(coordinator.sentLegs());
        assertThat(debits).extracting(TradeLeg::getUserId, TradeLeg::getSide, TradeLeg::getAsset)
                .containsExactly(tuple(7L, TradeSide.BUYER, "USDT"), tuple(7L, TradeSide.SELLER, "BTC"));
        coordinator.accept(debits.get(0));
        coordinator.accept(debits.get(1));
        List<TradeLeg> credits = values(coordinator.sentLegs());
        assertThat(credits).extracting(TradeLeg::getSide, TradeLeg::getPhase).containsExactly(
                tuple(TradeSide.BUYER, LegPhase.CREDIT), tuple(TradeSide.SELLER, LegPhase.CREDIT));
        credits.forEach(coordinator::accept);
        assertThat(values(coordinator.results())).extracting(SettlementResult::getStatus).containsExactly(ResultStatus.ACCEPTED);
    }

    @Test
    void sameTradeAgainAfterItSettledGetsTheIdenticalFirstResult() {
        // given a settled trade
        Trade trade = btcForUsdt("t-1", START);
        settle(trade);
        SettlementResult first = values(coordinator.results()).get(0);

        // when the matching engine sends it again, later
        coordinator.advanceWallClock(Duration.ofMinutes(3));
        coordinator.send(trade);

        // then the first result comes again, byte for byte, and no leg moves
        assertThat(coordinator.results()).extracting(TestRecord::key, TestRecord::value)
                .containsExactly(tuple("TRADE:t-1", first));
        assertThat(coordinator.sentLegs()).isEmpty();
    }

    @Test
    void sameTradeAgainWhileItSettlesSendsNothingAndItsOneResultFollows() {
        // given a trade whose debits are in flight
        Trade trade = btcForUsdt("t-1", START);
        coordinator.send(trade);
        List<TradeLeg> debits = values(coordinator.sentLegs());

        // when it is sent again
        coordinator.send(trade);

        // then nothing new happens: no legs, no result yet
        assertThat(coordinator.sentLegs()).isEmpty();
        assertThat(coordinator.results()).isEmpty();

        // and when it settles there is exactly one result
        coordinator.accept(debits.get(0));
        coordinator.accept(debits.get(1));
        values(coordinator.sentLegs()).forEach(coordinator::accept);
        assertThat(values(coordinator.results())).extracting(SettlementResult::getStatus).containsExactly(ResultStatus.ACCEPTED);
    }

    @Test
    void otherTradeUnderASettledIdIsAnIdConflictAndChangesNothing() {
        // given a settled trade
        settle(btcForUsdt("t-1", START));
        coordinator.results();
        TradeState before = coordinator.state("t-1");

        // when another trade arrives under its id
        coordinator.send(Trade.newBuilder(btcForUsdt("t-1", START)).setBaseQty(BASE_QTY * 2).build());

        // then it is REJECTED ID_CONFLICT under the same key, and the recorded trade is untouched
        assertThat(coordinator.results()).extracting(TestRecord::key, r -> r.value().getStatus(), r -> r.value().getReason())
                .containsExactly(tuple("TRADE:t-1", ResultStatus.REJECTED, Reason.ID_CONFLICT));
        assertThat(coordinator.sentLegs()).isEmpty();
        assertThat(coordinator.state("t-1")).isEqualTo(before);
    }

    @Test
    void otherTradeUnderAPendingIdIsAnsweredIdConflictRightAfterTheOriginalsResult() {
        // given a trade whose debits are in flight
        coordinator.send(btcForUsdt("t-1", START));
        List<TradeLeg> debits = values(coordinator.sentLegs());

        // when another trade arrives under its id
        coordinator.send(Trade.newBuilder(btcForUsdt("t-1", START)).setBuyer(party(9, null, 0)).build());

        // then nothing is answered yet (the status table keeps the first result per key) ...
        assertThat(coordinator.results()).isEmpty();
        assertThat(coordinator.sentLegs()).isEmpty();

        // ... and once the original settles, its result comes first, then the conflict
        coordinator.accept(debits.get(0));
        coordinator.accept(debits.get(1));
        values(coordinator.sentLegs()).forEach(coordinator::accept);
        assertThat(coordinator.results()).extracting(TestRecord::key, r -> r.value().getUserId(), r -> r.value().getStatus(), r -> r.value().getReason())
                .containsExactly(
                        tuple("TRADE:t-1", BUYER, ResultStatus.ACCEPTED, null),
                        tuple("TRADE:t-1", 9L, ResultStatus.REJECTED, Reason.ID_CONFLICT));
        assertThat(coordinator.state("t-1").getDeferredConflicts()).isEmpty();
    }

    @Test
    void answerForAnUnknownTradeGoesToTheDeadLetterTopicWithItsReason() {
        // when a leg result names a trade the coordinator never saw
        LegResult stray = LegResult.newBuilder().setTradeId("nobody").setUserId(1).setSide(TradeSide.BUYER)
                .setPhase(LegPhase.DEBIT).setStatus(ResultStatus.ACCEPTED).setReason(null).build();
        coordinator.pipeRawLegResult("nobody", stray);

        // then it is a dead letter with the reason in its headers, and nothing else happens
        List<TestRecord<byte[], byte[]>> letters = coordinator.deadLetters();
        assertThat(letters).hasSize(1);
        assertThat(SettlementDriver.header(letters.get(0), io.settlement.topology.DeadLetterHeaders.REASON)).isEqualTo("UNKNOWN_TRADE");
        assertThat(SettlementDriver.header(letters.get(0), io.settlement.topology.DeadLetterHeaders.TOPIC)).isEqualTo("settlement.internal.leg-results");
        assertThat(new String(letters.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("nobody");
        assertThat(coordinator.sentLegs()).isEmpty();
        assertThat(coordinator.results()).isEmpty();
    }

    @Test
    void answerForALegNeverSentIsADeadLetter() {
        // given a trade with its debits in flight
        coordinator.send(btcForUsdt("t-1", START));
        List<TradeLeg> debits = values(coordinator.sentLegs());

        // when a credit is answered before any credit was sent
        coordinator.accept(TradeLeg.newBuilder(debits.get(0)).setPhase(LegPhase.CREDIT).build());

        // then it is a dead letter and the trade is unchanged
        assertThat(coordinator.deadLetters()).extracting(r -> SettlementDriver.header(r, io.settlement.topology.DeadLetterHeaders.REASON)).containsExactly("UNEXPECTED_LEG_RESULT");
        assertThat(coordinator.state("t-1").getBuyerCredit()).isEqualTo(LegProgress.NOT_SENT);
        assertThat(coordinator.sentLegs()).isEmpty();
    }

    @Test
    void refusedCreditLeavesTheTradePendingAndTellsAnOperator() {
        // given a trade with both credits sent
        coordinator.send(btcForUsdt("t-1", START));
        values(coordinator.sentLegs()).forEach(coordinator::accept);
        List<TradeLeg> credits = values(coordinator.sentLegs());

        // when a balance task refuses a credit (the receiving balance would overflow)
        coordinator.accept(credits.get(1));
        coordinator.reject(credits.get(0), Reason.AMOUNT_OVERFLOW);

        // then the trade is not reported settled, the refusal is recorded, and a dead letter says so
        assertThat(coordinator.results()).isEmpty();
        TradeState state = coordinator.state("t-1");
        assertThat(state.getStatus()).isEqualTo(TradeStatus.PENDING);
        assertThat(state.getBuyerCredit()).isEqualTo(LegProgress.REJECTED);
        assertThat(state.getReason()).isEqualTo(Reason.AMOUNT_OVERFLOW);
        assertThat(coordinator.deadLetters()).extracting(r -> SettlementDriver.header(r, io.settlement.topology.DeadLetterHeaders.REASON)).containsExactly("LEG_REFUSED");
    }

    @Test
    void tradeRecordWithoutValueGoesToTheDeadLetterTopic() {
        // when a tombstone arrives on trades
        coordinator.sendTombstone();

        // then it is a dead letter with its original key
        List<TestRecord<byte[], byte[]>> letters = coordinator.deadLetters();
        assertThat(letters).hasSize(1);
        assertThat(new String(letters.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("BTCUSDT");
        assertThat(SettlementDriver.header(letters.get(0), io.settlement.topology.DeadLetterHeaders.REASON)).isEqualTo("NULL_VALUE");
        assertThat(coordinator.results()).isEmpty();
    }

    @Test
    void finalTradesAreCompactedAfterTheRetentionAndTheirIdNeverSettlesAgain() {
        // given a settled trade
        Trade trade = btcForUsdt("t-1", START);
        settle(trade);
        coordinator.results();

        // when the retention has passed (the purge runs on the wall clock)
        coordinator.advanceWallClock(coordinator.config.commandRetention().plus(coordinator.config.purgeInterval()).plusMinutes(1));

        // then its full state is compacted, and a replay stamped anew is answered, not settled twice
        assertThat(coordinator.state("t-1")).isNull();
        coordinator.send(Trade.newBuilder(trade).setExecutedAt(coordinator.now()).build());
        assertThat(coordinator.sentLegs()).isEmpty();
        assertThat(values(coordinator.results())).extracting(SettlementResult::getReason).containsExactly(Reason.REPLAY_AFTER_RETENTION);

        // and a new trade under the old id is a conflict
        coordinator.send(Trade.newBuilder(btcForUsdt("t-1", coordinator.now())).setBaseQty(trade.getBaseQty() + 1).build());
        assertThat(coordinator.sentLegs()).isEmpty();
        assertThat(values(coordinator.results())).extracting(SettlementResult::getReason).containsExactly(Reason.ID_CONFLICT);
    }

    @Test
    void pendingTradesAreNeverForgotten() {
        // given a trade whose debits are in flight
        coordinator.send(btcForUsdt("t-1", START));
        List<TradeLeg> debits = values(coordinator.sentLegs());

        // when the retention passes
        coordinator.advanceWallClock(coordinator.config.commandRetention().multipliedBy(2));

        // then it is still there and still settles
        assertThat(coordinator.state("t-1").getStatus()).isEqualTo(TradeStatus.PENDING);
        debits.forEach(coordinator::accept);
        values(coordinator.sentLegs()).forEach(coordinator::accept);
        assertThat(values(coordinator.results())).extracting(SettlementResult::getStatus).containsExactly(ResultStatus.ACCEPTED);
    }

    private void settle(Trade trade) {
        coordinator.send(trade);
        values(coordinator.sentLegs()).forEach(coordinator::accept);
        values(coordinator.sentLegs()).forEach(coordinator::accept);
        assertThat(coordinator.state(trade.getTradeId()).getStatus()).isEqualTo(TradeStatus.SETTLED);
    }

    private static <K, V> List<V> values(List<TestRecord<K, V>> records) {
        return records.stream().map(TestRecord::value).toList();
    }

}
