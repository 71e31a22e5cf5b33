package io.settlement.topology;

import static io.settlement.avro.AccountType.CLEARING;
import static io.settlement.avro.AccountType.FUNDING;
import static io.settlement.avro.AccountType.SPOT;
import static io.settlement.avro.LegPhase.CREDIT;
import static io.settlement.avro.LegPhase.DEBIT;
import static io.settlement.avro.TradeSide.BUYER;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Deposit;
import io.settlement.avro.LegResult;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.avro.TradeState;
import io.settlement.avro.Wallet;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.Reservation;
import io.settlement.topology.testkit.Commands;
import io.settlement.topology.testkit.DriverTest;
import io.settlement.topology.testkit.SettlementDriver;
import java.time.Duration;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * The money rules that must hold over long horizons and on failure paths, each as the scenario
 * that broke them: late replays, reused trade ids, purges, rejected fills, credits at the
 * numeric limits, re-stamped retries and crafted fingerprint collisions. Retention 1h, fill grace
 * 10m, purge every minute; every scenario ends with the invariants ({@link DriverTest}).
 */
class MoneyForEverTest extends DriverTest {
    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Duration GRACE = Duration.ofMinutes(10);
    private static final Duration PURGE = Duration.ofMinutes(1);
    /** BTC and USDT as usual, and an 18-decimal token that holds only about 9.2 whole units in a long. */
    private static final String ASSETS = "BTC:1:8,USDT:2:6,WEI:4:18";
    private static final long ALICE = 11;
    private static final long BOB = 22;

    @Override
    protected SettlementDriver startDriver() {
        return SettlementDriver.start(new SettlementConfig(Assets.parse(ASSETS), RETENTION, PURGE, GRACE, 1));
    }

    // 1. A late replay creates no money.

    @Test
    void aPendingDepositAndItsConfirmationReplayedAfterTheRetentionAreNotCreditedAgain() {
        // given deposit tx-1 seen and confirmed
        driver.send(commands.depositInitiated("tx-1-initiated", ALICE, "tx-1", "BTC", 150_000_000));
        driver.send(commands.depositConfirmed("tx-1-confirmed", ALICE, "tx-1"));

        // when both requests come again, stamped anew, long after the retention
        driver.advanceWallClock(RETENTION.multipliedBy(30));
        SettlementResult initiatedAgain = driver.send(commands.depositInitiated("tx-1-initiated", ALICE, "tx-1", "BTC", 150_000_000));
        SettlementResult confirmedAgain = driver.send(commands.depositConfirmed("tx-1-confirmed", ALICE, "tx-1"));

        // then neither moves anything
        assertThat(initiatedAgain.getReason()).isEqualTo(Reason.REPLAY_AFTER_RETENTION);
        assertThat(confirmedAgain.getReason()).isEqualTo(Reason.REPLAY_AFTER_RETENTION);
        assertThat(driver.balance(ALICE, FUNDING, "BTC")).extracting(Balance::available, Balance::pending).containsExactly(150_000_000L, 0L);
    }

    @Test
    void theSameDepositIdUnderANewCommandIdAfterTheRetentionIsStillADuplicate() {
        driver.send(commands.depositInitiated("c-1", ALICE, "tx-1", "BTC", 100));
        driver.send(commands.depositConfirmed("c-2", ALICE, "tx-1"));
        driver.advanceWallClock(RETENTION.multipliedBy(3));

        SettlementResult again = driver.send(commands.depositInitiated("c-3", ALICE, "tx-1", "BTC", 100));
        SettlementResult confirmAgain = driver.send(commands.depositConfirmed("c-4", ALICE, "tx-1"));

        assertThat(again.getReason()).isEqualTo(Reason.DUPLICATE_DEPOSIT);
        assertThat(confirmAgain.getReason()).isEqualTo(Reason.ALREADY_FINAL);
        assertThat(driver.balance(ALICE, FUNDING, "BTC").available()).isEqualTo(100);
    }

    // 2. A reused trade id creates no money.

