package io.settlement.sink.scylla;

import static io.settlement.sink.scylla.SettlementScenario.ALICE;
import static io.settlement.sink.scylla.SettlementScenario.BASE_QTY;
import static io.settlement.sink.scylla.SettlementScenario.BOB;
import static io.settlement.sink.scylla.SettlementScenario.BUYER_FEE;
import static io.settlement.sink.scylla.SettlementScenario.QUOTE_QTY;
import static io.settlement.sink.scylla.SettlementScenario.SELLER_FEE;
import static io.settlement.sink.scylla.SettlementScenario.TRADE_ID;
import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.Row;
import io.settlement.avro.BalanceEvent;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Wallet;
import io.settlement.contract.CommandKeys;
import io.settlement.sink.Health.Status;
import io.settlement.sink.History.LedgerLine;
import io.settlement.sink.History.Page;
import io.settlement.sink.History.UserTrade;
import io.settlement.topology.balance.Balance;
import io.settlement.topology.balance.BalanceKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sink's write path against a real Cassandra (one server for the class, a keyspace per test),
 * fed with real output records of the topology through the sink's own poll loop.
 */
class ScyllaSinkTablesTest {
    private static final AtomicInteger KEYSPACES = new AtomicInteger();
    static CassandraServer server;

    SinkOnMockConsumer sink;
    SettlementScenario scenario;

    @BeforeAll
    static void startCassandra() {
        server = CassandraServer.start("tables-" + ProcessHandle.current().pid());
    }

    @AfterAll
    static void stopCassandra() {
        if (server != null) {
            server.close();
        }
    }

    private SinkOnMockConsumer newSink() {
        sink = new SinkOnMockConsumer(server, "tables_" + KEYSPACES.incrementAndGet());
        return sink;
    }

    @AfterEach
    void close() {
        if (sink != null) {
            sink.close();
        }
        if (scenario != null) {
            scenario.close(); // the invariants (docs/topology.md) over what the topology did
        }
    }

