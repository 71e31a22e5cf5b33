package io.settlement.topology.trade;

import static io.settlement.avro.AccountType.CLEARING;
import static io.settlement.avro.AccountType.EXTERNAL;
import static io.settlement.avro.AccountType.FUNDING;
import static io.settlement.avro.AccountType.SPOT;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.LegProgress;
import io.settlement.avro.LegResult;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeParty;
import io.settlement.avro.TradeSide;
import io.settlement.avro.TradeState;
import io.settlement.avro.TradeStatus;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.StoreNames;
import io.settlement.topology.UpgradeFixtures;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import io.settlement.topology.balance.Reservation;
import io.settlement.topology.balance.SystemSharesAtCommit;
import io.settlement.topology.testkit.SettlementDriver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.junit.jupiter.api.Test;

/**
 * A rolling upgrade, in the topology test driver: today's topology takes over the state an
 * instance of the previous version left (balances in the 32-byte layout, an order's reservation in
 * the 52-byte layout under its bare order id, a deposit hold under {@code DEPOSIT:<id>}, a trade's
 * state in TradeState v2 with both debits sent) and the records that instance still had in flight
 * (its two DEBIT legs, untagged TradeLeg v2), inside an internal.record.unsigned.accepted.until
 * window. The trade settles, the deposit confirms, balances equal the model, nothing is
 * dead-lettered.
 *
 * <p>One process, not two: the driver cannot run the previous version's code, so its writes are
 * fed in as the bytes it wrote (the layouts of the upgrade fixture, UpgradeFixtures).
 */
class RollingUpgradeTest {
    private static final long BUYER = 1;
    private static final long SELLER = 2;
    private static final long BASE = 1_000_000;
    private static final long QUOTE = 500_000_000;
    private static final long DEPOSIT = 3_000_000;
    private static final int BTC = 1;
    private static final int USDT = 2;

