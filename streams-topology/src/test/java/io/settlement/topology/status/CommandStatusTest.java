package io.settlement.topology.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
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

    @Test
    void aTradesStatusIsItsResultAndAfterTheRetentionItsOutcome() {
        // given a settled trade
        driver.fundSpot(7, "USDT", 1_000);
        driver.fundSpot(8, "BTC", 10);
        SettlementResult result = driver.settle(Trade.newBuilder()
                .setTradeId("t-1").setSymbol("BTCUSDT").setBaseAsset("BTC").setQuoteAsset("USDT").setBaseQty(10).setQuoteQty(1_000)
                .setBuyer(TradeParty.newBuilder().setUserId(7).setOrderId(null).setFee(0).build())
                .setSeller(TradeParty.newBuilder().setUserId(8).setOrderId(null).setFee(0).build())
                .setExecutedAt(driver.now()).build());

        // then its status is its result while the coordinator keeps the trade
        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.status("TRADE:t-1")).isEqualTo(result);

        // and when the trade's full state is compacted after the retention, its outcome stays
        driver.advanceWallClock(driver.config().commandRetention().plus(driver.config().purgeInterval()).plus(Duration.ofMinutes(1)));
        SettlementResult retired = driver.status("TRADE:t-1");
        assertThat(retired.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(retired.getDetail()).contains("ended SETTLED").contains("compacted");
        assertThat(driver.status("TRADE:t-2")).isNull();
    }
}
