package io.settlement.topology.trade;

import static io.settlement.avro.AccountType.CLEARING;
import static io.settlement.avro.AccountType.FEES;
import static io.settlement.avro.AccountType.SPOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.settlement.avro.JournalEntry;
import io.settlement.avro.Posting;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.avro.TradeState;
import io.settlement.avro.TradeStatus;
import io.settlement.avro.Wallet;
import io.settlement.topology.StoreNames;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.testkit.DriverTest;
import io.settlement.topology.testkit.SettlementDriver;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Trades end to end through the real topology: the coordinator sends legs, the balance
 * processor applies them and answers, the coordinator finishes the trade. Every scenario ends
 * with the invariants (docs/topology.md, "Invariants") ({@link DriverTest}) and CLEARING back at zero.
 */
class TradeSettlementTest extends DriverTest {
    static final long ALICE = 11;
    static final long BOB = 22;
    /** 0.5 BTC. */
    static final long BASE = 50_000_000;
    /** 30,000 USDT. */
    static final long QUOTE = 30_000_000_000L;

    @AfterEach
    void clearingIsEmptyAndEveryTradeFinal() {
        for (String asset : List.of("BTC", "USDT", "ETH")) {
            assertThat(driver.system(CLEARING, asset)).as("CLEARING %s", asset).isZero();
        }
        assertThat(tradeStatuses().values()).doesNotContain(TradeStatus.PENDING);
    }