    @Test
    void aNewTradeUnderTheIdOfACompactedTradeMovesNothing() {
        // given trade t-1 settled, and compacted once the retention passed
        driver.fundSpot(ALICE, "USDT", 3_000);
        driver.fundSpot(BOB, "BTC", 100);
        assertThat(driver.settle(trade("t-1", ALICE, null, BOB, null, 50, 1_500)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        driver.advanceWallClock(RETENTION.plus(PURGE).plus(PURGE));
        assertThat(driver.testDriver().<String, TradeState>getKeyValueStore(StoreNames.TRADES).get("t-1")).isNull();

        // when the matching engine reuses the id for another trade
        SettlementResult reused = driver.settle(trade("t-1", ALICE, null, BOB, null, 50, 1_000));

        // then it is a conflict, and no leg is sent
        assertThat(reused.getReason()).isEqualTo(Reason.ID_CONFLICT);
        assertThat(spot(ALICE, "BTC")).isEqualTo(50);
        assertThat(spot(ALICE, "USDT")).isEqualTo(1_500);
        assertThat(spot(BOB, "BTC")).isEqualTo(50);
        assertThat(spot(BOB, "USDT")).isEqualTo(1_500);
    }

    @Test
    void aLegIsNeverAnsweredFromTheMemoryOfAnotherTradeWithTheSameId() {
        driver.fundSpot(ALICE, "USDT", 1_000);
        LegResult first = driver.send(commands.leg("t-1", ALICE, BUYER, DEBIT, "USDT", 400, 0, null, "USDT", 400, "BTC", 1));

        // the same leg key, sent for another trade instance (another fingerprint)
        LegResult other = driver.send(io.settlement.avro.TradeLeg.newBuilder(
                commands.leg("t-1", ALICE, BUYER, DEBIT, "USDT", 400, 0, null, "USDT", 400, "BTC", 1)).setTradeFingerprint("another-trade").build());

        assertThat(first.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(other.getReason()).isEqualTo(Reason.ID_CONFLICT);
        assertThat(spot(ALICE, "USDT")).isEqualTo(600);
        // settle the first leg's side so CLEARING drains
        driver.send(commands.leg("t-1", ALICE, BUYER, io.settlement.avro.LegPhase.REFUND, "USDT", 400, 0, null, "USDT", 400, "BTC", 1));
    }

    // 3. The purge strands nothing.

    @Test
    void aFillAfterPurgesButWithinTheGraceStillFindsItsFunds() {
        driver.fundSpot(ALICE, "USDT", 100);
        reserve(ALICE, "oA", "USDT", 100);
        driver.send(commands.orderReleased("rel-oA", ALICE, "oA", 60));
        driver.fundSpot(BOB, "BTC", 10);

        driver.advanceWallClock(GRACE.minus(PURGE.multipliedBy(2)));
        SettlementResult fill = driver.settle(trade("t-1", ALICE, "oA", BOB, null, 10, 60));

        assertThat(fill.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(40L, 0L);
    }

    @Test
    void anOrderWhoseAnnouncedFillIsLateKeepsItsFundsPastTheGraceAndTheLateFillSettles() {
        // given a release that keeps 60 for a fill that has not come
        driver.fundSpot(ALICE, "USDT", 100);
        reserve(ALICE, "oA", "USDT", 100);
        driver.send(commands.orderReleased("rel-oA", ALICE, "oA", 60));

        // when the grace ends, and the retention long after it
        driver.advanceWallClock(GRACE.plus(PURGE));
        driver.advanceWallClock(RETENTION.multipliedBy(2));

        // then the 60 are still frozen for the fill, and the order is listed as overdue
        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(40L, 60L);
        assertThat(driver.overdueOrders()).containsExactly(Reservation.keyOf(ALICE, "oA"));

        // and when the fill finally settles, it settles, the order closes and leaves the list
        driver.fundSpot(BOB, "BTC", 10);
        SettlementResult late = driver.settle(trade("t-late", ALICE, "oA", BOB, null, 10, 60));
        assertThat(late.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(40L, 0L);
        assertThat(driver.reservation(ALICE, "oA").isClosed()).isTrue();
        assertThat(driver.overdueOrders()).isEmpty();
        // and the order id is still taken
        assertThat(driver.send(commands.orderReserved("again-oA", ALICE, "oA", "USDT", 10)).getReason()).isEqualTo(Reason.DUPLICATE_ORDER);
    }

    @Test
    void anOperatorClosesAnOverdueOrderAndALaterFillIsRejected() {
        // given an order overdue with 60 kept for a fill that never comes
        driver.fundSpot(ALICE, "USDT", 100);
        reserve(ALICE, "oA", "USDT", 100);
        driver.send(commands.orderReleased("rel-oA", ALICE, "oA", 60));
        driver.advanceWallClock(GRACE.plus(PURGE));

        // when an operator closes it
        SettlementResult closed = driver.send(commands.orderClosed("close-oA", ALICE, "oA"));

        // then the 60 are available again, the order left the overdue list, and a later fill is refused
        assertThat(closed.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(100L, 0L);
        assertThat(driver.overdueOrders()).isEmpty();
        driver.fundSpot(BOB, "BTC", 10);
        SettlementResult late = driver.settle(trade("t-late", ALICE, "oA", BOB, null, 10, 60));
        assertThat(late.getReason()).isEqualTo(Reason.ORDER_CLOSED);
        assertThat(spot(BOB, "BTC")).as("the seller's debit came back").isEqualTo(10);
        assertThat(driver.send(commands.orderClosed("close-oA-again", ALICE, "oA")).getReason()).isEqualTo(Reason.ORDER_CLOSED);
    }

    @Test
    void onlyAReleasedOrderIsClosedByHand() {
        driver.fundSpot(ALICE, "USDT", 100);
        reserve(ALICE, "oA", "USDT", 100);

        SettlementResult refused = driver.send(commands.orderClosed("close-oA", ALICE, "oA"));

        assertThat(refused.getReason()).isEqualTo(Reason.INVALID_COMMAND);
        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(0L, 100L);
    }

    // 4. A rejected fill strands nothing.

    @Test
    void aFillThatFailsAfterTheReleaseIsNoLongerWaitedForAndTheOtherAnnouncedFillsSettle() {
        // given oA reserves 100 and is released with filled_total 60
        driver.fundSpot(ALICE, "USDT", 100);
        reserve(ALICE, "oA", "USDT", 100);
        driver.send(commands.orderReleased("rel-oA", ALICE, "oA", 60));
        driver.fundSpot(BOB, "BTC", 10);

        // when a fill of 10 from oA fails (the seller names an unknown order), and the other announced fill of 50 comes
        SettlementResult rejected = driver.settle(trade("t-bad", ALICE, "oA", BOB, "no-such-order", 1, 10));
        SettlementResult fill = driver.settle(trade("t-good", ALICE, "oA", BOB, null, 10, 50));

        // then the failed fill's 10 went back to available, the fill settles, and the order closed with nothing frozen
        assertThat(rejected.getReason()).isEqualTo(Reason.UNKNOWN_ORDER);
        assertThat(fill.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(50L, 0L);
        assertThat(spot(ALICE, "BTC")).isEqualTo(10);
        assertThat(driver.reservation(ALICE, "oA").isClosed()).isTrue();
    }

    @Test
    void aFillThatFailedBeforeTheReleaseIsNotWaitedForByTheRelease() {
        // given oA reserves 100 and a fill of 40 from it fails before the release (the seller names an unknown order)
        driver.fundSpot(ALICE, "USDT", 100);
        reserve(ALICE, "oA", "USDT", 100);
        driver.fundSpot(BOB, "BTC", 10);
        assertThat(driver.settle(trade("t-bad", ALICE, "oA", BOB, "no-such-order", 1, 40)).getReason()).isEqualTo(Reason.UNKNOWN_ORDER);

        // when the matching engine releases the order counting that fill and one more of 20 in its filled_total
        driver.send(commands.orderReleased("rel-oA", ALICE, "oA", 60));

        // then only the 20 still to come stays frozen
        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(80L, 20L);
        assertThat(driver.settle(trade("t-good", ALICE, "oA", BOB, null, 5, 20)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.reservation(ALICE, "oA").isClosed()).isTrue();
    }

    @Test
    void aRejectedFillThatIsAllTheReleaseAnnouncedReturnsToAvailableAtOnce() {
        driver.fundSpot(ALICE, "USDT", 100);
        reserve(ALICE, "oA", "USDT", 100);
        driver.send(commands.orderReleased("rel-oA", ALICE, "oA", 60));
        driver.fundSpot(BOB, "BTC", 10);

        driver.settle(trade("t-bad", ALICE, "oA", BOB, "no-such-order", 1, 60));

        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(100L, 0L);
        assertThat(driver.reservation(ALICE, "oA").isClosed()).isTrue();
    }

    // 5. Every trade ends, at the numeric limits too.

    @Test
    void aTradeWhoseCreditCouldNotFitIsRejectedAtItsDebitAndEnds() {
        // given Alice holds nearly a long of WEI, so receiving 3 WEI would overflow her SPOT account
        driver.fundSpot(ALICE, "WEI", Long.MAX_VALUE - 2);
        driver.fundSpot(ALICE, "USDT", 1_000);
        driver.fundSpot(BOB, "WEI", 3);

        // when she buys 3 WEI
        SettlementResult result = driver.settle(Trade.newBuilder(trade("t-1", ALICE, null, BOB, null, 3, 1_000))
                .setSymbol("WEIUSDT").setBaseAsset("WEI").build());

        // then the trade is rejected cleanly at her debit, and both sides are whole
        assertThat(result.getReason()).isEqualTo(Reason.AMOUNT_OVERFLOW);
        assertThat(spot(ALICE, "USDT")).isEqualTo(1_000);
        assertThat(spot(BOB, "WEI")).isEqualTo(3);
        assertThat(driver.system(CLEARING, "WEI")).isZero();
    }

    @Test
    void roomKeptByADebitCannotBeTakenSoTheCreditAlwaysLands() {
        // given a debit that keeps room for a credit of 5 WEI in a nearly full account
        driver.fundSpot(ALICE, "WEI", Long.MAX_VALUE - 10);
        driver.fundSpot(ALICE, "USDT", 100);
        LegResult debit = driver.send(commands.leg("t-1", ALICE, BUYER, DEBIT, "USDT", 100, 0, null, "USDT", 100, "WEI", 5));

        // when a transfer into the account would take that room
        driver.send(commands.deposit("x-0", ALICE, "WEI", 6));
        SettlementResult transfer = driver.send(commands.transfer("x-1", ALICE, Wallet.FUNDING, Wallet.SPOT, "WEI", 6));
        // and the credit comes (its debit happened on the seller's partition, shown here as CLEARING going negative)
        LegResult credit = driver.send(commands.leg("t-1", ALICE, BUYER, CREDIT, "WEI", 5, 0, null, "USDT", 100, "WEI", 5));

        // then the transfer is refused and the credit lands at the very limit
        assertThat(debit.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(transfer.getReason()).isEqualTo(Reason.AMOUNT_OVERFLOW);
        assertThat(credit.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(ALICE, SPOT, "WEI")).extracting(Balance::available, Balance::incoming).containsExactly(Long.MAX_VALUE - 5, 0L);
        assertThat(driver.balance(ALICE, SPOT, "USDT").incoming()).as("the refund's room released too").isZero();
        assertClearingShare("WEI", -5);
    }

    @Test
    void systemAccountSharesNeverRefuseAPostingWhateverTheVolumeThroughThem() {
        // given credits that leave this task through CLEARING far more WEI than a long holds
        // (the sellers' debits were taken on other partitions), each withdrawn at once
        driver.fundSpot(BOB, "USDT", 4);
        for (int i = 0; i < 4; i++) {
            Commands.SideLegs buyer = commands.side("t-" + i, BOB, BUYER, "USDT", 1, "WEI", 4_000_000_000_000_000_000L, 0, null);
            assertThat(driver.send(buyer.debit()).getStatus()).as("debit %d", i).isEqualTo(ResultStatus.ACCEPTED);
            LegResult credit = driver.send(buyer.credit());
            assertThat(credit.getStatus()).as("credit %d", i).isEqualTo(ResultStatus.ACCEPTED);
            driver.send(commands.transfer("back-" + i, BOB, Wallet.SPOT, Wallet.FUNDING, "WEI", 4_000_000_000_000_000_000L));
            driver.send(commands.withdrawRequested("w-" + i, BOB, "out-" + i, "WEI", 4_000_000_000_000_000_000L));
            assertThat(driver.send(commands.withdrawConfirmed("wc-" + i, BOB, "out-" + i)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        }
        // then this task's CLEARING share went round the long, EXTERNAL's too, and the sum is exact
        assertThat(driver.system(CLEARING, "WEI") + driver.system(io.settlement.avro.AccountType.EXTERNAL, "WEI")).isZero();
        assertClearingShare("WEI", -4 * 4_000_000_000_000_000_000L);
    }

    // 6. A retry re-stamped by its producer is a retry.

    @Test
    void theSameTradeSentAgainWithAnotherExecutionTimeIsARetryNotAConflict() {
        driver.fundSpot(ALICE, "USDT", 1_000);
        driver.fundSpot(BOB, "BTC", 10);
        Trade first = trade("t-1", ALICE, null, BOB, null, 10, 1_000);
        SettlementResult settled = driver.settle(first);
        driver.advanceWallClock(Duration.ofSeconds(3));

        SettlementResult retry = driver.settle(Trade.newBuilder(first).setExecutedAt(driver.now()).build());

        assertThat(retry).isEqualTo(settled);
        assertThat(spot(ALICE, "BTC")).isEqualTo(10);
    }

    // 7. Fingerprints cannot be crafted to collide.

    @Test
    void aCommandCraftedToCollideWithTheOld64BitFingerprintIsAConflictNotARetry() {
        // given a deposit, and the amount that made another asset's deposit under the same id
        // collide with it under the 64-bit mix the engine used before
        BalanceOperation btc = commands.deposit("c-1", ALICE, "BTC", 1_000);
        long crafted = Old64BitMix.collidingAmount(btc, "USDT");
        assertThat(Old64BitMix.of(commands.deposit("c-1", ALICE, "USDT", crafted))).isEqualTo(Old64BitMix.of(btc));
        driver.send(btc);

        // when the crafted command comes
        SettlementResult answer = driver.send(commands.deposit("c-1", ALICE, "USDT", crafted));

        // then it is recognised as other content
        assertThat(answer.getReason()).isEqualTo(Reason.ID_CONFLICT);
        assertThat(driver.balance(ALICE, FUNDING, "USDT").available()).isZero();
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** The 64-bit fingerprint the engine used before its digests were cryptographic, for deposits. */
    static final class Old64BitMix {
        private static final long SEED = 0x9E3779B97F4A7C15L;
        private static final long MULTIPLIER = 0xBF58476D1CE4E5B9L;

        static long of(BalanceOperation op) {
            Deposit d = (Deposit) op.getOperation();
            return mix(prefix(op, d.getAsset()), d.getAmount());
        }

        /** The amount x with mix(prefix(asset), x) == mix(prefix(original), amount): mix is (h ^ v) * M ..., so h ^ v must agree. */
        static long collidingAmount(BalanceOperation original, String asset) {
            Deposit d = (Deposit) original.getOperation();
            return prefix(original, d.getAsset()) ^ d.getAmount() ^ prefix(original, asset);
        }

        private static long prefix(BalanceOperation op, String asset) {
            return mix(mix(mix(SEED, op.getCommandId()), op.getUserId()), asset);
        }

        private static long mix(long h, long value) {
            long x = (h ^ value) * MULTIPLIER;
            return x ^ (x >>> 31);
        }

        private static long mix(long h, String value) {
            h = mix(h, value.length());
            for (int i = 0; i < value.length(); i++) {
                h = mix(h, value.charAt(i));
            }
            return h;
        }
    }

    private void reserve(long user, String orderId, String asset, long amount) {
        assertThat(driver.send(commands.orderReserved("reserve-" + orderId, user, orderId, asset, amount)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
    }

    private long spot(long user, String asset) {
        return driver.balance(user, SPOT, asset).available();
    }

    private Trade trade(String tradeId, long buyer, String buyerOrder, long seller, String sellerOrder, long baseQty, long quoteQty) {
        return Trade.newBuilder()
                .setTradeId(tradeId).setSymbol("BTCUSDT").setBaseAsset("BTC").setQuoteAsset("USDT")
                .setBaseQty(baseQty).setQuoteQty(quoteQty)
                .setBuyer(TradeParty.newBuilder().setUserId(buyer).setOrderId(buyerOrder).setFee(0).build())
                .setSeller(TradeParty.newBuilder().setUserId(seller).setOrderId(sellerOrder).setFee(0).build())
                .setExecutedAt(driver.now())
                .build();
    }

    /**
     * Hand-made legs stand for the other side's partition: what they credited out of CLEARING here
     * was debited into CLEARING there, so this task's share is that much below zero (modulo 2^64).
     */
    private void assertClearingShare(String asset, long expected) {
        assertThat(driver.system(CLEARING, asset)).as("this task's CLEARING share of %s", asset).isEqualTo(expected);
    }
}
