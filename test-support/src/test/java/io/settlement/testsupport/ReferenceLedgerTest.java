package io.settlement.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ReferenceLedgerTest {
    @Test
    void bookingsMoveBucketsAndEveryAssetSumsToZeroWithItsSystemAccounts() {
        ReferenceLedger ledger = ReferenceLedger.nonNegative();
        ledger.addAvailable(1, "FUNDING", "BTC", 100);
        ledger.addSystem("EXTERNAL", "BTC", -100);
        ledger.transfer(1, "FUNDING", "SPOT", "BTC", 60);
        ledger.freeze(1, "SPOT", "BTC", 20);
        ledger.addPending(2, "FUNDING", "USDT", 5);
        ledger.addSystem("EXTERNAL", "USDT", -5);

        assertThat(ledger.available(1, "FUNDING", "BTC")).isEqualTo(40);
        assertThat(ledger.buckets(1, "SPOT", "BTC")).isEqualTo(new ReferenceLedger.Buckets(40, 20, 0));
        assertThat(ledger.pending(2, "FUNDING", "USDT")).isEqualTo(5);
        assertThat(ledger.system("EXTERNAL", "BTC")).isEqualTo(-100);
        assertThat(ledger.totalPerAsset(account -> true)).isEqualTo(Map.of("BTC", 0L, "USDT", 0L));
        assertThat(ledger.accounts(account -> account.owner() == 1)).hasSize(2);
        assertThat(ledger.available(3, "SPOT", "BTC")).isZero();
    }

    @Test
    void aNonNegativeLedgerRefusesToTakeAUserBucketBelowZeroButNotASystemAccount() {
        ReferenceLedger ledger = ReferenceLedger.nonNegative();
        ledger.addAvailable(1, "SPOT", "BTC", 10);

        assertThatThrownBy(() -> ledger.freeze(1, "SPOT", "BTC", 11)).isInstanceOf(IllegalStateException.class).hasMessageContaining("negative");
        assertThat(ledger.buckets(1, "SPOT", "BTC")).as("unchanged").isEqualTo(new ReferenceLedger.Buckets(10, 0, 0));
        ledger.addSystem("CLEARING", "BTC", -1);
        assertThat(ledger.system("CLEARING", "BTC")).isEqualTo(-1);
        ReferenceLedger.unchecked().addAvailable(1, "SPOT", "BTC", -1);
    }

    @Test
    void aTouchedAccountIsListedAtZero() {
        ReferenceLedger ledger = ReferenceLedger.unchecked();
        ledger.touch(7, "SPOT", "USDT");
        assertThat(ledger.accounts()).containsEntry(new ReferenceLedger.Account(7, "SPOT", "USDT"), ReferenceLedger.Buckets.ZERO);
    }
}