    @Test
    void everyTableHoldsTheRowsTheOutputTopicsImply() throws Exception {
        // given deposits, transfers (one rejected) and a settled trade, through the real topology
        scenario = new SettlementScenario().everyKindOfRow();
        newSink();

        // when the sink gets the journal, the balance events and the results
        sink.deliver(scenario.journal(), List.of(), scenario.results()); // as the engine writes by default: balances in the journal

        // then everything is written and committed
        assertThat(sink.committed()).isEqualTo(sink.delivered());
        assertThat(sink.sink.state()).isEqualTo(Status.UP);

        // user_balances: each user account as the balance store has it
        Map<BalanceKey, Balance> store = scenario.driver.allBalances();
        List<String> expectedBalances = new ArrayList<>();
        store.forEach((key, balance) -> {
            if (key.ownerId() != BalanceKey.SYSTEM_OWNER) {
                expectedBalances.add(key.ownerId() + "/" + key.type() + "/" + key.assetId() + " " + balance.available() + " "
                        + balance.frozen() + " " + balance.pending() + " seq " + balance.seq());
            }
        });
        List<String> balances = new ArrayList<>();
        sink.session.execute("SELECT * FROM " + sink.keyspace + ".user_balances").forEach(row -> balances.add(
                row.getLong("user_id") + "/" + row.getString("wallet") + "/" + row.getInt("asset_id") + " "
                        + row.getLong("available") + " " + row.getLong("frozen") + " " + row.getLong("pending")
                        + " seq " + row.getLong("seq")));
        assertThat(balances).containsExactlyInAnyOrderElementsOf(expectedBalances);

        // balance_ledger: one line per event, with the balance after it
        List<String> expectedLedger = scenario.events().stream().map(e -> e.getUserId() + "/" + e.getAssetId() + "/"
                + e.getWallet() + "/" + e.getSeq() + " " + e.getAvailable() + " " + e.getDeltaAvailable() + " "
                + e.getCauseKind() + " " + e.getEntryId()).toList();
        List<String> ledger = new ArrayList<>();
        sink.session.execute("SELECT * FROM " + sink.keyspace + ".balance_ledger").forEach(row -> ledger.add(
                row.getLong("user_id") + "/" + row.getInt("asset_id") + "/" + row.getString("wallet") + "/" + row.getLong("seq")
                        + " " + row.getLong("available") + " " + row.getLong("delta_available") + " "
                        + row.getString("event_type") + " " + row.getString("entry_id")));
        assertThat(ledger).containsExactlyInAnyOrderElementsOf(expectedLedger);

        // user_transfers: what moved, and the outcome; the rejected one moved nothing
        Row accepted = one("SELECT * FROM %s.user_transfers WHERE user_id = " + ALICE + " AND request_id = 't-1'");
        assertThat(accepted.getLong("user_id")).isEqualTo(ALICE);
        assertThat(accepted.getString("from_wallet")).isEqualTo("FUNDING");
        assertThat(accepted.getString("to_wallet")).isEqualTo("SPOT");
        assertThat(accepted.getString("asset")).isEqualTo("USDT");
        assertThat(accepted.getLong("amount")).isEqualTo(600_000_000L);
        assertThat(accepted.getString("status")).isEqualTo("ACCEPTED");
        assertThat(accepted.getString("error")).isNull();
        assertThat(accepted.getInstant("created_at")).isNotNull();
        assertThat(accepted.getInstant("updated_at")).isNotNull();
        Row rejected = one("SELECT * FROM %s.user_transfers WHERE user_id = " + ALICE + " AND request_id = 't-3'");
        assertThat(rejected.getString("status")).isEqualTo("REJECTED");
        assertThat(rejected.getString("error")).isEqualTo("INSUFFICIENT_AVAILABLE");
        assertThat(rejected.getString("from_wallet")).isNull();
        assertThat(sink.rows("user_transfers")).hasSize(3);

        // settled_trades: the whole trade from its four legs and its result
        Row trade = one("SELECT * FROM %s.settled_trades WHERE trade_id = '" + TRADE_ID + "'");
        assertThat(trade.getLong("buyer_id")).isEqualTo(ALICE);
        assertThat(trade.getLong("seller_id")).isEqualTo(BOB);
        assertThat(trade.getString("base_asset")).isEqualTo("BTC");
        assertThat(trade.getLong("base_qty")).isEqualTo(BASE_QTY);
        assertThat(trade.getString("quote_asset")).isEqualTo("USDT");
        assertThat(trade.getLong("quote_qty")).isEqualTo(QUOTE_QTY);
        assertThat(trade.getLong("buyer_fee")).isEqualTo(BUYER_FEE);
        assertThat(trade.getLong("seller_fee")).isEqualTo(SELLER_FEE);
        assertThat(trade.get("buyer_refund", Long.class)).isNull();
        assertThat(trade.getString("status")).isEqualTo("ACCEPTED");
        assertThat(trade.getInstant("executed_at")).isNotNull();

        // trades_by_user: each side of it, in each user's history
        UserTrade alice = onlyTrade(ALICE);
        assertThat(alice).extracting(UserTrade::side, UserTrade::paidAsset, UserTrade::paidQty, UserTrade::receivedAsset,
                UserTrade::receivedQty, UserTrade::fee, UserTrade::status)
                .containsExactly("BUYER", "USDT", QUOTE_QTY, "BTC", BASE_QTY, BUYER_FEE, "SETTLED");
        UserTrade bob = onlyTrade(BOB);
        assertThat(bob).extracting(UserTrade::side, UserTrade::paidAsset, UserTrade::paidQty, UserTrade::receivedAsset,
                UserTrade::receivedQty, UserTrade::fee, UserTrade::status)
                .containsExactly("SELLER", "BTC", BASE_QTY, "USDT", QUOTE_QTY, SELLER_FEE, "SETTLED");

        // command_results: one row per result key, with its status
        List<String> expectedResults = scenario.results().stream()
                .map(r -> CommandKeys.of(r) + " " + r.getStatus() + " " + r.getReason()).toList();
        List<String> results = new ArrayList<>();
        sink.session.execute("SELECT * FROM " + sink.keyspace + ".command_results").forEach(row -> results.add(
                row.getString("command_key") + " " + row.getString("status") + " " + row.getString("reason")));
        assertThat(results).containsExactlyInAnyOrderElementsOf(expectedResults);
    }