    @Test
    void tradeWithoutOrdersOrFeesSwapsTheAssetsBetweenSpotWallets() {
        // given Alice holds USDT and Bob BTC in their spot wallets
        driver.fundSpot(ALICE, "USDT", QUOTE);
        driver.fundSpot(BOB, "BTC", BASE);

        // when Alice buys Bob's BTC
        SettlementResult result = driver.settle(trade("t-1", party(ALICE, null, 0), party(BOB, null, 0)));

        // then
        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.status("TRADE:t-1")).isEqualTo(result);
        assertThat(spot(ALICE, "BTC")).isEqualTo(BASE);
        assertThat(spot(ALICE, "USDT")).isZero();
        assertThat(spot(BOB, "USDT")).isEqualTo(QUOTE);
        assertThat(spot(BOB, "BTC")).isZero();
        assertThat(tradeState("t-1").getStatus()).isEqualTo(TradeStatus.SETTLED);
    }

    @Test
    void feesGoToTheFeesAccountInTheAssetEachSideReceives() {
        // given
        driver.fundSpot(ALICE, "USDT", QUOTE);
        driver.fundSpot(BOB, "BTC", BASE);

        // when the buyer pays 0.0005 BTC and the seller 30 USDT in fees
        SettlementResult result = driver.settle(trade("t-1", party(ALICE, null, 50_000), party(BOB, null, 30_000_000)));

        // then
        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(spot(ALICE, "BTC")).isEqualTo(BASE - 50_000);
        assertThat(spot(BOB, "USDT")).isEqualTo(QUOTE - 30_000_000);
        assertThat(driver.system(FEES, "BTC")).isEqualTo(50_000);
        assertThat(driver.system(FEES, "USDT")).isEqualTo(30_000_000);
    }

    @Test
    void feesTakingAllASideReceivesSettleWithAllOfItInFees() {
        // given
        driver.fundSpot(ALICE, "USDT", QUOTE);
        driver.fundSpot(BOB, "BTC", BASE);

        // when each fee equals what its side receives
        SettlementResult result = driver.settle(trade("t-1", party(ALICE, null, BASE), party(BOB, null, QUOTE)));

        // then the trade settles and both amounts end in FEES
        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(spot(ALICE, "BTC")).isZero();
        assertThat(spot(BOB, "USDT")).isZero();
        assertThat(driver.system(FEES, "BTC")).isEqualTo(BASE);
        assertThat(driver.system(FEES, "USDT")).isEqualTo(QUOTE);
    }

    @Test
    void tradeFromOrdersConsumesTheirReservations() {
        // given both sides reserved more than the trade takes
        driver.fundSpot(ALICE, "USDT", QUOTE * 2);
        driver.fundSpot(BOB, "BTC", BASE * 2);
        reserve(ALICE, "buy-1", "USDT", QUOTE * 2);
        reserve(BOB, "sell-1", "BTC", BASE * 2);

        // when a trade fills half of each order
        SettlementResult result = driver.settle(trade("t-1", party(ALICE, "buy-1", 0), party(BOB, "sell-1", 0)));

        // then the fill came out of frozen, and the other half is still reserved
        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(0L, QUOTE);
        assertThat(driver.balance(BOB, SPOT, "BTC")).extracting(Balance::available, Balance::frozen).containsExactly(0L, BASE);
        assertThat(spot(ALICE, "BTC")).isEqualTo(BASE);
        assertThat(spot(BOB, "USDT")).isEqualTo(QUOTE);
    }

    @Test
    void buyerShortRejectsTheTradeAndGivesTheSellerBackWhatWasTaken() {
        // given the buyer has less than the quote amount
        driver.fundSpot(ALICE, "USDT", QUOTE - 1);
        driver.fundSpot(BOB, "BTC", BASE);

        // when
        SettlementResult result = driver.settle(trade("t-1", party(ALICE, null, 0), party(BOB, null, 0)));

        // then nothing moved for good
        assertThat(result.getStatus()).isEqualTo(ResultStatus.REJECTED);
        assertThat(result.getReason()).isEqualTo(Reason.INSUFFICIENT_AVAILABLE);
        assertThat(spot(ALICE, "USDT")).isEqualTo(QUOTE - 1);
        assertThat(spot(BOB, "BTC")).isEqualTo(BASE);
        assertThat(tradeState("t-1").getStatus()).isEqualTo(TradeStatus.REJECTED);
    }

    @Test
    void sellerShortOnItsOrderRejectsTheTradeAndGivesTheBuyerBackWhatWasTaken() {
        // given the sell order reserved less than the trade's base quantity
        driver.fundSpot(ALICE, "USDT", QUOTE);
        driver.fundSpot(BOB, "BTC", BASE);
        reserve(BOB, "sell-1", "BTC", BASE - 1);

        // when
        SettlementResult result = driver.settle(trade("t-1", party(ALICE, null, 0), party(BOB, "sell-1", 0)));

        // then
        assertThat(result.getReason()).isEqualTo(Reason.FILL_EXCEEDS_RESERVATION);
        assertThat(spot(ALICE, "USDT")).isEqualTo(QUOTE);
        assertThat(driver.balance(BOB, SPOT, "BTC")).extracting(Balance::available, Balance::frozen).containsExactly(1L, BASE - 1);
    }

    @Test
    void bothSidesShortRejectTheTradeWithTheFirstReasonAndMoveNothing() {
        // given neither side holds anything
        driver.fundSpot(ALICE, "USDT", 5);

        // when
        SettlementResult result = driver.settle(trade("t-1", party(ALICE, null, 0), party(BOB, "sell-9", 0)));

        // then the buyer's debit answered first
        assertThat(result.getStatus()).isEqualTo(ResultStatus.REJECTED);
        assertThat(result.getReason()).isEqualTo(Reason.INSUFFICIENT_AVAILABLE);
        assertThat(spot(ALICE, "USDT")).isEqualTo(5);
        assertThat(tradeState("t-1").getBuyerRefund()).hasToString("NOT_SENT");
        assertThat(tradeState("t-1").getSellerRefund()).hasToString("NOT_SENT");
    }

    @Test
    void unknownOrderRejectsTheTradeWithUnknownOrder() {
        // given
        driver.fundSpot(ALICE, "USDT", QUOTE);
        driver.fundSpot(BOB, "BTC", BASE);
        reserve(ALICE, "buy-1", "USDT", QUOTE);

        // when the seller's order is unknown, and then when the buyer names Bob's order
        SettlementResult unknown = driver.settle(trade("t-1", party(ALICE, "buy-1", 0), party(BOB, "no-such-order", 0)));
        reserve(BOB, "sell-1", "BTC", BASE);
        SettlementResult othersOrder = driver.settle(trade("t-2", party(ALICE, "sell-1", 0), party(BOB, "sell-1", 0)));

        // then
        assertThat(unknown.getReason()).isEqualTo(Reason.UNKNOWN_ORDER);
        assertThat(othersOrder.getReason()).isEqualTo(Reason.UNKNOWN_ORDER);
        assertThat(driver.balance(ALICE, SPOT, "USDT")).as("the refund goes back into the order, which can still be filled")
                .extracting(Balance::available, Balance::frozen, Balance::incoming).containsExactly(0L, QUOTE, 0L);
    }

    @Test
    void feeLargerThanWhatTheSideReceivesIsRejectedBeforeAnythingMoves() {
        // given
        driver.fundSpot(ALICE, "USDT", QUOTE);
        driver.fundSpot(BOB, "BTC", BASE);

        // when
        SettlementResult result = driver.settle(trade("t-1", party(ALICE, null, BASE + 1), party(BOB, null, 0)));

        // then
        assertThat(result.getReason()).isEqualTo(Reason.FEE_TOO_LARGE);
        assertThat(spot(ALICE, "USDT")).isEqualTo(QUOTE);
        assertThat(spot(BOB, "BTC")).isEqualTo(BASE);
        assertThat(driver.journal()).noneMatch(entry -> entry.getEntryId().startsWith("TRADE:"));
    }

    @Test
    void selfTradeNetsOutToTheFees() {
        // given Alice has both assets, reserved by a buy and a sell order
        driver.fundSpot(ALICE, "USDT", QUOTE);
        driver.fundSpot(ALICE, "BTC", BASE);
        reserve(ALICE, "buy-1", "USDT", QUOTE);
        reserve(ALICE, "sell-1", "BTC", BASE);

        // when her orders match each other, with fees
        SettlementResult result = driver.settle(trade("t-self", party(ALICE, "buy-1", 1_000), party(ALICE, "sell-1", 2_000)));

        // then she holds what she had, minus the fees, all available
        assertThat(result.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(ALICE, SPOT, "BTC")).extracting(Balance::available, Balance::frozen).containsExactly(BASE - 1_000, 0L);
        assertThat(driver.balance(ALICE, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(QUOTE - 2_000, 0L);
        assertThat(driver.system(FEES, "BTC")).isEqualTo(1_000);
        assertThat(driver.system(FEES, "USDT")).isEqualTo(2_000);
    }

    @Test
    void sameTradeAgainGetsTheFirstResultAndMovesNothingTwice() {
        // given a settled trade
        driver.fundSpot(ALICE, "USDT", QUOTE * 2);
        driver.fundSpot(BOB, "BTC", BASE * 2);
        Trade trade = trade("t-1", party(ALICE, null, 0), party(BOB, null, 0));
        SettlementResult first = driver.settle(trade);
        int journalSize = driver.journal().size();

        // when it is sent again
        SettlementResult again = driver.settle(trade);

        // then
        assertThat(again).isEqualTo(first);
        assertThat(driver.journal()).hasSize(journalSize);
        assertThat(spot(ALICE, "BTC")).isEqualTo(BASE);
        assertThat(spot(BOB, "USDT")).isEqualTo(QUOTE);
    }

    @Test
    void otherTradeUnderTheSameIdIsAnIdConflictAndTheStatusKeepsTheOriginal() {
        // given a settled trade
        driver.fundSpot(ALICE, "USDT", QUOTE * 2);
        driver.fundSpot(BOB, "BTC", BASE * 2);
        SettlementResult first = driver.settle(trade("t-1", party(ALICE, null, 0), party(BOB, null, 0)));

        // when another trade comes under its id
        SettlementResult conflict = driver.settle(Trade.newBuilder(trade("t-1", party(ALICE, null, 0), party(BOB, null, 0))).setBaseQty(BASE * 2).build());

        // then
        assertThat(conflict.getStatus()).isEqualTo(ResultStatus.REJECTED);
        assertThat(conflict.getReason()).isEqualTo(Reason.ID_CONFLICT);
        assertThat(driver.status("TRADE:t-1")).isEqualTo(first);
        assertThat(spot(ALICE, "BTC")).isEqualTo(BASE);
    }

    @Test
    void releaseBeforeTheFillsAndReleaseAfterGiveEqualBalances() {
        Map<String, Long> releasedFirst = releaseScenario(true);
        Map<String, Long> releasedLast = releaseScenario(false);

        assertThat(releasedFirst).isEqualTo(releasedLast);
        assertThat(releasedFirst).containsEntry("11 SPOT USDT frozen", 0L).containsEntry("22 SPOT BTC frozen", 0L);
    }

    /** Two fills of a 1 BTC sell order that fills 0.8 BTC in total, released before or after them. */
    private Map<String, Long> releaseScenario(boolean releaseFirst) {
        try (SettlementDriver run = SettlementDriver.start()) {
            SettlementDriver outer = driver;
            driver = run;
            try {
                driver.fundSpot(ALICE, "USDT", 100_000_000_000L);
                driver.fundSpot(BOB, "BTC", 100_000_000);
                reserve(ALICE, "buy-1", "USDT", 100_000_000_000L);
                reserve(BOB, "sell-1", "BTC", 100_000_000);
                Trade fill1 = Trade.newBuilder(trade("f-1", party(ALICE, "buy-1", 0), party(BOB, "sell-1", 0)))
                        .setBaseQty(30_000_000).setQuoteQty(18_000_000_000L).build();
                Trade fill2 = Trade.newBuilder(trade("f-2", party(ALICE, "buy-1", 0), party(BOB, "sell-1", 0)))
                        .setBaseQty(50_000_000).setQuoteQty(30_000_000_000L).build();
                if (releaseFirst) {
                    release(BOB, "sell-1", 80_000_000);
                    release(ALICE, "buy-1", 48_000_000_000L);
                }
                assertThat(driver.settle(fill1).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
                assertThat(driver.settle(fill2).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
                if (!releaseFirst) {
                    release(BOB, "sell-1", 80_000_000);
                    release(ALICE, "buy-1", 48_000_000_000L);
                }
                driver.assertInvariants();
                Map<String, Long> balances = new HashMap<>();
                for (long user : List.of(ALICE, BOB)) {
                    for (String asset : List.of("BTC", "USDT")) {
                        Balance balance = driver.balance(user, SPOT, asset);
                        balances.put(user + " SPOT " + asset + " available", balance.available());
                        balances.put(user + " SPOT " + asset + " frozen", balance.frozen());
                    }
                }
                return balances;
            } finally {
                driver = outer;
            }
        }
    }

    @Test
    void journalOfASettledTradeShowsWhereEveryUnitWent() {
        // given
        driver.fundSpot(ALICE, "USDT", QUOTE);
        driver.fundSpot(BOB, "BTC", BASE);
        reserve(BOB, "sell-1", "BTC", BASE);
        int before = driver.journal().size();

        // when a trade with fees settles
        driver.settle(trade("t-1", party(ALICE, null, 50_000), party(BOB, "sell-1", 30_000_000)));

        // then four balanced entries: both payers into CLEARING, CLEARING out to receivers and FEES
        List<JournalEntry> entries = driver.journal().subList(before, driver.journal().size());
        assertThat(entries).extracting(JournalEntry::getEntryId).containsExactlyInAnyOrder(
                "TRADE:t-1/BUYER/DEBIT", "TRADE:t-1/SELLER/DEBIT", "TRADE:t-1/BUYER/CREDIT", "TRADE:t-1/SELLER/CREDIT");
        List<Posting> postings = entries.stream().flatMap(entry -> entry.getPostings().stream()).toList();
        assertThat(postings).extracting(p -> p.getDebit().getOwnerId(), p -> p.getDebit().getType(), p -> p.getDebit().getBucket().name(),
                        p -> p.getCredit().getOwnerId(), p -> p.getCredit().getType(), p -> p.getAsset(), Posting::getAmount)
                .containsExactlyInAnyOrder(
                        tuple(ALICE, SPOT, "AVAILABLE", 0L, CLEARING, "USDT", QUOTE),
                        tuple(BOB, SPOT, "FROZEN", 0L, CLEARING, "BTC", BASE),
                        tuple(0L, CLEARING, "AVAILABLE", ALICE, SPOT, "BTC", BASE - 50_000),
                        tuple(0L, CLEARING, "AVAILABLE", 0L, FEES, "BTC", 50_000L),
                        tuple(0L, CLEARING, "AVAILABLE", BOB, SPOT, "USDT", QUOTE - 30_000_000),
                        tuple(0L, CLEARING, "AVAILABLE", 0L, FEES, "USDT", 30_000_000L));
        for (String asset : List.of("BTC", "USDT")) {
            long intoClearing = postings.stream().filter(p -> p.getAsset().equals(asset) && p.getCredit().getType() == CLEARING).mapToLong(Posting::getAmount).sum();
            long outOfClearing = postings.stream().filter(p -> p.getAsset().equals(asset) && p.getDebit().getType() == CLEARING).mapToLong(Posting::getAmount).sum();
            assertThat(outOfClearing).as("%s out of CLEARING", asset).isEqualTo(intoClearing);
        }
    }

    // ---- helpers ------------------------------------------------------------------------

    private void reserve(long user, String orderId, String asset, long amount) {
        assertThat(driver.send(commands.orderReserved("reserve-" + orderId, user, orderId, asset, amount)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
    }

    private void release(long user, String orderId, long filledTotal) {
        assertThat(driver.send(commands.orderReleased("release-" + orderId, user, orderId, filledTotal)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
    }

    private long spot(long user, String asset) {
        return driver.balance(user, SPOT, asset).available();
    }

    private Trade trade(String tradeId, TradeParty buyer, TradeParty seller) {
        return Trade.newBuilder()
                .setTradeId(tradeId).setSymbol("BTCUSDT").setBaseAsset("BTC").setQuoteAsset("USDT")
                .setBaseQty(BASE).setQuoteQty(QUOTE).setBuyer(buyer).setSeller(seller).setExecutedAt(driver.now())
                .build();
    }

    private static TradeParty party(long user, String orderId, long fee) {
        return TradeParty.newBuilder().setUserId(user).setOrderId(orderId).setFee(fee).build();
    }

    /** Sends a trade and returns its newest result. */
    private TradeState tradeState(String tradeId) {
        return driver.testDriver().<String, TradeState>getKeyValueStore(StoreNames.TRADES).get(tradeId);
    }

    private Map<String, TradeStatus> tradeStatuses() {
        Map<String, TradeStatus> statuses = new HashMap<>();
        try (KeyValueIterator<String, TradeState> all = driver.testDriver().<String, TradeState>getKeyValueStore(StoreNames.TRADES).all()) {
            all.forEachRemaining(entry -> statuses.put(entry.key, entry.value.getStatus()));
        }
        return statuses;
    }
}
