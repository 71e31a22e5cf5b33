package io.settlement.sink.scylla;

import io.settlement.avro.BalanceEvent;
import io.settlement.avro.CommandKind;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeSide;
import io.settlement.avro.Wallet;
import io.settlement.topology.testkit.Commands;
import io.settlement.topology.testkit.SettlementDriver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Real output records of the settlement core: commands go through the real topology
 * ({@link SettlementDriver}, TopologyTestDriver) and the journal entries, balance events and
 * results it emits are kept in order, ready to be delivered to the sink. The trade is settled leg
 * by leg through the balance processor as the trade coordinator would drive it (docs/trades.md),
 * and its result is the one the coordinator emits once both credits are applied.
 */
final class SettlementScenario implements AutoCloseable {
    static final long ALICE = 1;
    static final long BOB = 2;
    static final String TRADE_ID = "trade-1";
    /** Alice buys 0.1 BTC from Bob for 500 USDT; fees in the asset each receives. */
    static final long BASE_QTY = 10_000_000;
    static final long QUOTE_QTY = 500_000_000;
    static final long BUYER_FEE = 10_000;
    static final long SELLER_FEE = 500_000;

    final SettlementDriver driver = SettlementDriver.start();
    final Commands commands = driver.commands();
    final List<SettlementResult> extraResults = new ArrayList<>();

    /** Deposits, two accepted transfers, a rejected one, and a settled trade. */
    SettlementScenario everyKindOfRow() {
        driver.send(commands.deposit("d-alice", ALICE, "USDT", 1_000_000_000));
        driver.send(commands.deposit("d-bob", BOB, "BTC", 100_000_000));
        driver.send(commands.transfer("t-1", ALICE, Wallet.FUNDING, Wallet.SPOT, "USDT", 600_000_000));
        driver.send(commands.transfer("t-2", BOB, Wallet.FUNDING, Wallet.SPOT, "BTC", 50_000_000));
        driver.send(commands.transfer("t-3", ALICE, Wallet.FUNDING, Wallet.SPOT, "USDT", 1_000_000_000_000L));
        driver.advanceWallClock(Duration.ofSeconds(1));
        Commands.SideLegs buyer = commands.side(TRADE_ID, ALICE, TradeSide.BUYER, "USDT", QUOTE_QTY, "BTC", BASE_QTY, BUYER_FEE, null);
        Commands.SideLegs seller = commands.side(TRADE_ID, BOB, TradeSide.SELLER, "BTC", BASE_QTY, "USDT", QUOTE_QTY, SELLER_FEE, null);
        driver.send(buyer.debit());
        driver.send(seller.debit());
        driver.send(buyer.credit());
        driver.send(seller.credit());
        extraResults.add(new SettlementResult(TRADE_ID, CommandKind.TRADE, ALICE, ResultStatus.ACCEPTED, null, null,
                SettlementDriver.START, driver.now()));
        return this;
    }

    /** {@code n} deposits of 1..n minor units for {@code users} users (ids 1..users) round robin. */
    SettlementScenario deposits(int n, int users) {
        return deposits(n, users, 1);
    }

    /**
     * As {@link #deposits(int, int)}, users from {@code firstUser}: two scenarios on the same topics
     * must not share users, or their (user, wallet, asset, seq) would meet, which one topology never does.
     */
    SettlementScenario deposits(int n, int users, long firstUser) {
        for (int i = 1; i <= n; i++) {
            driver.send(commands.deposit("bulk-" + i, firstUser + (i % users), "BTC", i));
        }
        return this;
    }

    List<JournalEntry> journal() {
        return driver.journal();
    }

    List<BalanceEvent> events() {
        return driver.events();
    }

    List<SettlementResult> results() {
        List<SettlementResult> all = new ArrayList<>(driver.results());
        all.addAll(extraResults);
        return all;
    }

    @Override
    public void close() {
        try {
            driver.assertInvariants();
        } finally {
            driver.close();
        }
    }
}
