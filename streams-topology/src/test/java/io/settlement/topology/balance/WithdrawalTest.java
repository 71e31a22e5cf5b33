package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.EXTERNAL;
import static io.settlement.avro.AccountType.FUNDING;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.topology.testkit.DriverTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WithdrawalTest extends DriverTest {

    @BeforeEach
    void givenAFundedUser() {
        driver.send(commands.deposit("d-1", 7, "USDT", 1_000));
    }

    @Test
    void requestedWithdrawalFreezesTheAmount() {
        SettlementResult result = driver.send(commands.withdrawRequested("w-1", 7, "out-1", "USDT", 300));

        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(7, FUNDING, "USDT")).isEqualTo(new Balance(700, 300, 0, 2));
    }

    @Test
    void confirmedWithdrawalLeavesToExternal() {
        driver.send(commands.withdrawRequested("w-1", 7, "out-1", "USDT", 300));

        SettlementResult result = driver.send(commands.withdrawConfirmed("w-2", 7, "out-1"));

        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(7, FUNDING, "USDT")).isEqualTo(new Balance(700, 0, 0, 3));
        assertThat(driver.system(EXTERNAL, "USDT")).isEqualTo(-700);
    }

    @Test
    void cancelledWithdrawalReturnsToAvailable() {
        driver.send(commands.withdrawRequested("w-1", 7, "out-1", "USDT", 300));

        SettlementResult result = driver.send(commands.withdrawCancelled("w-2", 7, "out-1"));

        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(7, FUNDING, "USDT")).isEqualTo(new Balance(1_000, 0, 0, 3));
    }

    @Test
    void rejectsWithdrawalLargerThanAvailable() {
        SettlementResult result = driver.send(commands.withdrawRequested("w-1", 7, "out-1", "USDT", 1_001));

        assertThat(result.getReason()).isEqualTo(Reason.INSUFFICIENT_AVAILABLE);
        assertThat(driver.balance(7, FUNDING, "USDT")).isEqualTo(new Balance(1_000, 0, 0, 1));
    }

    @Test
    void rejectsConfirmingAnUnknownWithdrawal() {
        assertThat(driver.send(commands.withdrawConfirmed("w-2", 7, "nope")).getReason()).isEqualTo(Reason.UNKNOWN_WITHDRAWAL);
    }

    @Test
    void rejectsCancellingAConfirmedWithdrawal() {
        driver.send(commands.withdrawRequested("w-1", 7, "out-1", "USDT", 300));
        driver.send(commands.withdrawConfirmed("w-2", 7, "out-1"));

        assertThat(driver.send(commands.withdrawCancelled("w-3", 7, "out-1")).getReason()).isEqualTo(Reason.ALREADY_FINAL);
        assertThat(driver.balance(7, FUNDING, "USDT")).isEqualTo(new Balance(700, 0, 0, 3));
    }

    @Test
    void rejectsRequestingTheSameWithdrawalWithAnotherCommand() {
        driver.send(commands.withdrawRequested("w-1", 7, "out-1", "USDT", 300));

        assertThat(driver.send(commands.withdrawRequested("w-2", 7, "out-1", "USDT", 300)).getReason())
                .isEqualTo(Reason.DUPLICATE_WITHDRAWAL);
    }

    @Test
    void rejectsWithdrawalOfAnUnknownAsset() {
        assertThat(driver.send(commands.withdrawRequested("w-1", 7, "out-1", "XRP", 1)).getReason()).isEqualTo(Reason.UNKNOWN_ASSET);
    }

    @Test
    void rejectsWithdrawalOfZero() {
        assertThat(driver.send(commands.withdrawRequested("w-1", 7, "out-1", "USDT", 0)).getReason()).isEqualTo(Reason.INVALID_AMOUNT);
    }
}
