package io.settlement.topology.trade;

import static io.settlement.avro.AccountType.CLEARING;
import static io.settlement.avro.AccountType.SPOT;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.JournalEntry;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeParty;
import io.settlement.avro.TradeState;
import io.settlement.avro.TradeStatus;
import io.settlement.topology.DeadLetterHeaders;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.StoreNames;
import io.settlement.topology.testkit.DriverTest;
import io.settlement.topology.testkit.SettlementDriver;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Chained trades through the real topology (docs/trades.md, "The chain"). The driver has one user
 * partition, so every step after the coordinator's one leg is applied in place: a trade settles
 * in one step of one balance task. Legs handed on between partitions are exercised on a real
 * broker ({@code TradesOnRealBrokerTest}).
 */
class ChainedTradeTest extends DriverTest {
    private static final long ALICE = TradeSettlementTest.ALICE;
    private static final long BOB = TradeSettlementTest.BOB;
    private static final long BASE = TradeSettlementTest.BASE;
    private static final long QUOTE = TradeSettlementTest.QUOTE;

    @Test
    void aTradeBetweenUsersOfOnePartitionSettlesInOneStepWithFourJournalEntriesAndNothingLeftInClearing() {
        // given both sides funded
        driver.fundSpot(ALICE, "USDT", QUOTE);
        driver.fundSpot(BOB, "BTC", BASE);
        int journalBefore = driver.journal().size();

        // when Alice buys with a fee of 0.0005 BTC, Bob pays 30 USDT
        SettlementResult result = driver.settle(trade("t-1", party(ALICE, 50_000), party(BOB, 30_000_000)));

        // then the result is the buyer's task's, the journal shows every unit, CLEARING is empty
        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(result.getUserId()).isEqualTo(ALICE);
        assertThat(result.getCommandTime()).isEqualTo(driver.now());
        assertThat(driver.journal().subList(journalBefore, driver.journal().size())).extracting(JournalEntry::getEntryId)
                .containsExactly("TRADE:t-1/BUYER/DEBIT", "TRADE:t-1/SELLER/DEBIT", "TRADE:t-1/SELLER/CREDIT", "TRADE:t-1/BUYER/CREDIT");
        assertThat(driver.balance(ALICE, SPOT, "BTC").available()).isEqualTo(BASE - 50_000);
        assertThat(driver.balance(BOB, SPOT, "USDT").available()).isEqualTo(QUOTE - 30_000_000);
        assertThat(driver.system(CLEARING, "BTC")).isZero();
        assertThat(driver.system(CLEARING, "USDT")).isZero();

        // and the coordinator, told by the buyer's task, has the trade final with that very result
        TradeState state = tradeState("t-1");
        assertThat(state.getStatus()).isEqualTo(TradeStatus.SETTLED);
        assertThat(state.getResult()).isEqualTo(result);
        assertThat(driver.status("TRADE:t-1")).isEqualTo(result);
    }

    @Test
    void aTradeSettledInOneStepWritesEachAccountItMovedOnceToTheBalancesChangelog() {
        // given both sides funded, and the changelog read so far
        driver.fundSpot(ALICE, "USDT", QUOTE);
        driver.fundSpot(BOB, "BTC", BASE);
        var changelog = driver.testDriver().createOutputTopic("settlement-test-" + StoreNames.BALANCES + "-changelog",
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer());
        changelog.readRecordsToList();

        // when a trade with fees on both sides settles in one step (four legs, each account touched twice)
        driver.settle(trade("t-1", party(ALICE, 50_000), party(BOB, 30_000_000)));

        // then each of the eight accounts is written once: both sides' SPOT of both assets, CLEARING and FEES of both
        assertThat(changelog.readRecordsToList()).hasSize(8);
    }

    @Test
    void aSellerShortRejectsTheTradeWithItsReasonAndRefundsTheBuyer() {
        // given the seller holds less than the trade's base quantity
        driver.fundSpot(ALICE, "USDT", QUOTE);
        driver.fundSpot(BOB, "BTC", BASE - 1);
        int journalBefore = driver.journal().size();

        // when
        SettlementResult result = driver.settle(trade("t-1", party(ALICE, 0), party(BOB, 0)));

        // then the buyer's DEBIT came back by its REFUND, and the trade is rejected for the seller's reason
        assertThat(result.getStatus()).isEqualTo(ResultStatus.REJECTED);
        assertThat(result.getReason()).isEqualTo(Reason.INSUFFICIENT_AVAILABLE);
        assertThat(result.getDetail()).isEqualTo("SELLER DEBIT leg rejected: INSUFFICIENT_AVAILABLE");
        assertThat(driver.journal().subList(journalBefore, driver.journal().size())).extracting(JournalEntry::getEntryId)
                .containsExactly("TRADE:t-1/BUYER/DEBIT", "TRADE:t-1/BUYER/REFUND");
        assertThat(driver.balance(ALICE, SPOT, "USDT").available()).isEqualTo(QUOTE);
        assertThat(driver.balance(BOB, SPOT, "BTC").available()).isEqualTo(BASE - 1);
        assertThat(tradeState("t-1").getStatus()).isEqualTo(TradeStatus.REJECTED);
    }

