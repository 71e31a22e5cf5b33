package io.settlement.topology.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.Reason;
import io.settlement.avro.SettlementResult;
import io.settlement.topology.testkit.DriverTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CommandStatusTest extends DriverTest {

    @Test
    void statusOfACommandIsItsResultByKindAndId() {
        SettlementResult result = driver.send(commands.deposit("d-1", 7, "BTC", 5));

        assertThat(driver.status("DEPOSIT:7:d-1")).isEqualTo(result);
        assertThat(driver.status("WITHDRAW_REQUESTED:7:d-1")).isNull();
    }

    @Test
    void conflictingReuseDoesNotOverwriteTheFirstStatus() {
        SettlementResult first = driver.send(commands.deposit("d-1", 7, "BTC", 5));

        SettlementResult conflict = driver.send(commands.deposit("d-1", 7, "BTC", 6));

        assertThat(conflict.getReason()).isEqualTo(Reason.ID_CONFLICT);
        assertThat(driver.status("DEPOSIT:7:d-1")).isEqualTo(first);
    }

    @Test
    void replayAfterTheRetentionDoesNotOverwriteTheFirstStatus() {
        var deposit = commands.deposit("d-1", 7, "BTC", 5);
        SettlementResult first = driver.send(deposit);
        driver.advanceWallClock(driver.config().commandRetention().plus(driver.config().purgeInterval()).plus(Duration.ofMinutes(1)));

        SettlementResult replay = driver.send(deposit);

        assertThat(replay.getReason()).isEqualTo(Reason.REPLAY_AFTER_RETENTION);
        assertThat(driver.status("DEPOSIT:7:d-1")).isEqualTo(first);
    }

    @Test
    void retryLeavesTheStatusAsItWas() {
        SettlementResult first = driver.send(commands.deposit("d-1", 7, "BTC", 5));

        driver.send(commands.deposit("d-1", 7, "BTC", 5));

        assertThat(driver.status("DEPOSIT:7:d-1")).isEqualTo(first);
    }
}
