package io.settlement.topology.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.settlement.avro.BalanceAfter;
import io.settlement.avro.BalanceEvent;
import io.settlement.avro.CommandKind;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.Wallet;
import io.settlement.contract.BalanceEvents;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.testkit.DriverTest;
import io.settlement.topology.testkit.SettlementDriver;
import org.junit.jupiter.api.Test;

/**
 * Balance events are derived from the journal: each entry carries the user accounts it moved as
 * they stand after it, and balance.events is written only when enabled, then exactly the derived
 * events (the driver's invariants compare the topic with the derivation after every scenario).
 */
class BalanceEventsTest extends DriverTest {
    @Override
    protected SettlementDriver startDriver() {
        return SettlementDriver.start(SettlementConfig.defaults(1).withBalanceEvents(true));
    }

    @Test
    void aTransferJournalsBothWalletsAfterItAndTheirEventsSayWhatMovedInEachBucket() {
        // given 150 BTC in FUNDING
        driver.send(commands.deposit("d-1", 7, "BTC", 150));

        // when 40 move to SPOT
        assertThat(driver.send(commands.transfer("t-1", 7, Wallet.FUNDING, Wallet.SPOT, "BTC", 40)).getStatus()).isEqualTo(ResultStatus.ACCEPTED);

        // then the entry carries both accounts after it, and their events derive from it
        JournalEntry entry = driver.journal().get(driver.journal().size() - 1);
        assertThat(entry.getBalances()).extracting(BalanceAfter::getUserId, BalanceAfter::getWallet, BalanceAfter::getAvailable, BalanceAfter::getSeq)
                .containsExactly(tuple(7L, Wallet.FUNDING, 110L, 2L), tuple(7L, Wallet.SPOT, 40L, 1L));
        assertThat(BalanceEvents.of(entry)).extracting(BalanceEvent::getWallet, BalanceEvent::getDeltaAvailable, BalanceEvent::getCauseKind,
                        BalanceEvent::getEntryId, BalanceEvent::getAsset)
                .containsExactly(tuple(Wallet.FUNDING, -40L, CommandKind.INTERNAL_TRANSFER, entry.getEntryId(), "BTC"),
                        tuple(Wallet.SPOT, 40L, CommandKind.INTERNAL_TRANSFER, entry.getEntryId(), "BTC"));
        assertThat(driver.events()).hasSize(3);
    }

    @Test
    void withBalanceEventsOffTheTopicStaysEmptyAndTheJournalStillCarriesTheBalances() {
        try (SettlementDriver off = SettlementDriver.start()) {
            off.send(off.commands().deposit("d-1", 7, "BTC", 150));

            assertThat(off.journal()).singleElement().satisfies(entry -> assertThat(entry.getBalances()).hasSize(1));
            assertThat(off.events()).singleElement().satisfies(event -> assertThat(event.getAvailable()).isEqualTo(150));
            off.assertInvariants(); // balance.events empty
        }
    }

    @Test
    void anEntryWrittenBeforeBalancesWereJournaledHasNoEvents() {
        JournalEntry old = JournalEntry.newBuilder(sampleEntry()).setBalances(java.util.List.of()).build();

        assertThat(BalanceEvents.of(old)).isEmpty();
    }

    private JournalEntry sampleEntry() {
        driver.send(commands.deposit("d-1", 7, "BTC", 1));
        return driver.journal().get(0);
    }
}
