package io.settlement.topology.hostile;

import static io.settlement.avro.AccountType.CLEARING;
import static io.settlement.avro.AccountType.EXTERNAL;
import static io.settlement.avro.AccountType.SPOT;
import static io.settlement.avro.TradeSide.BUYER;
import static io.settlement.avro.TradeSide.SELLER;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.LegResult;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeParty;
import io.settlement.contract.InternalRecordKeys;
import io.settlement.contract.SingleObjectSerde;
import io.settlement.topology.SettlementConfig;
import io.settlement.contract.UserPartitioner;
import io.settlement.topology.DeadLetterHeaders;
import io.settlement.topology.balance.BalanceKey;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.testkit.Commands;
import io.settlement.topology.testkit.DriverTest;
import io.settlement.topology.testkit.SettlementDriver;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * A principal with mere write access to settlement.internal.trade-legs (a missing ACL, a leaked
 * producer credential) writes legs the trade coordinator never sent. Without the authenticator
 * these two attacks worked: a DEBIT that claims to receive a fortune plus the CREDIT that ends it
 * created money out of nothing, and a REFUND between the debits and the credits paid one side
 * twice (its CREDIT was then refused) and left the trade PENDING. Now both are dead-lettered as
 * unauthenticated before they reach a balance.
 */
class ForgedInternalRecordTest extends DriverTest {
    private static final long BUYER_ID = 1;
    private static final long SELLER_ID = 2;
    private static final long BASE = 1_000_000;
    private static final long QUOTE = 500_000_000;

    /** Encodes a leg as the topic's format did before records were authenticated: what anyone can write. */
    private final SingleObjectSerde<TradeLeg> unsigned = new SingleObjectSerde<>(TradeLeg.class);

    @Test
    void givenFundedUsers_whenADebitClaimingAFortuneAndItsMatchingCreditAreForged_thenBothAreDeadLetteredUnauthenticatedNothingMovesAndARealTradeStillSettles() {
        driver.fundSpot(BUYER_ID, "USDT", QUOTE);
        driver.fundSpot(SELLER_ID, "BTC", BASE);
        Map<BalanceKey, Balance> before = driver.allBalances();
        Commands.SideLegs forged = commands.side("forged-1", BUYER_ID, BUYER, "USDT", 1, "BTC", 1_000_000_000_000L, 0, null);

        int letters = driver.deadLetters().size();
        sendUnsigned(forged.debit());
        sendUnsigned(forged.credit());

        List<TestRecord<byte[], byte[]>> dead = driver.deadLetters().subList(letters, driver.deadLetters().size());
        assertThat(dead).extracting(letter -> SettlementDriver.header(letter, DeadLetterHeaders.REASON))
                .containsExactly("UNAUTHENTICATED_INTERNAL_RECORD", "UNAUTHENTICATED_INTERNAL_RECORD");
        assertThat(driver.legResults()).as("a forged leg gets no answer").isEmpty();
        assertThat(driver.allBalances()).as("no balance moved").isEqualTo(before);

        SettlementResult settled = driver.settle(trade("tr-1"));

        assertThat(settled.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(BUYER_ID, SPOT, "BTC").available()).isEqualTo(BASE);
        assertThat(driver.balance(SELLER_ID, SPOT, "USDT").available()).isEqualTo(QUOTE);
        assertThat(driver.system(CLEARING, "BTC")).isZero();
        assertThat(driver.system(CLEARING, "USDT")).isZero();
        assertThat(driver.system(EXTERNAL, "BTC")).as("only the deposit came in").isEqualTo(-BASE);
    }