    @Test
    void givenStateInOldLayoutsAndKeysAndATradeMidFlightWithUntaggedLegs_whenTodaysTopologyTakesOver_thenTheTradeSettlesTheDepositConfirmsAndNothingIsDeadLettered() throws IOException {
        try (SettlementDriver driver = SettlementDriver.startAcceptingUntaggedUntil(SettlementConfig.defaults(1),
                SettlementDriver.START.plus(Duration.ofHours(1)))) {
            // What the previous version left in the stores.
            KeyValueStore<Bytes, byte[]> balances = raw(driver, StoreNames.BALANCES);
            balances.put(key(new BalanceKey(BUYER, SPOT, USDT)), balance32(0, QUOTE, 0));
            balances.put(key(new BalanceKey(SELLER, SPOT, BTC)), balance32(BASE, 0, 0));
            balances.put(key(new BalanceKey(SELLER, FUNDING, BTC)), balance32(0, 0, DEPOSIT));
            balances.put(key(new BalanceKey(BalanceKey.SYSTEM_OWNER, EXTERNAL, USDT)), balance32(-QUOTE, 0, 0));
            balances.put(key(new BalanceKey(BalanceKey.SYSTEM_OWNER, EXTERNAL, BTC)), balance32(-(BASE + DEPOSIT), 0, 0));
            raw(driver, StoreNames.RESERVATIONS).put(utf8("o-1"), ByteBuffer.allocate(52).putLong(BUYER).putInt(USDT).putLong(QUOTE)
                    .putLong(0).putLong(0).putLong(Reservation.NOT_RELEASED).putLong(0).array());
            raw(driver, StoreNames.HOLDS).put(utf8("DEPOSIT:d-1"), ByteBuffer.allocate(29).putLong(SELLER).putInt(BTC).putLong(DEPOSIT)
                    .put((byte) 0).putLong(0).array());
            Trade trade = trade();
            TradeState pending = pendingWithDebitsSent(trade, driver);
            raw(driver, StoreNames.TRADES).put(utf8("tr-1"), UpgradeFixtures.olderVersion(pending, 2));
            driver.takeOverTrade();

            // What it still had in flight: its two DEBIT legs, untagged, in TradeLeg v2.
            Serializer<TradeLeg> previousVersion = (topic, leg) -> v2(leg);
            LegResult buyerDebit = driver.sendUntagged(TradeSettlement.debit(pending, TradeSide.BUYER, driver.now()), previousVersion);
            LegResult sellerDebit = driver.sendUntagged(TradeSettlement.debit(pending, TradeSide.SELLER, driver.now()), previousVersion);
            var confirmed = driver.send(driver.commands().depositConfirmed("c-1", SELLER, "d-1"));

            assertThat(buyerDebit.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
            assertThat(sellerDebit.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
            assertThat(confirmed.getStatus()).as("the deposit held under DEPOSIT:d-1 confirms").isEqualTo(ResultStatus.ACCEPTED);
            assertThat(driver.status("TRADE:tr-1").getStatus()).as("the trade mid-flight ends").isEqualTo(ResultStatus.ACCEPTED);
            TradeState state = driver.testDriver().<String, TradeState>getKeyValueStore(StoreNames.TRADES).get("tr-1");
            assertThat(state.getStatus()).isEqualTo(TradeStatus.SETTLED);
            assertThat(driver.deadLetters()).as("nothing dead-lettered").isEmpty();
            // The model: the buyer's reserved USDT paid the seller, the seller's BTC the buyer, the deposit available.
            assertThat(driver.balance(BUYER, SPOT, "USDT")).extracting(Balance::available, Balance::frozen).containsExactly(0L, 0L);
            assertThat(driver.balance(BUYER, SPOT, "BTC").available()).isEqualTo(BASE);
            assertThat(driver.balance(SELLER, SPOT, "USDT").available()).isEqualTo(QUOTE);
            assertThat(driver.balance(SELLER, SPOT, "BTC").available()).isZero();
            assertThat(driver.balance(SELLER, FUNDING, "BTC")).extracting(Balance::available, Balance::pending).containsExactly(DEPOSIT, 0L);
            assertThat(driver.system(CLEARING, "USDT")).isZero();
            assertThat(driver.system(CLEARING, "BTC")).isZero();
            Reservation order = driver.testDriver().<String, Reservation>getKeyValueStore(StoreNames.RESERVATIONS).get("o-1");
            assertThat(order.consumed()).as("the fill updated the reservation where it was, under the bare order id").isEqualTo(QUOTE);
            assertThat(driver.reservation(BUYER, "o-1")).as("and wrote no second one under the scoped key").isNull();
            driver.assertInvariants();
        }
    }

    private static Trade trade() {
        return Trade.newBuilder().setTradeId("tr-1").setSymbol("BTCUSDT").setBaseAsset("BTC").setQuoteAsset("USDT")
                .setBaseQty(BASE).setQuoteQty(QUOTE)
                .setBuyer(TradeParty.newBuilder().setUserId(BUYER).setOrderId("o-1").setFee(0).build())
                .setSeller(TradeParty.newBuilder().setUserId(SELLER).setOrderId(null).setFee(0).build())
                .setExecutedAt(SettlementDriver.START).build();
    }

    /** The coordinator's record of a trade whose two DEBITs the previous version sent. */
    private static TradeState pendingWithDebitsSent(Trade trade, SettlementDriver driver) {
        return TradeState.newBuilder().setTrade(trade).setFingerprint(TradeFingerprint.of(trade)).setStatus(TradeStatus.PENDING)
                .setReason(null).setDetail(null).setBuyerDebit(LegProgress.SENT).setSellerDebit(LegProgress.SENT)
                .setBuyerCredit(LegProgress.NOT_SENT).setSellerCredit(LegProgress.NOT_SENT).setBuyerRefund(LegProgress.NOT_SENT)
                .setSellerRefund(LegProgress.NOT_SENT).setResult(null).setDeferredConflicts(List.of())
                .setReceivedAt(driver.now()).setUpdatedAt(driver.now()).setFinishedAt(null).build();
    }

    /** The byte store under a typed store: values go in exactly as given, in the layout the previous version wrote. */
    @SuppressWarnings("unchecked")
    private static KeyValueStore<Bytes, byte[]> raw(SettlementDriver driver, String store) {
        Object typed = driver.testDriver().getKeyValueStore(store);
        if (typed instanceof SystemSharesAtCommit shares) {
            typed = shares.wrapped();
        }
        return ((WrappedStateStore<KeyValueStore<Bytes, byte[]>, ?, ?>) typed).wrapped();
    }

    private static Bytes key(BalanceKey key) {
        return Bytes.wrap(key.toBytes());
    }

    private static Bytes utf8(String key) {
        return Bytes.wrap(key.getBytes(StandardCharsets.UTF_8));
    }

    /** The 32-byte balance layout: available, frozen, pending, seq; no room kept for incoming. */
    private static byte[] balance32(long available, long frozen, long pending) {
        return ByteBuffer.allocate(32).putLong(available).putLong(frozen).putLong(pending).putLong(1).array();
    }

    private static byte[] v2(TradeLeg leg) {
        try {
            return UpgradeFixtures.olderVersion(leg, 2);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
