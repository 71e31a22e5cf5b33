package io.settlement.topology.balance;

import io.settlement.avro.BalanceEvent;
import io.settlement.avro.JournalEntry;
import io.settlement.avro.LegResult;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.TradeLeg;

/**
 * What the balance processor forwards: each kind carries the key and value of its topic, and goes
 * to the child named in {@link BalanceOutputs}, which unwraps it into the record its sink writes
 * (same key, value, timestamp and headers).
 *
 * @param <K> the topic's key type
 * @param <V> the topic's value type
 */
public sealed interface BalanceOutput<K, V> {
    K key();

    V value();

    /** To settlement.results, keyed by the command's key. */
    record Result(String key, SettlementResult value) implements BalanceOutput<String, SettlementResult> {}

    /** To settlement.journal, keyed by the entry's user. */
    record Journal(Long key, JournalEntry value) implements BalanceOutput<Long, JournalEntry> {}

    /** To balance.events, keyed by the event's user. */
    record Event(Long key, BalanceEvent value) implements BalanceOutput<Long, BalanceEvent> {}

    /** To settlement.internal.leg-results, keyed by the trade id. */
    record LegAnswer(String key, LegResult value) implements BalanceOutput<String, LegResult> {}

    /** To settlement.internal.trade-legs, keyed by the next leg's user. */
    record NextLeg(Long key, TradeLeg value) implements BalanceOutput<Long, TradeLeg> {}

    /** To settlement.dlq: the refused record's original key and value bytes (its headers ride on the record). */
    record DeadLetter(byte[] key, byte[] value) implements BalanceOutput<byte[], byte[]> {}
}
