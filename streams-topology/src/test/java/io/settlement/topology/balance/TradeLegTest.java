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
import io.settlement.topology.testkit.DriverTest;
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
        assertThat(driver.send(commands.leg("tr-1", 7, BUYER, CREDIT, "BTC", 0, 0, null)).getReason()).isEqualTo(Reason.INVALID_AMOUNT);
    }

    @Test
    void rejectsLegWithoutTradeId() {
        assertThat(driver.send(commands.leg("", 7, BUYER, CREDIT, "BTC", 5, 0, null)).getReason()).isEqualTo(Reason.MISSING_ID);
    }

    @Test
    void rejectsLegWhoseKeyIsNotItsUser() {
        assertThat(driver.send(9L, commands.leg("tr-1", 7, BUYER, CREDIT, "BTC", 5, 0, null)).getReason()).isEqualTo(Reason.INVALID_USER);
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
    void releaseBeforeFillsKeepsWhatTheFillsNeed() {
        // given the order is released saying its fills take 450 in total, before any fill arrived
        driver.send(commands.orderReleased("x-1", 7, "o-1", 450));
        assertThat(driver.balance(7, SPOT, "USDT")).isEqualTo(new Balance(550, 450, 0, 3));

        // when the fills arrive
        LegResult first = driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "USDT", 300, 0, "o-1"));
        LegResult second = driver.send(commands.leg("tr-2", 7, BUYER, DEBIT, "USDT", 150, 0, "o-1"));
        LegResult third = driver.send(commands.leg("tr-3", 7, BUYER, DEBIT, "USDT", 1, 0, "o-1"));

        // then they find their funds, and nothing beyond
        assertThat(first.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(second.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(third.getReason()).isEqualTo(Reason.FILL_EXCEEDS_RESERVATION);
        assertThat(driver.balance(7, SPOT, "USDT")).isEqualTo(new Balance(550, 0, 0, 5, 450));
    }

    @Test
    void releaseAfterFillsReturnsTheSameAsBefore() {
        driver.send(commands.leg("tr-1", 7, BUYER, DEBIT, "USDT", 300, 0, "o-1"));
        driver.send(commands.leg("tr-2", 7, BUYER, DEBIT, "USDT", 150, 0, "o-1"));

        driver.send(commands.orderReleased("x-1", 7, "o-1", 450));

        assertThat(driver.balance(7, SPOT, "USDT")).isEqualTo(new Balance(550, 0, 0, 5, 450));
    }
}
