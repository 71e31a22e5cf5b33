package io.settlement.topology;

import static io.settlement.avro.AccountType.FUNDING;
import static io.settlement.avro.AccountType.SPOT;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.CommandKind;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.contract.CommandKeys;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.Hold;
import io.settlement.topology.balance.Reservation;
import io.settlement.topology.testkit.DriverTest;
import io.settlement.topology.testkit.SettlementDriver;
import java.time.Duration;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * Ordinary traffic out of order: business ids shared between users, a confirmation or a release
 * that overtakes what it names, a fill that reaches settlement long after its order was released,
 * and state written before business ids were scoped to their users. Fill grace 10 minutes; every
 * scenario ends with the invariants ({@link DriverTest}).
 */
class MoneyUnderDisorderTest extends DriverTest {
    private static final Duration GRACE = Duration.ofMinutes(10);
    private static final long ALICE = 42;
    private static final long BOB = 1;

    @Override
    protected SettlementDriver startDriver() {
        return SettlementDriver.start(new SettlementConfig(Assets.parse("BTC:1:8,USDT:2:6,ETH:3:9"), Duration.ofHours(1),
                Duration.ofMinutes(1), GRACE, 1));
    }

    // 1. One chain transaction pays several users.

    @Test
    void aChainTransactionThatPaysTwoUsersCreditsEachOnce() {
        // given one transaction tx-1 paying deposit addresses of two users of the same partition
        SettlementResult alice = driver.send(commands.depositInitiated("tx-1", ALICE, "tx-1", "BTC", 100));
        SettlementResult bob = driver.send(commands.depositInitiated("tx-1", BOB, "tx-1", "BTC", 30));

        // when the wallet service confirms it for each
        SettlementResult aliceConfirmed = driver.send(commands.depositConfirmed("tx-1", ALICE, "tx-1"));
        SettlementResult bobConfirmed = driver.send(commands.depositConfirmed("tx-1", BOB, "tx-1"));

        // then each is credited once, and a second deposit of tx-1 to the same user is a duplicate
        assertThat(java.util.List.of(alice, bob, aliceConfirmed, bobConfirmed)).extracting(SettlementResult::getStatus)
                .containsOnly(ResultStatus.ACCEPTED);
        assertThat(driver.balance(ALICE, FUNDING, "BTC").available()).isEqualTo(100);
        assertThat(driver.balance(BOB, FUNDING, "BTC").available()).isEqualTo(30);
        assertThat(driver.send(commands.depositInitiated("tx-1-again", ALICE, "tx-1", "BTC", 100)).getReason())
                .isEqualTo(Reason.DUPLICATE_DEPOSIT);
    }

