package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.FUNDING;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.StoreNames;
import io.settlement.topology.testkit.DriverTest;
import io.settlement.topology.testkit.SettlementDriver;
import java.time.Duration;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class IdempotencyTest extends DriverTest {

    @Override
    protected SettlementDriver startDriver() {
        SettlementConfig defaults = SettlementConfig.defaults(1);
        return SettlementDriver.start(new SettlementConfig(defaults.assets(), Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofMinutes(10), 1));
    }

    @Test
    void retryReturnsTheIdenticalFirstResultAndChangesNothing() {
        // given
        SettlementResult first = driver.send(commands.deposit("d-1", 7, "BTC", 100));
        driver.advanceWallClock(Duration.ofSeconds(30));

        // when the producer retries, stamped anew
        SettlementResult retry = driver.send(commands.deposit("d-1", 7, "BTC", 100));

        // then
        assertThat(retry).isEqualTo(first);
        assertThat(driver.resultKeys()).containsExactly("DEPOSIT:7:d-1", "DEPOSIT:7:d-1");
        assertThat(driver.balance(7, FUNDING, "BTC").available()).isEqualTo(100);
        assertThat(driver.journal()).hasSize(1);
        assertThat(driver.events()).hasSize(1);
    }

    @Test
    void retryOfARejectedCommandIsRejectedAlikeEvenIfItWouldFitNow() {
        SettlementResult first = driver.send(commands.withdrawRequested("w-1", 7, "out-1", "BTC", 50));
        driver.send(commands.deposit("d-1", 7, "BTC", 100));

        SettlementResult retry = driver.send(commands.withdrawRequested("w-1", 7, "out-1", "BTC", 50));

        assertThat(retry).isEqualTo(first);
        assertThat(retry.getReason()).isEqualTo(Reason.INSUFFICIENT_AVAILABLE);
        assertThat(driver.balance(7, FUNDING, "BTC").frozen()).isZero();
    }

    @Test
    void reuseOfAnIdWithOtherContentIsAnIdConflict() {
        driver.send(commands.deposit("d-1", 7, "BTC", 100));

        SettlementResult conflict = driver.send(commands.deposit("d-1", 7, "BTC", 101));

        assertThat(conflict.getReason()).isEqualTo(Reason.ID_CONFLICT);
        assertThat(driver.resultKeys()).last().isEqualTo("DEPOSIT:7:d-1");
        assertThat(driver.balance(7, FUNDING, "BTC").available()).isEqualTo(100);
    }

    @Test
    void sameIdInAnotherKindIsAnotherCommand() {
        driver.send(commands.deposit("c-1", 7, "BTC", 100));

        SettlementResult withdrawal = driver.send(commands.withdrawRequested("c-1", 7, "out-1", "BTC", 10));

        assertThat(withdrawal.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
    }

    @Test
    void commandOlderThanTheRetentionIsExpired() {
        BalanceOperation old = commands.deposit("d-1", 7, "BTC", 100);
        old.setCreatedAt(driver.now().minus(Duration.ofHours(1)).minusMillis(1));

        SettlementResult result = driver.send(old);

        assertThat(result.getReason()).isEqualTo(Reason.EXPIRED);
        assertThat(driver.allBalances()).isEmpty();
    }

    @Test
    void commandJustInsideTheRetentionIsApplied() {
        BalanceOperation late = commands.deposit("d-1", 7, "BTC", 100);
        late.setCreatedAt(driver.now().minus(Duration.ofHours(1)));

        assertThat(driver.send(late).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
    }

    @Test
    void aDepositReplayedWithAFreshStampAfterTheRetentionIsNotCreditedAgain() {
        // given a deposit credited long ago
        driver.send(commands.deposit("d-1", 7, "BTC", 100));
        driver.advanceWallClock(Duration.ofHours(1).plusMinutes(6));

        // when its producer replays it, stamped anew, after the retention (purges have run meanwhile)
        SettlementResult replay = driver.send(commands.deposit("d-1", 7, "BTC", 100));

        // then it is answered with its own reason and changes nothing
        assertThat(replay.getStatus()).isEqualTo(ResultStatus.REJECTED);
        assertThat(replay.getReason()).isEqualTo(Reason.REPLAY_AFTER_RETENTION);
        assertThat(driver.balance(7, FUNDING, "BTC").available()).isEqualTo(100);
        assertThat(driver.journal()).hasSize(1);
    }

    @Test
    void anIdReusedWithOtherContentAfterTheRetentionIsStillAConflict() {
        driver.send(commands.deposit("d-1", 7, "BTC", 100));
        driver.advanceWallClock(Duration.ofHours(2));

        SettlementResult reuse = driver.send(commands.deposit("d-1", 7, "BTC", 5));

        assertThat(reuse.getReason()).isEqualTo(Reason.ID_CONFLICT);
        assertThat(driver.balance(7, FUNDING, "BTC").available()).isEqualTo(100);
    }

    @Test
    void idsAreRememberedForEver() {
        driver.send(commands.deposit("d-1", 7, "BTC", 100));

        driver.advanceWallClock(Duration.ofDays(400));

        KeyValueStore<String, RememberedCommand> remembered = driver.testDriver().getKeyValueStore(StoreNames.COMMANDS);
        assertThat(remembered.get("DEPOSIT:7:d-1")).isNotNull();
    }
}
