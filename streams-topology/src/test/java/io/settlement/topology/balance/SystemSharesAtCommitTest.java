package io.settlement.topology.balance;

import static io.settlement.avro.AccountType.EXTERNAL;
import static io.settlement.avro.AccountType.FUNDING;
import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.topology.StoreNames;
import io.settlement.topology.testkit.DriverTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * The system shares wait for the task's commit and reach the store then; the task reads them at
 * once, other threads only once committed; an abandoned transaction drops them.
 */
class SystemSharesAtCommitTest extends DriverTest {
    private static final BalanceKey EXTERNAL_BTC = new BalanceKey(BalanceKey.SYSTEM_OWNER, EXTERNAL, 1);
    private static final BalanceKey USER_BTC = new BalanceKey(7, FUNDING, 1);

    private SystemSharesAtCommit shares() {
        return (SystemSharesAtCommit) (Object) driver.testDriver().getKeyValueStore(StoreNames.BALANCES);
    }

    @Test
    void theTasksCommitPutsItsSharesIntoTheStore() {
        // when a deposit is processed and the driver commits the task, as it does after every input
        driver.send(commands.deposit("d-1", 7, "BTC", 150));

        // then the EXTERNAL share waits no longer: the store under the wrapper holds it
        assertThat(shares().waiting()).isZero();
        assertThat(shares().wrapped().get(EXTERNAL_BTC)).isEqualTo(new Balance(-150, 0, 0, 1));
        assertThat(shares().wrapped().get(USER_BTC).available()).isEqualTo(150);
        driver.assertInvariants();
    }

    @Test
    void aShareWaitsInMemoryUntilTheCommitAndTheWritingThreadReadsIt() throws Exception {
        // given
        driver.send(commands.deposit("d-1", 7, "BTC", 150));
        SystemSharesAtCommit store = shares();

        // when the task moves the share again, between commits
        store.put(EXTERNAL_BTC, new Balance(-200, 0, 0, 2));
        store.put(USER_BTC, new Balance(200, 0, 0, 2));

        // then the user account is in the store at once, the share waits; the writer reads the waiting value, another thread the store's
        assertThat(store.waiting()).isEqualTo(1);
        assertThat(store.wrapped().get(USER_BTC).available()).isEqualTo(200);
        assertThat(store.wrapped().get(EXTERNAL_BTC).available()).isEqualTo(-150);
        assertThat(store.get(EXTERNAL_BTC).available()).isEqualTo(-200);
        assertThat(CompletableFuture.supplyAsync(() -> store.get(EXTERNAL_BTC).available()).get()).isEqualTo(-150);

        // and at the commit's cache flush it goes into the store
        store.flushCache();
        assertThat(store.waiting()).isZero();
        assertThat(store.wrapped().get(EXTERNAL_BTC).available()).isEqualTo(-200);
    }

    @Test
    void anAbandonedTransactionDropsTheWaitingShares() {
        // given
        driver.send(commands.deposit("d-1", 7, "BTC", 150));
        SystemSharesAtCommit store = shares();
        store.put(EXTERNAL_BTC, new Balance(-999, 0, 0, 2));

        // when the task's transaction is abandoned
        store.clearCache();

        // then the share is what the store held
        assertThat(store.waiting()).isZero();
        assertThat(store.get(EXTERNAL_BTC).available()).isEqualTo(-150);
    }

    @Test
    void aScanByTheWritingThreadSeesTheWaitingShares() {
        // given
        driver.send(commands.deposit("d-1", 7, "BTC", 150));
        SystemSharesAtCommit store = shares();
        store.put(EXTERNAL_BTC, new Balance(-300, 0, 0, 2));
        store.put(USER_BTC, new Balance(300, 0, 0, 2));

        // when
        List<KeyValue<BalanceKey, Balance>> all = new ArrayList<>();
        try (KeyValueIterator<BalanceKey, Balance> iterator = store.all()) {
            iterator.forEachRemaining(all::add);
        }

        // then
        assertThat(all).contains(KeyValue.pair(EXTERNAL_BTC, new Balance(-300, 0, 0, 2)));
        assertThat(store.waiting()).isZero();
    }

    @Test
    void theProcessorsStoreIsTheWrapper() {
        KeyValueStore<BalanceKey, Balance> store = driver.testDriver().getKeyValueStore(StoreNames.BALANCES);
        assertThat((Object) store).isInstanceOf(SystemSharesAtCommit.class);
    }
}
