package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.EXTERNAL;
import static io.settlement.avro.AccountType.FUNDING;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.BalanceEvent;
import io.settlement.avro.Bucket;
import io.settlement.avro.CommandKind;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Wallet;
import io.settlement.topology.testkit.DriverTest;
import org.junit.jupiter.api.Test;

class DepositTest extends DriverTest {

    @Test
    void depositCreditsFundingAvailableFromExternal() {
        // when
        SettlementResult result = driver.send(commands.deposit("d-1", 7, "BTC", 150));

        // then
        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(result.getKind()).isEqualTo(CommandKind.DEPOSIT);
        assertThat(driver.resultKeys()).containsExactly("DEPOSIT:7:d-1");
        assertThat(driver.balance(7, FUNDING, "BTC")).isEqualTo(new Balance(150, 0, 0, 1));
        assertThat(driver.system(EXTERNAL, "BTC")).isEqualTo(-150);
        JournalEntry entry = driver.journal().get(0);
        assertThat(entry.getEntryId()).isEqualTo("DEPOSIT:7:d-1");
        assertThat(entry.getPostings()).singleElement().satisfies(posting -> {
            assertThat(posting.getDebit().getType()).isEqualTo(EXTERNAL);
            assertThat(posting.getDebit().getOwnerId()).isZero();
            assertThat(posting.getCredit().getType()).isEqualTo(FUNDING);
            assertThat(posting.getCredit().getBucket()).isEqualTo(Bucket.AVAILABLE);
            assertThat(posting.getAmount()).isEqualTo(150);
            assertThat(posting.getAssetId()).isEqualTo(1);
        });
        BalanceEvent event = driver.events().get(0);
        assertThat(event.getUserId()).isEqualTo(7);
        assertThat(event.getWallet()).isEqualTo(Wallet.FUNDING);
        assertThat(event.getAvailable()).isEqualTo(150);
        assertThat(event.getDeltaAvailable()).isEqualTo(150);
        assertThat(event.getSeq()).isEqualTo(1);
        assertThat(event.getEntryId()).isEqualTo("DEPOSIT:7:d-1");
    }

    @Test
    void eachChangeOfAnAccountRaisesItsSeq() {
        // given
        driver.send(commands.deposit("d-1", 7, "BTC", 1));

        // when
        driver.send(commands.deposit("d-2", 7, "BTC", 2));

        // then
        assertThat(driver.events()).extracting(BalanceEvent::getSeq).containsExactly(1L, 2L);
        assertThat(driver.balance(7, FUNDING, "BTC").available()).isEqualTo(3);
    }

    @Test
    void rejectsDepositOfZero() {
        SettlementResult result = driver.send(commands.deposit("d-1", 7, "BTC", 0));

        assertThat(result.getReason()).isEqualTo(Reason.INVALID_AMOUNT);
        assertThat(result.getStatus()).isEqualTo(ResultStatus.REJECTED);
        assertThat(driver.journal()).isEmpty();
        assertThat(driver.events()).isEmpty();
    }

    @Test
    void rejectsDepositOfANegativeAmount() {
        assertThat(driver.send(commands.deposit("d-1", 7, "BTC", -5)).getReason()).isEqualTo(Reason.INVALID_AMOUNT);
    }

    @Test
    void rejectsDepositOfAnUnknownAsset() {
        assertThat(driver.send(commands.deposit("d-1", 7, "DOGE", 5)).getReason()).isEqualTo(Reason.UNKNOWN_ASSET);
    }