    @Test
    void givenBothDebitsAccepted_whenARefundIsForgedBeforeTheCredits_thenItIsDeadLetteredUnauthenticatedAndTheRealCreditsSettleTheTrade() {
        driver.fundSpot(BUYER_ID, "USDT", QUOTE);
        driver.fundSpot(SELLER_ID, "BTC", BASE);
        // The legs the coordinator would send, signed as it signs them (the driver's own topics).
        Commands.SideLegs buyer = commands.side("tr-1", BUYER_ID, BUYER, "USDT", QUOTE, "BTC", BASE, 0, null);
        Commands.SideLegs seller = commands.side("tr-1", SELLER_ID, SELLER, "BTC", BASE, "USDT", QUOTE, 0, null);
        assertThat(driver.send(buyer.debit()).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.send(seller.debit()).getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        Balance buyerUsdt = driver.balance(BUYER_ID, SPOT, "USDT");

        int letters = driver.deadLetters().size();
        int answers = driver.legResults().size();
        sendUnsigned(buyer.refund());

        assertThat(driver.deadLetters().subList(letters, driver.deadLetters().size()))
                .extracting(letter -> SettlementDriver.header(letter, DeadLetterHeaders.REASON))
                .containsExactly("UNAUTHENTICATED_INTERNAL_RECORD");
        assertThat(driver.legResults()).as("a forged leg gets no answer").hasSize(answers);
        assertThat(driver.balance(BUYER_ID, SPOT, "USDT")).as("the buyer is not paid back").isEqualTo(buyerUsdt);
        assertThat(driver.system(CLEARING, "USDT")).isEqualTo(QUOTE);

        LegResult buyerCredit = driver.send(buyer.credit());
        LegResult sellerCredit = driver.send(seller.credit());

        assertThat(buyerCredit.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(sellerCredit.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.balance(BUYER_ID, SPOT, "BTC").available()).isEqualTo(BASE);
        assertThat(driver.balance(BUYER_ID, SPOT, "USDT").available()).isZero();
        assertThat(driver.balance(SELLER_ID, SPOT, "USDT").available()).isEqualTo(QUOTE);
        assertThat(driver.system(CLEARING, "USDT")).isZero();
        assertThat(driver.system(CLEARING, "BTC")).isZero();
    }

    @Test
    void givenASettledTrade_whenARejectionOfItsDebitIsForgedOntoLegResults_thenItIsDeadLetteredUnauthenticatedAndTheTradeIsUnchanged() {
        driver.fundSpot(BUYER_ID, "USDT", QUOTE);
        driver.fundSpot(SELLER_ID, "BTC", BASE);
        driver.settle(trade("tr-1"));
        SettlementResult before = driver.status("TRADE:tr-1");
        LegResult forged = LegResult.newBuilder().setTradeId("tr-1").setUserId(BUYER_ID).setSide(BUYER).setPhase(io.settlement.avro.LegPhase.DEBIT)
                .setStatus(ResultStatus.REJECTED).setReason(io.settlement.avro.Reason.INSUFFICIENT_AVAILABLE).build();
        int letters = driver.deadLetters().size();

        String topic = driver.topics().legResults().name();
        driver.sendRaw(topic, "tr-1".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                new SingleObjectSerde<>(LegResult.class).serialize(topic, forged));

        assertThat(driver.deadLetters().subList(letters, driver.deadLetters().size()))
                .extracting(letter -> SettlementDriver.header(letter, DeadLetterHeaders.REASON))
                .containsExactly("UNAUTHENTICATED_INTERNAL_RECORD");
        assertThat(driver.status("TRADE:tr-1")).isEqualTo(before);
    }

    @Test
    void givenAKeyRotation_whenALegSignedWithThePreviousKeyArrives_thenItIsAcceptedAndOneSignedWithAnUnknownKeyIsRefused() {
        String previousKey = InternalRecordKeys.generate();
        InternalRecordKeys previous = InternalRecordKeys.parse(previousKey);
        String current = InternalRecordKeys.generate();
        // The topology signs with the new key and still accepts the previous one.
        try (SettlementDriver rotating = SettlementDriver.start(SettlementConfig.defaults(1),
                InternalRecordKeys.parse(current + "," + previousKey))) {
            rotating.fundSpot(BUYER_ID, "USDT", QUOTE);
            Commands.SideLegs side = rotating.commands().side("tr-1", BUYER_ID, BUYER, "USDT", QUOTE, "BTC", BASE, 0, null);
            int letters = rotating.deadLetters().size();

            LegResult unknown = rotating.sendSignedWith(InternalRecordKeys.parse(InternalRecordKeys.generate()), side.debit());
            LegResult old = rotating.sendSignedWith(previous, side.debit());

            assertThat(unknown).as("a leg signed with a key the topology does not hold gets no answer").isNull();
            assertThat(rotating.deadLetters().subList(letters, rotating.deadLetters().size()))
                    .extracting(letter -> SettlementDriver.header(letter, DeadLetterHeaders.REASON))
                    // the accepted answer to a leg sent by hand names a trade the coordinator never saw
                    .containsExactly("UNAUTHENTICATED_INTERNAL_RECORD", "UNKNOWN_TRADE");
            assertThat(old.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
            assertThat(rotating.system(CLEARING, "USDT")).isEqualTo(QUOTE);
            rotating.assertInvariants();
        }
    }

    private void sendUnsigned(TradeLeg leg) {
        String topic = driver.topics().tradeLegs().name();
        driver.sendRaw(topic, UserPartitioner.keyBytes(leg.getUserId()), unsigned.serialize(topic, leg));
    }

    private Trade trade(String tradeId) {
        return Trade.newBuilder()
                .setTradeId(tradeId)
                .setSymbol("BTCUSDT")
                .setBaseAsset("BTC")
                .setQuoteAsset("USDT")
                .setBaseQty(BASE)
                .setQuoteQty(QUOTE)
                .setBuyer(TradeParty.newBuilder().setUserId(BUYER_ID).setOrderId(null).setFee(0).build())
                .setSeller(TradeParty.newBuilder().setUserId(SELLER_ID).setOrderId(null).setFee(0).build())
                .setExecutedAt(driver.now())
                .build();
    }
}