    @Test
    void deliveringTheSameRecordsTwiceLeavesTheTablesUnchanged() throws Exception {
        // given every kind of row written once
        scenario = new SettlementScenario().everyKindOfRow();
        newSink();
        sink.deliver(scenario.journal(), List.of(), scenario.results());
        Map<String, List<String>> once = sink.allTables();

        // when the same records arrive again (a sink restarted before its commit), in reverse order,
        // with the balance events balance.events.enabled writes beside the journal
        List<SettlementResult> results = new ArrayList<>(scenario.results());
        Collections.reverse(results);
        List<BalanceEvent> events = new ArrayList<>(scenario.events());
        Collections.reverse(events);
        sink.deliver(scenario.journal(), events, results);

        // then every table is exactly as before
        assertThat(sink.allTables()).isEqualTo(once);
        assertThat(once.values()).allSatisfy(rows -> assertThat(rows).isNotEmpty());
        assertThat(sink.committed()).isEqualTo(sink.delivered());
    }

    @Test
    void userBalancesNeverGoBackwardsWhenEventsArriveOutOfOrderAcrossBatches() throws Exception {
        // given 40 changes of alice's FUNDING BTC account, delivered shuffled over 8 polls
        scenario = new SettlementScenario().deposits(40, 1);
        newSink();
        List<BalanceEvent> events = new ArrayList<>(scenario.events());
        Collections.shuffle(events, new Random(7));
        long highestSeq = 0;
        for (int from = 0; from < events.size(); from += 5) {
            List<BalanceEvent> batch = events.subList(from, from + 5);
            highestSeq = Math.max(highestSeq, batch.stream().mapToLong(BalanceEvent::getSeq).max().orElseThrow());

            // when a batch is written
            sink.deliver(List.of(), batch, List.of());

            // then the row is the event with the highest seq seen so far, never an older one
            long expectedSeq = highestSeq;
            BalanceEvent newest = scenario.events().stream().filter(e -> e.getSeq() == expectedSeq).findFirst().orElseThrow();
            Row row = one("SELECT * FROM %s.user_balances WHERE user_id = " + newest.getUserId());
            assertThat(row.getLong("seq")).isEqualTo(expectedSeq);
            assertThat(row.getLong("available")).isEqualTo(newest.getAvailable());
        }
        assertThat(highestSeq).isEqualTo(40);
        assertThat(one("SELECT * FROM %s.user_balances WHERE user_id = " + ALICE).getLong("available"))
                .isEqualTo(scenario.driver.balance(ALICE, io.settlement.avro.AccountType.FUNDING, "BTC").available());
    }

    @Test
    void aLaterConflictingResultNeverReplacesTheFirstEvenWhenItArrivesFirst() throws Exception {
        // given alice's transfer t-1 accepted, then another request of hers under the same id rejected ID_CONFLICT
        // (ids are unique per user: bob's t-1 would be a transfer of its own)
        scenario = new SettlementScenario().everyKindOfRow();
        scenario.driver.advanceWallClock(Duration.ofSeconds(1));
        SettlementResult conflict = scenario.driver.send(
                scenario.commands.transfer("t-1", ALICE, Wallet.FUNDING, Wallet.SPOT, "BTC", 1));
        assertThat(conflict.getReason()).hasToString("ID_CONFLICT");
        newSink();

        // when the conflict's result is written before the original's
        sink.deliver(List.of(), List.of(), List.of(conflict));
        sink.deliver(scenario.journal(), scenario.events(), scenario.results());

        // then command_results and user_transfers show the first result, as a status lookup does
        Row result = one("SELECT * FROM %s.command_results WHERE command_key = 'INTERNAL_TRANSFER:" + ALICE + ":t-1'");
        assertThat(result.getString("status")).isEqualTo(ResultStatus.ACCEPTED.name());
        assertThat(result.getLong("user_id")).isEqualTo(ALICE);
        Row transfer = one("SELECT * FROM %s.user_transfers WHERE user_id = " + ALICE + " AND request_id = 't-1'");
        assertThat(transfer.getString("status")).isEqualTo("ACCEPTED");
        assertThat(transfer.getString("error")).isNull();
        assertThat(transfer.getLong("user_id")).isEqualTo(ALICE);
        assertThat(transfer.getLong("amount")).isEqualTo(600_000_000L);
    }

