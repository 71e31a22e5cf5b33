package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.SPOT;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Wallet;
import io.settlement.topology.testkit.DriverTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OrderTest extends DriverTest {

    @BeforeEach
    void givenSpotFunds() {
        driver.send(commands.deposit("d-1", 7, "USDT", 1_000));
        driver.send(commands.transfer("t-1", 7, Wallet.FUNDING, Wallet.SPOT, "USDT", 1_000));
    }

    @Test
    void reservingFreezesSpotFundsForTheOrder() {
        SettlementResult result = driver.send(commands.orderReserved("r-1", 7, "o-1", "USDT", 400));

        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(7, SPOT, "USDT")).isEqualTo(new Balance(600, 400, 0, 2));
    }

    @Test
    void releaseReturnsWhatTheFillsWillNeverUse() {
        driver.send(commands.orderReserved("r-1", 7, "o-1", "USDT", 400));

        SettlementResult result = driver.send(commands.orderReleased("x-1", 7, "o-1", 150));

        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(7, SPOT, "USDT")).isEqualTo(new Balance(850, 150, 0, 3));
    }

    @Test
    void releaseOfAnUnfilledOrderReturnsEverything() {
        driver.send(commands.orderReserved("r-1", 7, "o-1", "USDT", 400));

        driver.send(commands.orderReleased("x-1", 7, "o-1", 0));

        assertThat(driver.balance(7, SPOT, "USDT")).isEqualTo(new Balance(1_000, 0, 0, 3));
    }

    @Test
    void releaseOfAFullyFilledOrderMovesNothingAndWritesNoEntry() {
        driver.send(commands.orderReserved("r-1", 7, "o-1", "USDT", 400));
        int entries = driver.journal().size();

        SettlementResult result = driver.send(commands.orderReleased("x-1", 7, "o-1", 400));

        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.journal()).hasSize(entries);
        assertThat(driver.balance(7, SPOT, "USDT")).isEqualTo(new Balance(600, 400, 0, 2));
    }

    @Test
    void rejectsReservingMoreThanAvailable() {
        assertThat(driver.send(commands.orderReserved("r-1", 7, "o-1", "USDT", 1_001)).getReason())
                .isEqualTo(Reason.INSUFFICIENT_AVAILABLE);
    }

    @Test
    void rejectsReservingAnOrderTwice() {
        driver.send(commands.orderReserved("r-1", 7, "o-1", "USDT", 100));

        assertThat(driver.send(commands.orderReserved("r-2", 7, "o-1", "USDT", 100)).getReason()).isEqualTo(Reason.DUPLICATE_ORDER);
        assertThat(driver.balance(7, SPOT, "USDT").frozen()).isEqualTo(100);
    }

    @Test
    void rejectsReservationWithoutOrderId() {
        assertThat(driver.send(commands.orderReserved("r-1", 7, "", "USDT", 100)).getReason()).isEqualTo(Reason.MISSING_ID);
    }

    @Test
    void rejectsReleasingAnUnknownOrder() {
        assertThat(driver.send(commands.orderReleased("x-1", 7, "nope", 0)).getReason()).isEqualTo(Reason.UNKNOWN_ORDER);
    }

    @Test
    void rejectsReleasingAnotherUsersOrder() {
        driver.send(commands.orderReserved("r-1", 7, "o-1", "USDT", 100));

        assertThat(driver.send(commands.orderReleased("x-1", 8, "o-1", 0)).getReason()).isEqualTo(Reason.UNKNOWN_ORDER);
    }

    @Test
    void rejectsReleasingAnOrderTwice() {
        driver.send(commands.orderReserved("r-1", 7, "o-1", "USDT", 100));
        driver.send(commands.orderReleased("x-1", 7, "o-1", 0));

        assertThat(driver.send(commands.orderReleased("x-2", 7, "o-1", 0)).getReason()).isEqualTo(Reason.ORDER_RELEASED);
    }

    @Test
    void rejectsReleaseWhoseFillsExceedTheReservation() {
        driver.send(commands.orderReserved("r-1", 7, "o-1", "USDT", 100));

        assertThat(driver.send(commands.orderReleased("x-1", 7, "o-1", 101)).getReason()).isEqualTo(Reason.FILL_EXCEEDS_RESERVATION);
        assertThat(driver.balance(7, SPOT, "USDT").frozen()).isEqualTo(100);
    }

    @Test
    void rejectsReleaseWithNegativeFilledTotal() {
        driver.send(commands.orderReserved("r-1", 7, "o-1", "USDT", 100));

        assertThat(driver.send(commands.orderReleased("x-1", 7, "o-1", -1)).getReason()).isEqualTo(Reason.INVALID_AMOUNT);
    }
}