    @Test
    void withdrawalAndOrderIdsAreUniquePerUser() {
        driver.fundSpot(ALICE, "USDT", 100);
        driver.fundSpot(BOB, "USDT", 100);
        driver.send(commands.deposit("d-a", ALICE, "BTC", 50));
        driver.send(commands.deposit("d-b", BOB, "BTC", 50));

        SettlementResult aliceWithdrawal = driver.send(commands.withdrawRequested("w-a", ALICE, "w-1", "BTC", 20));
        SettlementResult bobWithdrawal = driver.send(commands.withdrawRequested("w-b", BOB, "w-1", "BTC", 20));
        SettlementResult aliceOrder = driver.send(commands.orderReserved("o-a", ALICE, "order-1", "USDT", 60));
        SettlementResult bobOrder = driver.send(commands.orderReserved("o-b", BOB, "order-1", "USDT", 70));
        SettlementResult bobCancels = driver.send(commands.withdrawCancelled("c-b", BOB, "w-1"));
        SettlementResult bobReleases = driver.send(commands.orderReleased("r-b", BOB, "order-1", 0));

        assertThat(java.util.List.of(aliceWithdrawal, bobWithdrawal, aliceOrder, bobOrder, bobCancels, bobReleases))
                .extracting(SettlementResult::getStatus).containsOnly(ResultStatus.ACCEPTED);
        assertThat(driver.balance(ALICE, FUNDING, "BTC")).extracting(Balance::available, Balance::frozen).containsExactly(30L, 20L);
        assertThat(driver.balance(BOB, FUNDING, "BTC")).extracting(Balance::available, Balance::frozen).containsExactly(50L, 0L);
        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(40L, 60L);
        assertThat(driver.balance(BOB, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(100L, 0L);
    }

    // 2. A command that names something not there yet does not burn its id.

    @Test
    void aConfirmationThatOvertakesItsDepositAppliesWhenRetriedAfterIt() {
        // given the confirmation arrives first: rejected, but its id is not claimed
        SettlementResult early = driver.send(commands.depositConfirmed("tx-7", ALICE, "tx-7"));
        assertThat(early.getReason()).isEqualTo(Reason.UNKNOWN_DEPOSIT);

        // when the deposit arrives, and the wallet service retries the confirmation
        driver.send(commands.depositInitiated("tx-7-seen", ALICE, "tx-7", "BTC", 500));
        SettlementResult retried = driver.send(commands.depositConfirmed("tx-7", ALICE, "tx-7"));

        // then the retry applies, and its status is the accepted one from now on
        assertThat(retried.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(ALICE, FUNDING, "BTC")).extracting(Balance::available, Balance::pending).containsExactly(500L, 0L);
        assertThat(driver.status(CommandKeys.of(CommandKind.DEPOSIT_CONFIRMED, ALICE, "tx-7")).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.send(commands.depositConfirmed("tx-7", ALICE, "tx-7"))).as("a retry after it applied").isEqualTo(retried);
    }

    @Test
    void aReleaseThatOvertakesItsReservationAppliesWhenRetriedAfterIt() {
        driver.fundSpot(ALICE, "USDT", 100);
        assertThat(driver.send(commands.orderReleased("rel-1", ALICE, "order-1", 0)).getReason()).isEqualTo(Reason.UNKNOWN_ORDER);

        driver.send(commands.orderReserved("res-1", ALICE, "order-1", "USDT", 80));
        SettlementResult retried = driver.send(commands.orderReleased("rel-1", ALICE, "order-1", 0));

        assertThat(retried.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(100L, 0L);
    }

    @Test
    void aConfirmationOfAFinalDepositStillClaimsItsId() {
        driver.send(commands.depositInitiated("tx-8-seen", ALICE, "tx-8", "BTC", 5));
        driver.send(commands.depositCancelled("tx-8-cancel", ALICE, "tx-8"));

        SettlementResult late = driver.send(commands.depositConfirmed("tx-8", ALICE, "tx-8"));

        assertThat(late.getReason()).isEqualTo(Reason.ALREADY_FINAL);
        assertThat(driver.status(CommandKeys.of(CommandKind.DEPOSIT_CONFIRMED, ALICE, "tx-8")).getReason()).isEqualTo(Reason.ALREADY_FINAL);
    }

    // 3. An executed fill settles however late.

    @Test
    void aFillExecutedBeforeTheReleaseSettlesWhenItReachesSettlementLongAfterTheGrace() {
        // given an order released one second after a fill of 60 was executed
        driver.fundSpot(ALICE, "USDT", 100);
        driver.fundSpot(BOB, "BTC", 10);
        driver.send(commands.orderReserved("res-o", ALICE, "o", "USDT", 100));
        java.time.Instant executed = driver.now();
        driver.advanceWallClock(Duration.ofSeconds(1));
        driver.send(commands.orderReleased("rel-o", ALICE, "o", 60));

        // when settlement reaches the fill an outage later, far past the fill grace
        driver.advanceWallClock(GRACE.multipliedBy(30));
        SettlementResult fill = driver.settle(Trade.newBuilder().setTradeId("t-1").setSymbol("BTCUSDT").setBaseAsset("BTC")
                .setQuoteAsset("USDT").setBaseQty(10).setQuoteQty(60)
                .setBuyer(new TradeParty(ALICE, "o", 0L)).setSeller(new TradeParty(BOB, null, 0L)).setExecutedAt(executed).build());

        // then it settles, and the order closed with it
        assertThat(fill.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(40L, 0L);
        assertThat(driver.balance(ALICE, SPOT, "BTC").available()).isEqualTo(10);
        assertThat(driver.reservation(ALICE, "o").isClosed()).isTrue();
    }

    // State written before business ids were scoped to their users.

    @Test
    void aDepositHeldUnderTheKeyUsedBeforeIdsWereScopedIsStillConfirmed() {
        // given a deposit whose hold sits under DEPOSIT:<id>, as written before the upgrade
        driver.send(commands.depositInitiated("old-seen", ALICE, "tx-old", "BTC", 70));
        KeyValueStore<String, Hold> holds = driver.testDriver().getKeyValueStore(StoreNames.HOLDS);
        Hold hold = holds.get("DEPOSIT@" + ALICE + "/tx-old");
        holds.delete("DEPOSIT@" + ALICE + "/tx-old");
        holds.put("DEPOSIT:tx-old", hold);

        // when another user names the same id, and then its owner confirms it
        SettlementResult stranger = driver.send(commands.depositConfirmed("tx-old", BOB, "tx-old"));
        SettlementResult confirmed = driver.send(commands.depositConfirmed("tx-old", ALICE, "tx-old"));

        // then the stranger finds nothing, the owner's confirmation applies where the hold is, and a new one is a duplicate
        assertThat(stranger.getReason()).isEqualTo(Reason.UNKNOWN_DEPOSIT);
        assertThat(confirmed.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(holds.get("DEPOSIT:tx-old").isFinal()).isTrue();
        assertThat(driver.send(commands.depositInitiated("old-again", ALICE, "tx-old", "BTC", 70)).getReason()).isEqualTo(Reason.DUPLICATE_DEPOSIT);
    }

    @Test
    void anOrderReservedUnderTheKeyUsedBeforeIdsWereScopedIsStillFilledAndReleased() {
        // given an order whose reservation sits under its bare order id, as written before the upgrade
        driver.fundSpot(ALICE, "USDT", 100);
        driver.fundSpot(BOB, "BTC", 10);
        driver.send(commands.orderReserved("res-old", ALICE, "o-old", "USDT", 100));
        KeyValueStore<String, Reservation> reservations = driver.testDriver().getKeyValueStore(StoreNames.RESERVATIONS);
        Reservation reservation = reservations.get(Reservation.keyOf(ALICE, "o-old"));
        reservations.delete(Reservation.keyOf(ALICE, "o-old"));
        reservations.put("o-old", reservation);

        // when it is filled and released
        SettlementResult fill = driver.settle(Trade.newBuilder().setTradeId("t-old").setSymbol("BTCUSDT").setBaseAsset("BTC")
                .setQuoteAsset("USDT").setBaseQty(10).setQuoteQty(30)
                .setBuyer(new TradeParty(ALICE, "o-old", 0L)).setSeller(new TradeParty(BOB, null, 0L)).setExecutedAt(driver.now()).build());
        SettlementResult released = driver.send(commands.orderReleased("rel-old", ALICE, "o-old", 30));

        // then both apply to it where it is
        assertThat(fill.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(released.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(reservations.get("o-old").isClosed()).isTrue();
        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(70L, 0L);
    }
}
