package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settlement.avro.AccountType;
import io.settlement.sink.tigerbeetle.reconcile.StoreBalance;
import io.settlement.topology.Assets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code liabilities snapshot} counts as owed, and the zero-sum check it makes first. */
class LiabilitiesOwedTest {
    private static final Assets ASSETS = Assets.defaults();

    @Test
    void givenAUserWithFundsInBothWalletsAndADepositPendingWhenOwedIsComputedThenItIsAvailablePlusFrozenWithoutThePending() {
        // given user 7: FUNDING 100 available, 30 frozen, 40 pending; SPOT 5 available, 2 frozen; EXTERNAL -177 (BTC, id 1)
        List<StoreBalance> rows = List.of(
                new StoreBalance(7, AccountType.FUNDING, 1, 100, 30, 40),
                new StoreBalance(7, AccountType.SPOT, 1, 5, 2, 0),
                new StoreBalance(0, AccountType.EXTERNAL, 1, -177, 0, 0));

        // when
        Map<String, Map<Long, Long>> owed = LiabilitiesCommand.Snapshot.owed(rows, ASSETS);

        // then 137: the pending 40 is not owed until the deposit is confirmed
        assertThat(owed).isEqualTo(Map.of("BTC", Map.of(7L, 137L)));
    }

    @Test
    void givenSystemSharesThatWrapAroundWhenOwedIsComputedThenTheirSumModuloTwoToTheSixtyFourBalancesTheUsers() {
        // given two system shares, both near Long.MAX_VALUE, whose sum is -10 only modulo 2^64
        List<StoreBalance> rows = List.of(
                new StoreBalance(7, AccountType.FUNDING, 1, 10, 0, 0),
                new StoreBalance(0, AccountType.EXTERNAL, 1, Long.MAX_VALUE, 0, 0),
                new StoreBalance(0, AccountType.CLEARING, 1, Long.MAX_VALUE - 8, 0, 0));

        // when / then it sums to zero and the user is owed 10
        assertThat(Long.MAX_VALUE + (Long.MAX_VALUE - 8) + 10).as("the example wraps to zero").isZero();
        assertThat(LiabilitiesCommand.Snapshot.owed(rows, ASSETS)).isEqualTo(Map.of("BTC", Map.of(7L, 10L)));
    }

    @Test
    void givenUsersWhoHoldMoreThanTheSystemAccountsAccountForWhenOwedIsComputedThenItRefusesNamingTheAssetAndBothSides() {
        // given USDT (id 2): users hold 150 in all, the system accounts -100
        List<StoreBalance> rows = List.of(
                new StoreBalance(7, AccountType.FUNDING, 2, 100, 0, 0),
                new StoreBalance(8, AccountType.SPOT, 2, 0, 20, 30),
                new StoreBalance(0, AccountType.EXTERNAL, 2, -100, 0, 0));

        // when / then
        assertThatThrownBy(() -> LiabilitiesCommand.Snapshot.owed(rows, ASSETS)).isInstanceOf(IllegalStateException.class)
                .hasMessage("the ledger does not sum to zero for asset USDT: users hold 150 (available + frozen + pending), "
                        + "the system accounts -100; no snapshot taken");
    }
}
