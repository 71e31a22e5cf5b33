package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.CLEARING;
import static io.settlement.avro.AccountType.FEES;
import static io.settlement.avro.AccountType.SPOT;
import static io.settlement.avro.LegPhase.CREDIT;
import static io.settlement.avro.LegPhase.DEBIT;
import static io.settlement.avro.LegPhase.REFUND;
import static io.settlement.avro.TradeSide.BUYER;
import static io.settlement.avro.TradeSide.SELLER;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.CommandKind;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.LegResult;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.Wallet;
import io.settlement.avro.TradeLeg;
import io.settlement.topology.DeadLetterHeaders;
import io.settlement.topology.testkit.Commands;
import io.settlement.topology.testkit.DriverTest;
import io.settlement.topology.testkit.SettlementDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TradeLegTest extends DriverTest {

    @BeforeEach
    void givenABuyerWithAnOrder() {
        driver.send(commands.deposit("d-1", 7, "USDT", 1_000));
        driver.send(commands.transfer("t-1", 7, Wallet.FUNDING, Wallet.SPOT, "USDT", 1_000));
        driver.send(commands.orderReserved("r-1", 7, "o-1", "USDT", 600));
    }

    @Test
    void debitWithOrderMovesReservedFundsToClearing() {
        LegResult result = driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "USDT", 250, 0, "o-1"));

        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(result.getTradeId()).isEqualTo("tr-1");
        assertThat(driver.balance(7, SPOT, "USDT")).as("room kept for the refund").isEqualTo(new Balance(400, 350, 0, 3, 250));
        assertThat(driver.system(CLEARING, "USDT")).isEqualTo(250);
        JournalEntry entry = driver.journal().get(driver.journal().size() - 1);
        assertThat(entry.getEntryId()).isEqualTo("TRADE:tr-1/BUYER/DEBIT");
        assertThat(entry.getKind()).isEqualTo(CommandKind.TRADE);
        assertThat(entry.getCommandId()).isEqualTo("tr-1");
        assertThat(driver.events().get(driver.events().size() - 1).getCauseKind()).isEqualTo(CommandKind.TRADE);
    }

    @Test
    void debitWithoutOrderTakesFromSpotAvailable() {
        LegResult result = driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "USDT", 300, 0, null));

        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(7, SPOT, "USDT")).isEqualTo(new Balance(100, 600, 0, 3, 300));
    }

    @Test
    void rejectsDebitWithoutOrderWhenAvailableIsShort() {
        assertThat(driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "USDT", 401, 0, null)).getReason())
                .isEqualTo(Reason.INSUFFICIENT_AVAILABLE);
    }

    @Test
    void rejectsDebitBeyondWhatTheOrderHasLeft() {
        driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "USDT", 500, 0, "o-1"));

        LegResult result = driver.send(commands.leg("tr-2", 7, BUYER, DEBIT, "USDT", 101, 0, "o-1"));

        assertThat(result.getReason()).isEqualTo(Reason.FILL_EXCEEDS_RESERVATION);
        assertThat(driver.system(CLEARING, "USDT")).isEqualTo(500);
    }

    @Test
    void rejectsDebitOfAnUnknownOrder() {
        assertThat(driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "USDT", 1, 0, "o-9")).getReason()).isEqualTo(Reason.UNKNOWN_ORDER);
    }

    @Test
    void rejectsDebitOfAnotherUsersOrder() {
        assertThat(driver.send(commands.leg("tr-1", 8, SELLER, DEBIT, "USDT", 1, 0, "o-1")).getReason()).isEqualTo(Reason.UNKNOWN_ORDER);
    }

    @Test
    void rejectsDebitInAnotherAssetThanTheOrderReserved() {
        assertThat(driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "BTC", 1, 0, "o-1")).getReason()).isEqualTo(Reason.ASSET_MISMATCH);
    }

    @Test
    void rejectsLegOfAnUnknownAsset() {
        assertThat(driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "SOL", 1, 0, null)).getReason()).isEqualTo(Reason.UNKNOWN_ASSET);
    }

    @Test
    void rejectsLegOfZero() {
        assertThat(driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "BTC", 0, 0, null)).getReason()).isEqualTo(Reason.INVALID_AMOUNT);
    }

    @Test
    void rejectsLegWithoutTradeId() {
        assertThat(driver.send(commands.leg("", 7, BUYER, CREDIT, "BTC", 5, 0, null)).getReason()).isEqualTo(Reason.MISSING_ID);
    }

    @Test
    void givenALegKeyedByAnotherUser_whenItArrives_thenItIsDeadLetteredLegKeyMismatchWithoutAnAnswer() {
        // The authentication tag covers the user a leg names, not its record key: an answer to a
        // signed leg copied under another key could be taken by the coordinator for the real one's.
        int letters = driver.deadLetters().size();

        LegResult answer = driver.send(9L, commands.leg("tr-1", 7, BUYER, DEBIT, "USDT", 5, 0, null));

        assertThat(answer).isNull();
        assertThat(driver.deadLetters()).hasSize(letters + 1);
        assertThat(SettlementDriver.header(driver.deadLetters().get(letters), DeadLetterHeaders.REASON)).isEqualTo("LEG_KEY_MISMATCH");
        assertThat(driver.system(CLEARING, "USDT")).isZero();
    }

    @Test
    void refundReturnsADebitIntoItsOrderSoTheOrderCanStillBeFilled() {
        driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "USDT", 250, 0, "o-1"));

        LegResult refund = driver.send(commands.leg("tr-1", 7, BUYER, REFUND, "USDT", 250, 0, "o-1"));

        assertThat(refund.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(7, SPOT, "USDT")).as("back in frozen, room released").isEqualTo(new Balance(400, 600, 0, 4, 0));
        assertThat(driver.system(CLEARING, "USDT")).isZero();
        // the order is whole again: all 600 can be filled
        assertThat(driver.send(commands.leg("tr-2", 7, BUYER, DEBIT, "USDT", 600, 0, "o-1")).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
    }

    @Test
    void refundOfADebitFromAvailableReturnsToAvailable() {
        driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "USDT", 100, 0, null));

        driver.send(commands.leg("tr-1", 7, BUYER, REFUND, "USDT", 100, 0, null));

        assertThat(driver.balance(7, SPOT, "USDT")).isEqualTo(new Balance(400, 600, 0, 4, 0));
    }

    @Test
    void releaseBeforeFillsKeepsWhatTheFillsNeedAndTheLastAnnouncedFillClosesTheOrder() {
        // given the order is released saying its fills take 450 in total, before any fill arrived
        driver.send(commands.orderReleased("x-1", 7, "o-1", 450));
        assertThat(driver.balance(7, SPOT, "USDT")).isEqualTo(new Balance(550, 450, 0, 3));

        // when the fills arrive, one of them beyond what the release announced
        LegResult first = driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "USDT", 300, 0, "o-1"));
        LegResult beyond = driver.send(commands.leg("tr-2", 7, BUYER, DEBIT, "USDT", 151, 0, "o-1"));
        LegResult last = driver.send(commands.leg("tr-3", 7, BUYER, DEBIT, "USDT", 150, 0, "o-1"));
        LegResult afterTheLast = driver.send(commands.leg("tr-4", 7, BUYER, DEBIT, "USDT", 1, 0, "o-1"));

        // then the announced ones find their funds, nothing beyond does, and the last one closed the order
        assertThat(first.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(beyond.getReason()).isEqualTo(Reason.FILL_EXCEEDS_RESERVATION);
        assertThat(last.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(afterTheLast.getReason()).isEqualTo(Reason.ORDER_CLOSED);
        assertThat(driver.balance(7, SPOT, "USDT")).isEqualTo(new Balance(550, 0, 0, 5, 450));
        assertThat(driver.reservation(7, "o-1").isClosed()).isTrue();
    }

    @Test
    void releaseAfterFillsReturnsTheSameAsBefore() {
        driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "USDT", 300, 0, "o-1"));
        driver.send(commands.leg("tr-2", 7, BUYER, DEBIT, "USDT", 150, 0, "o-1"));

        driver.send(commands.orderReleased("x-1", 7, "o-1", 450));

        assertThat(driver.balance(7, SPOT, "USDT")).isEqualTo(new Balance(550, 0, 0, 5, 450));
    }

    // A CREDIT or a REFUND moves money only when it ends this side's accepted DEBIT.

    @Test
    void aCreditThatEndsNoAcceptedDebitMovesNothingAndIsDeadLettered() {
        // given a CREDIT forged onto the internal topic for a trade whose debit never happened here
        Commands.SideLegs forged = commands.side("tr-9", 7, BUYER, "USDT", 100, "BTC", 5, 0, null);

        // when it arrives
        LegResult answer = driver.send(forged.credit());

        // then nothing moves, it gets no answer, and its copy says why
        assertThat(answer).isNull();
        assertThat(driver.balance(7, SPOT, "BTC")).isEqualTo(Balance.ZERO);
        assertThat(driver.system(CLEARING, "BTC")).isZero();
        assertUnbacked("no DEBIT of the BUYER of trade tr-9 was accepted");
    }

    @Test
    void aRefundOfARejectedDebitMovesNothing() {
        // given a DEBIT refused for want of funds
        Commands.SideLegs side = commands.side("tr-1", 7, BUYER, "USDT", 401, "BTC", 5, 0, null);
        assertThat(driver.send(side.debit()).getReason()).isEqualTo(Reason.INSUFFICIENT_AVAILABLE);

        // when a REFUND of it arrives, then it pays nothing back
        assertThat(driver.send(side.refund())).isNull();
        assertThat(driver.balance(7, SPOT, "USDT").available()).isEqualTo(400);
        assertUnbacked("no DEBIT of the BUYER of trade tr-1 was accepted");
    }

    @Test
    void aCreditWithOtherTermsThanItsDebitMovesNothing() {
        // given an accepted DEBIT with a fee of 1
        assertThat(driver.send(commands.side("tr-1", 7, BUYER, "USDT", 100, "BTC", 5, 1, null).debit()).getStatus())
                .isEqualTo(ResultStatus.ACCEPTED);

        // when a CREDIT of the same trade claims another fee (so more would leave CLEARING into FEES)
        LegResult answer = driver.send(commands.side("tr-1", 7, BUYER, "USDT", 100, "BTC", 9, 5, null).credit());

        // then nothing moves
        assertThat(answer).isNull();
        assertThat(driver.system(FEES, "BTC")).isZero();
        assertUnbacked("does not carry the terms of its accepted DEBIT");
    }

    @Test
    void aCreditOfAnotherAmountThanItsSideReceivesMovesNothing() {
        // given an accepted DEBIT whose side receives 5 BTC
        Commands.SideLegs side = commands.side("tr-1", 7, BUYER, "USDT", 100, "BTC", 5, 0, null);
        driver.send(side.debit());

        // when its CREDIT says 6
        LegResult answer = driver.send(TradeLeg.newBuilder(side.credit()).setAmount(6).build());

        // then nothing moves, and the real CREDIT still lands afterwards (the refused one took no id)
        assertThat(answer).isNull();
        assertUnbacked("moves something else");
        assertThat(driver.send(side.credit()).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(7, SPOT, "BTC").available()).isEqualTo(5);
    }

    @Test
    void aSideThatEndedWithItsCreditTakesNoRefund() {
        // given a side that debited and was credited
        Commands.SideLegs side = commands.side("tr-1", 7, BUYER, "USDT", 100, "BTC", 5, 0, null);
        driver.send(side.debit());
        assertThat(driver.send(side.credit()).getStatus()).isEqualTo(ResultStatus.ACCEPTED);

        // when a REFUND of the same DEBIT arrives, then it pays nothing back: a side ends once
        assertThat(driver.send(side.refund())).isNull();
        assertThat(driver.balance(7, SPOT, "USDT").available()).isEqualTo(300);
        assertUnbacked("already ended with its CREDIT");
    }

    @Test
    void aSideThatEndedWithItsRefundTakesNoCredit() {
        // given a side that debited and was refunded
        Commands.SideLegs side = commands.side("tr-1", 7, BUYER, "USDT", 100, "BTC", 5, 0, null);
        driver.send(side.debit());
        assertThat(driver.send(side.refund()).getStatus()).isEqualTo(ResultStatus.ACCEPTED);

        // when a CREDIT of the same DEBIT arrives, then it credits nothing
        assertThat(driver.send(side.credit())).isNull();
        assertThat(driver.balance(7, SPOT, "BTC")).isEqualTo(Balance.ZERO);
        assertUnbacked("already ended with its REFUND");
    }

    private void assertUnbacked(String detail) {
        TestRecord<byte[], byte[]> letter = driver.deadLetters().get(driver.deadLetters().size() - 1);
        assertThat(SettlementDriver.header(letter, DeadLetterHeaders.REASON)).isEqualTo("UNBACKED_LEG");
        assertThat(SettlementDriver.header(letter, DeadLetterHeaders.MESSAGE)).contains(detail);
        assertThat(SettlementDriver.header(letter, DeadLetterHeaders.TOPIC)).isEqualTo("settlement.internal.trade-legs");
    }
}
