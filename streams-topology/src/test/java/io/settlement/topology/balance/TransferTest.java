package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.FUNDING;
import static io.settlement.avro.AccountType.SPOT;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.BalanceEvent;
import io.settlement.avro.CommandKind;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Wallet;
import io.settlement.topology.testkit.DriverTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TransferTest extends DriverTest {

    @BeforeEach
    void givenFundingBalance() {
        driver.send(commands.deposit("d-1", 7, "BTC", 500));
    }

    @Test
    void transferMovesAvailableBetweenWalletsInOneStep() {
        SettlementResult result = driver.send(commands.transfer("t-1", 7, Wallet.FUNDING, Wallet.SPOT, "BTC", 200));

        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(result.getKind()).isEqualTo(CommandKind.INTERNAL_TRANSFER);
        assertThat(driver.resultKeys()).last().isEqualTo("INTERNAL_TRANSFER:7:t-1");
        assertThat(driver.balance(7, FUNDING, "BTC")).isEqualTo(new Balance(300, 0, 0, 2));
        assertThat(driver.balance(7, SPOT, "BTC")).isEqualTo(new Balance(200, 0, 0, 1));
        assertThat(driver.journal()).last().satisfies(entry -> assertThat(entry.getPostings()).hasSize(1));
        assertThat(driver.events()).extracting(BalanceEvent::getWallet).containsExactly(Wallet.FUNDING, Wallet.FUNDING, Wallet.SPOT);
    }

    @Test
    void rejectsTransferWhenAvailableIsShort() {
        SettlementResult result = driver.send(commands.transfer("t-1", 7, Wallet.FUNDING, Wallet.SPOT, "BTC", 501));

        assertThat(result.getReason()).isEqualTo(Reason.INSUFFICIENT_AVAILABLE);
        assertThat(driver.balance(7, SPOT, "BTC")).isEqualTo(Balance.ZERO);
    }

    @Test
    void rejectsTransferToTheSameWallet() {
        assertThat(driver.send(commands.transfer("t-1", 7, Wallet.SPOT, Wallet.SPOT, "BTC", 1)).getReason()).isEqualTo(Reason.SAME_WALLET);
    }

    @Test
    void rejectsTransferOfAnUnknownAsset() {
        assertThat(driver.send(commands.transfer("t-1", 7, Wallet.FUNDING, Wallet.SPOT, "LTC", 1)).getReason()).isEqualTo(Reason.UNKNOWN_ASSET);
    }

    @Test
    void rejectsTransferOfZero() {
        assertThat(driver.send(commands.transfer("t-1", 7, Wallet.FUNDING, Wallet.SPOT, "BTC", 0)).getReason()).isEqualTo(Reason.INVALID_AMOUNT);
    }

    @Test
    void rejectsTransferWithoutRequestId() {
        assertThat(driver.send(commands.transfer("", 7, Wallet.FUNDING, Wallet.SPOT, "BTC", 1)).getReason()).isEqualTo(Reason.MISSING_ID);
    }
}