    @Test
    void rejectsDepositThatWouldOverflowTheBalance() {
        // given
        driver.send(commands.deposit("d-1", 7, "BTC", Long.MAX_VALUE));

        // when
        SettlementResult result = driver.send(commands.deposit("d-2", 7, "BTC", 1));

        // then
        assertThat(result.getReason()).isEqualTo(Reason.AMOUNT_OVERFLOW);
        assertThat(driver.balance(7, FUNDING, "BTC").available()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void rejectsCommandWithoutId() {
        SettlementResult result = driver.send(commands.deposit("", 7, "BTC", 5));

        assertThat(result.getReason()).isEqualTo(Reason.MISSING_ID);
        assertThat(driver.resultKeys()).containsExactly("DEPOSIT:7:");
    }

    @Test
    void rejectsCommandWhoseKeyIsNotItsUser() {
        SettlementResult result = driver.send(8L, commands.deposit("d-1", 7, "BTC", 5));

        assertThat(result.getReason()).isEqualTo(Reason.INVALID_USER);
        assertThat(driver.allBalances()).isEmpty();
    }

    @Test
    void rejectsCommandOfANonPositiveUser() {
        assertThat(driver.send(0L, commands.deposit("d-1", 0, "BTC", 5)).getReason()).isEqualTo(Reason.INVALID_USER);
    }

    @Test
    void initiatedDepositIsPendingUntilConfirmed() {
        // when
        SettlementResult initiated = driver.send(commands.depositInitiated("c-1", 7, "chain-1", "ETH", 40));

        // then
        assertThat(initiated.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(7, FUNDING, "ETH")).isEqualTo(new Balance(0, 0, 40, 1));

        // when
        SettlementResult confirmed = driver.send(commands.depositConfirmed("c-2", 7, "chain-1"));

        // then
        assertThat(confirmed.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(7, FUNDING, "ETH")).isEqualTo(new Balance(40, 0, 0, 2));
        assertThat(driver.system(EXTERNAL, "ETH")).isEqualTo(-40);
    }

    @Test
    void cancelledDepositReturnsPendingToExternal() {
        driver.send(commands.depositInitiated("c-1", 7, "chain-1", "ETH", 40));

        SettlementResult cancelled = driver.send(commands.depositCancelled("c-2", 7, "chain-1"));

        assertThat(cancelled.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(7, FUNDING, "ETH")).isEqualTo(new Balance(0, 0, 0, 2));
        assertThat(driver.system(EXTERNAL, "ETH")).isZero();
    }

    @Test
    void rejectsConfirmingAnUnknownDeposit() {
        assertThat(driver.send(commands.depositConfirmed("c-1", 7, "nope")).getReason()).isEqualTo(Reason.UNKNOWN_DEPOSIT);
    }

    @Test
    void rejectsCancellingAnotherUsersDeposit() {
        driver.send(commands.depositInitiated("c-1", 7, "chain-1", "ETH", 40));

        assertThat(driver.send(commands.depositCancelled("c-2", 8, "chain-1")).getReason()).isEqualTo(Reason.UNKNOWN_DEPOSIT);
        assertThat(driver.balance(7, FUNDING, "ETH").pending()).isEqualTo(40);
    }

    @Test
    void rejectsConfirmingADepositTwice() {
        driver.send(commands.depositInitiated("c-1", 7, "chain-1", "ETH", 40));
        driver.send(commands.depositConfirmed("c-2", 7, "chain-1"));

        SettlementResult again = driver.send(commands.depositConfirmed("c-3", 7, "chain-1"));

        assertThat(again.getReason()).isEqualTo(Reason.ALREADY_FINAL);
        assertThat(driver.balance(7, FUNDING, "ETH").available()).isEqualTo(40);
    }

    @Test
    void rejectsCancellingAConfirmedDeposit() {
        driver.send(commands.depositInitiated("c-1", 7, "chain-1", "ETH", 40));
        driver.send(commands.depositConfirmed("c-2", 7, "chain-1"));

        assertThat(driver.send(commands.depositCancelled("c-3", 7, "chain-1")).getReason()).isEqualTo(Reason.ALREADY_FINAL);
    }

    @Test
    void rejectsInitiatingTheSameDepositWithAnotherCommand() {
        driver.send(commands.depositInitiated("c-1", 7, "chain-1", "ETH", 40));

        SettlementResult again = driver.send(commands.depositInitiated("c-2", 7, "chain-1", "ETH", 40));

        assertThat(again.getReason()).isEqualTo(Reason.DUPLICATE_DEPOSIT);
        assertThat(driver.balance(7, FUNDING, "ETH").pending()).isEqualTo(40);
    }

    @Test
    void rejectsInitiatedDepositWithoutDepositId() {
        assertThat(driver.send(commands.depositInitiated("c-1", 7, "", "ETH", 40)).getReason()).isEqualTo(Reason.MISSING_ID);
    }
}
