package io.settlement.contract;

import io.settlement.avro.BalanceEvent;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.LegResult;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TransferRequest;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;

/**
 * The topic contract with producers and consumers (docs/topics.md), as typed values.
 * User-keyed topics are keyed by the user id as an 8-byte big-endian long; results by
 * {@link CommandKeys}; trades by anything (the coordinator re-keys them by trade id). The
 * dead-letter topic keeps each bad record's original key and value bytes.
 *
 * <p>The internal topics (trade legs, leg results, and the trades re-keyed by id on their way to
 * the coordinator, whose value serde is {@link #tradesByIdValues}) carry records that move money,
 * so their values are authenticated ({@link AuthenticatedSerde}) with the {@link InternalRecordKeys}
 * they are created with: write access to them is not enough to forge one.
 */
public record Topics(
        Topic<Long, BalanceOperation> balanceOperations,
        Topic<Long, TransferRequest> transferRequests,
        Topic<Bytes, Trade> trades,
        Topic<String, SettlementResult> results,
        Topic<Long, JournalEntry> journal,
        Topic<Long, BalanceEvent> balanceEvents,
        Topic<byte[], byte[]> deadLetters,
        Topic<Long, TradeLeg> tradeLegs,
        Topic<String, LegResult> legResults,
        Serde<Trade> tradesByIdValues) {

    public static final String BALANCE_OPERATIONS = "balance.operations";
    public static final String TRANSFER_REQUESTS = "transfer.requests";
    public static final String TRADES = "trades";
    public static final String RESULTS = "settlement.results";
    public static final String JOURNAL = "settlement.journal";
    public static final String BALANCE_EVENTS = "balance.events";
    public static final String DEAD_LETTERS = "settlement.dlq";
    /** Internal: trade legs from the coordinator to each side's balance task, keyed by user id. */
    public static final String TRADE_LEGS = "settlement.internal.trade-legs";
    /** Internal: the balance tasks' answers to trade legs, keyed by trade id. */
    public static final String LEG_RESULTS = "settlement.internal.leg-results";

    /**
     * The topics with their default names and the given wire format, internal records authenticated
     * with a key made at random for this process ({@link InternalRecordKeys#ephemeral()}): for tests,
     * benchmarks and tools that only name the topics. What runs the topology for real passes its
     * configured keys to {@link #create(AvroSerdes, InternalRecordKeys)}.
     */
    public static Topics create(AvroSerdes avro) {
        return create(avro, InternalRecordKeys.ephemeral());
    }

    /** The topics with their default names, the given wire format, and internal records authenticated with {@code keys}. */
    public static Topics create(AvroSerdes avro, InternalRecordKeys keys) {
        return new Topics(
                new Topic<>(BALANCE_OPERATIONS, Serdes.Long(), avro.valueSerde(BalanceOperation.class)),
                new Topic<>(TRANSFER_REQUESTS, Serdes.Long(), avro.valueSerde(TransferRequest.class)),
                new Topic<>(TRADES, Serdes.Bytes(), avro.valueSerde(Trade.class)),
                new Topic<>(RESULTS, Serdes.String(), avro.valueSerde(SettlementResult.class)),
                new Topic<>(JOURNAL, Serdes.Long(), avro.valueSerde(JournalEntry.class)),
                new Topic<>(BALANCE_EVENTS, Serdes.Long(), avro.valueSerde(BalanceEvent.class)),
                new Topic<>(DEAD_LETTERS, Serdes.ByteArray(), Serdes.ByteArray()),
                new Topic<>(TRADE_LEGS, Serdes.Long(), new AuthenticatedSerde<>(avro.valueSerde(TradeLeg.class),
                        Serdes.Long().serializer(), TradeLeg::getUserId, keys)),
                new Topic<>(LEG_RESULTS, Serdes.String(), new AuthenticatedSerde<>(avro.valueSerde(LegResult.class),
                        Serdes.String().serializer(), LegResult::getTradeId, keys)),
                new AuthenticatedSerde<>(avro.valueSerde(Trade.class), Serdes.String().serializer(), Trade::getTradeId, keys));
    }

    /**
     * The user-keyed topics the balance tasks read; they must be co-partitioned (same partition
     * count, same key bytes), or one user's balance would be split across two tasks.
     */
    public List<String> userKeyedInputs() {
        return List.of(balanceOperations.name(), transferRequests.name(), tradeLegs.name());
    }

    /** Every topic the application reads or writes, for creating them in dev mode. */
    public List<String> all() {
        return List.of(balanceOperations.name(), transferRequests.name(), trades.name(), results.name(),
                journal.name(), balanceEvents.name(), deadLetters.name(), tradeLegs.name(), legResults.name());
    }
}