    @Test
    void aBuyerShortEndsTheTradeAtItsFirstStepAndTheSellerIsNeverTouched() {
        // given the buyer holds less than the quote amount
        driver.fundSpot(ALICE, "USDT", QUOTE - 1);
        driver.fundSpot(BOB, "BTC", BASE);
        int journalBefore = driver.journal().size();

        // when
        SettlementResult result = driver.settle(trade("t-1", party(ALICE, 0), party(BOB, 0)));

        // then nothing was posted at all
        assertThat(result.getReason()).isEqualTo(Reason.INSUFFICIENT_AVAILABLE);
        assertThat(result.getDetail()).isEqualTo("BUYER DEBIT leg rejected: INSUFFICIENT_AVAILABLE");
        assertThat(driver.journal()).hasSize(journalBefore);
        assertThat(tradeState("t-1").getStatus()).isEqualTo(TradeStatus.REJECTED);
    }

    @Test
    void aBuyerShortAgainstASellOrderLetsTheOrderSeeItsFillTakenAndRefundedSoItsReleaseWaitsForNothing() {
        // given the buyer short, and a sell order of the whole base quantity
        driver.fundSpot(ALICE, "USDT", QUOTE - 1);
        driver.fundSpot(BOB, "BTC", BASE);
        assertThat(driver.send(commands.orderReserved("r-1", BOB, "sell-1", "BTC", BASE)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        int journalBefore = driver.journal().size();

        // when the trade names the sell order
        SettlementResult result = driver.settle(trade("t-1", party(ALICE, 0), TradeParty.newBuilder().setUserId(BOB).setOrderId("sell-1").setFee(0).build()));

        // then it is rejected for the buyer's reason, the seller's fill was taken from the order and refunded into it
        assertThat(result.getReason()).isEqualTo(Reason.INSUFFICIENT_AVAILABLE);
        assertThat(result.getUserId()).isEqualTo(ALICE);
        assertThat(driver.journal().subList(journalBefore, driver.journal().size())).extracting(JournalEntry::getEntryId)
                .containsExactly("TRADE:t-1/SELLER/DEBIT", "TRADE:t-1/SELLER/REFUND");
        assertThat(driver.reservation(BOB, "sell-1").remaining()).isEqualTo(BASE);
        TradeState state = tradeState("t-1");
        assertThat(state.getStatus()).isEqualTo(TradeStatus.REJECTED);
        assertThat(List.of(state.getBuyerDebit(), state.getSellerDebit(), state.getSellerRefund()))
                .containsExactly(io.settlement.avro.LegProgress.REJECTED, io.settlement.avro.LegProgress.ACCEPTED, io.settlement.avro.LegProgress.ACCEPTED);

        // and when the order is released with this fill in its total, nothing stays frozen for it
        assertThat(driver.send(commands.orderReleased("rel-1", BOB, "sell-1", BASE)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(BOB, SPOT, "BTC").frozen()).isZero();
        assertThat(driver.balance(BOB, SPOT, "BTC").available()).isEqualTo(BASE);
    }

    @Test
    void aCopyOfAChainedLegAppliedBeforeIsDeadLetteredAndMovesNothing() {
        // given a settled chained trade
        driver.fundSpot(ALICE, "USDT", QUOTE);
        driver.fundSpot(BOB, "BTC", BASE);
        driver.settle(trade("t-1", party(ALICE, 0), party(BOB, 0)));
        int journal = driver.journal().size();
        int results = driver.results().size();

        // when its first leg arrives again (an old record written again, with a valid tag)
        TradeLeg first = TradeSettlement.chainStart(tradeState("t-1"), driver.now());
        driver.send(first);

        // then it is dead-lettered REPEATED_LEG, nothing moves, nothing is handed on, no second result
        assertThat(driver.deadLetters()).extracting(letter -> SettlementDriver.header(letter, DeadLetterHeaders.REASON))
                .containsExactly("REPEATED_LEG");
        assertThat(driver.journal()).hasSize(journal);
        assertThat(driver.results()).hasSize(results);
    }

    @Test
    void withTheTwoPhaseProtocolConfiguredATradeStillSettlesLegByLeg() {
        try (SettlementDriver twoPhase = SettlementDriver.start(SettlementConfig.defaults(1).withTradeProtocol(SettlementConfig.TradeProtocol.TWO_PHASE))) {
            // given
            twoPhase.fundSpot(ALICE, "USDT", QUOTE);
            twoPhase.fundSpot(BOB, "BTC", BASE);

            // when
            SettlementResult result = twoPhase.settle(trade("t-1", party(ALICE, 0), party(BOB, 0)));

            // then each of its four legs was answered to the coordinator
            assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
            assertThat(twoPhase.legResults()).hasSize(4).allSatisfy(answer -> assertThat(answer.getTradeResult()).isNull());
            assertThat(twoPhase.testDriver().<String, TradeState>getKeyValueStore(StoreNames.TRADES).get("t-1").getChained()).isFalse();
            twoPhase.assertInvariants();
        }
    }

    private Trade trade(String tradeId, TradeParty buyer, TradeParty seller) {
        return Trade.newBuilder()
                .setTradeId(tradeId).setSymbol("BTCUSDT").setBaseAsset("BTC").setQuoteAsset("USDT")
                .setBaseQty(BASE).setQuoteQty(QUOTE).setBuyer(buyer).setSeller(seller).setExecutedAt(driver.now())
                .build();
    }

    private static TradeParty party(long user, long fee) {
        return TradeParty.newBuilder().setUserId(user).setOrderId(null).setFee(fee).build();
    }

    private TradeState tradeState(String tradeId) {
        return driver.testDriver().<String, TradeState>getKeyValueStore(StoreNames.TRADES).get(tradeId);
    }
}