    @Test
    void twoUsersTransfersUnderTheSameRequestIdAreTwoRows() throws Exception {
        // given alice's transfer t-1 (in the scenario) and bob's own t-1, a request of his under the same id
        scenario = new SettlementScenario().everyKindOfRow();
        SettlementResult bobs = scenario.driver.send(scenario.commands.transfer("t-1", BOB, Wallet.FUNDING, Wallet.SPOT, "BTC", 1_000));
        assertThat(bobs.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        newSink();

        // when everything is written
        sink.deliver(scenario.journal(), scenario.events(), scenario.results());

        // then each user has his own row, and neither overwrote the other's
        Row alices = one("SELECT * FROM %s.user_transfers WHERE user_id = " + ALICE + " AND request_id = 't-1'");
        Row bobsRow = one("SELECT * FROM %s.user_transfers WHERE user_id = " + BOB + " AND request_id = 't-1'");
        assertThat(alices.getLong("amount")).isEqualTo(600_000_000L);
        assertThat(alices.getString("asset")).isEqualTo("USDT");
        assertThat(bobsRow.getLong("amount")).isEqualTo(1_000L);
        assertThat(bobsRow.getString("asset")).isEqualTo("BTC");
        assertThat(bobsRow.getString("status")).isEqualTo("ACCEPTED");
    }

    @Test
    void historyPagesThroughTheLedgerNewestFirstAndListsTrades() throws Exception {
        // given 12 deposits of alice's and the settled trade
        scenario = new SettlementScenario().everyKindOfRow().deposits(24, 2);
        newSink();
        sink.deliver(scenario.journal(), scenario.events(), scenario.results());
        ScyllaHistory history = new ScyllaHistory(sink.session, sink.keyspace);
        int btc = scenario.driver.asset("BTC").id();

        // when alice's BTC ledger is read 5 lines at a time
        List<LedgerLine> lines = new ArrayList<>();
        Optional<String> cursor = Optional.empty();
        int pages = 0;
        do {
            Page<LedgerLine> page = history.ledger(ALICE, btc, 5, cursor.orElse(null));
            assertThat(page.rows()).hasSizeLessThanOrEqualTo(5);
            lines.addAll(page.rows());
            cursor = page.next();
            pages++;
        } while (cursor.isPresent());

        // then every BTC event of alice's comes once, newest first
        List<BalanceEvent> expected = scenario.events().stream()
                .filter(e -> e.getUserId() == ALICE && e.getAssetId() == btc).toList();
        assertThat(lines).hasSize(expected.size());
        assertThat(pages).isGreaterThanOrEqualTo(expected.size() / 5);
        assertThat(lines).isSortedAccordingTo(Comparator.comparing(LedgerLine::createdAt).reversed());
        Set<String> ids = new HashSet<>();
        lines.forEach(line -> ids.add(line.wallet() + "/" + line.seq()));
        assertThat(ids).hasSize(expected.size());

        // and alice's trades list the trade
        Page<UserTrade> trades = history.trades(ALICE, 50, null);
        assertThat(trades.rows()).extracting(UserTrade::tradeId).containsExactly(TRADE_ID);
        assertThat(trades.next()).isEmpty();
    }

    private UserTrade onlyTrade(long userId) {
        List<UserTrade> trades = new ScyllaHistory(sink.session, sink.keyspace).trades(userId, 10, null).rows();
        assertThat(trades).hasSize(1);
        return trades.get(0);
    }

    private Row one(String query) {
        Row row = sink.session.execute(String.format(query, sink.keyspace)).one();
        assertThat(row).as(query).isNotNull();
        return row;
    }
}
