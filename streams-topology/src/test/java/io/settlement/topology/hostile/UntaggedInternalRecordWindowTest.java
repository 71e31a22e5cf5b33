package io.settlement.topology.hostile;

import static io.settlement.avro.AccountType.CLEARING;
import static io.settlement.avro.TradeSide.BUYER;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.LegResult;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.TradeLeg;
import io.settlement.contract.InternalRecordKeys;
import io.settlement.contract.SingleObjectSerde;
import io.settlement.topology.DeadLetterHeaders;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.testkit.Commands;
import io.settlement.topology.testkit.SettlementDriver;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A rolling upgrade from the version before internal records carried a tag: that version's
 * trade legs have none. Under internal.record.unsigned.accepted.until such a leg is taken while
 * the window is open and dead-lettered UNAUTHENTICATED_INTERNAL_RECORD after it; a leg with a
 * wrong tag is refused whether the window is open or not.
 */
class UntaggedInternalRecordWindowTest {
    private static final long BUYER_ID = 1;
    private static final long QUOTE = 500_000_000;
    private static final long BASE = 1_000_000;
    private static final Instant WINDOW_END = SettlementDriver.START.plus(Duration.ofHours(1));

    /** How the version before the tags wrote a leg: the Avro record alone. */
    private final SingleObjectSerde<TradeLeg> untagged = new SingleObjectSerde<>(TradeLeg.class);

    @Test
    void givenAWindowOpenForAnHour_whenAnUntaggedDebitArrivesWithinIt_thenItIsAcceptedAndOneArrivingAfterItIsDeadLetteredUnauthenticated() {
        try (SettlementDriver driver = SettlementDriver.startAcceptingUntaggedUntil(SettlementConfig.defaults(1), WINDOW_END)) {
            driver.fundSpot(BUYER_ID, "USDT", 2 * QUOTE);
            Commands.SideLegs early = driver.commands().side("tr-early", BUYER_ID, BUYER, "USDT", QUOTE, "BTC", BASE, 0, null);
            Commands.SideLegs late = driver.commands().side("tr-late", BUYER_ID, BUYER, "USDT", QUOTE, "BTC", BASE, 0, null);

            LegResult within = driver.sendUntagged(early.debit(), untagged);
            driver.advanceWallClock(Duration.ofMinutes(61));
            int letters = driver.deadLetters().size();
            LegResult after = driver.sendUntagged(late.debit(), untagged);

            assertThat(within.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
            assertThat(after).as("a leg refused before any balance gets no answer").isNull();
            assertThat(reasons(driver, letters)).containsExactly("UNAUTHENTICATED_INTERNAL_RECORD");
            assertThat(driver.system(CLEARING, "USDT")).as("only the leg within the window moved money").isEqualTo(QUOTE);
        }
    }

    @Test
    void givenAWindowOpenForAnHour_whenDebitsSignedWithAForeignKeyArriveWithinAndAfterIt_thenBothAreDeadLetteredUnauthenticatedAndNothingMoves() {
        InternalRecordKeys foreign = InternalRecordKeys.parse(InternalRecordKeys.generate());
        try (SettlementDriver driver = SettlementDriver.startAcceptingUntaggedUntil(SettlementConfig.defaults(1), WINDOW_END)) {
            driver.fundSpot(BUYER_ID, "USDT", 2 * QUOTE);
            Commands.SideLegs first = driver.commands().side("tr-1", BUYER_ID, BUYER, "USDT", QUOTE, "BTC", BASE, 0, null);
            Commands.SideLegs second = driver.commands().side("tr-2", BUYER_ID, BUYER, "USDT", QUOTE, "BTC", BASE, 0, null);
            int letters = driver.deadLetters().size();

            LegResult within = driver.sendSignedWith(foreign, first.debit());
            driver.advanceWallClock(Duration.ofHours(2));
            LegResult after = driver.sendSignedWith(foreign, second.debit());

            assertThat(within).isNull();
            assertThat(after).isNull();
            assertThat(reasons(driver, letters)).containsExactly("UNAUTHENTICATED_INTERNAL_RECORD", "UNAUTHENTICATED_INTERNAL_RECORD");
            assertThat(driver.system(CLEARING, "USDT")).isZero();
        }
    }

    @Test
    void givenNoWindow_whenAnUntaggedDebitArrives_thenItIsDeadLetteredUnauthenticatedAsBeforeTheTransitionExisted() {
        try (SettlementDriver driver = SettlementDriver.start(SettlementConfig.defaults(1))) {
            driver.fundSpot(BUYER_ID, "USDT", QUOTE);
            Commands.SideLegs side = driver.commands().side("tr-1", BUYER_ID, BUYER, "USDT", QUOTE, "BTC", BASE, 0, null);
            int letters = driver.deadLetters().size();

            LegResult answer = driver.sendUntagged(side.debit(), untagged);

            assertThat(answer).isNull();
            assertThat(reasons(driver, letters)).containsExactly("UNAUTHENTICATED_INTERNAL_RECORD");
        }
    }

    private static List<String> reasons(SettlementDriver driver, int from) {
        return driver.deadLetters().subList(from, driver.deadLetters().size()).stream()
                .map(letter -> SettlementDriver.header(letter, DeadLetterHeaders.REASON)).toList();
    }
}
