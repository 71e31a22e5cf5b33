package io.settlement.topology.balance;

import io.settlement.avro.Reason;
import io.settlement.contract.Topics;
import io.settlement.topology.DeadLetterHeaders;
import io.settlement.topology.PartitionGuard;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Builds the copies of refused input records for {@code settlement.dlq}: the original key and
 * value bytes (re-encoded with the topic's own serdes) with headers that say where the record
 * came from and why it was refused. Only refused records pass here, so cost does not matter.
 */
final class DeadLetters {
    /** The dead-letter reason of a CREDIT or REFUND that ends no accepted DEBIT. */
    static final String UNBACKED_LEG = "UNBACKED_LEG";
    /** The dead-letter reason of a chained trade leg that was applied before. */
    static final String REPEATED_LEG = "REPEATED_LEG";
    /** The dead-letter reason of a trade leg whose record key is not its user. */
    static final String LEG_KEY_MISMATCH = "LEG_KEY_MISMATCH";

    private final Topics topics;
    private final PartitionGuard guard;
    private final LongSerializer keys = new LongSerializer();

    DeadLetters(Topics topics, PartitionGuard guard) {
        this.topics = topics;
        this.guard = guard;
    }

    String wrongPartitionDetail(long userId, RecordMetadata metadata) {
        return "user " + userId + " belongs on partition " + guard.partitionOf(userId) + " of " + guard.partitions()
                + ", the record arrived on partition " + metadata.partition() + " of " + metadata.topic();
    }

    Record<byte[], byte[]> wrongPartition(Record<Long, BalanceInput> record, long userId, RecordMetadata metadata) {
        Headers headers = source(metadata);
        put(headers, DeadLetterHeaders.REASON, Reason.WRONG_PARTITION.name());
        put(headers, DeadLetterHeaders.MESSAGE, wrongPartitionDetail(userId, metadata));
        put(headers, DeadLetterHeaders.EXPECTED_PARTITION, Integer.toString(guard.partitionOf(userId)));
        put(headers, DeadLetterHeaders.PARTITIONS, Integer.toString(guard.partitions()));
        return new Record<>(keys.serialize(metadata.topic(), record.key()), record.value().valueBytes(topics, metadata.topic()), record.timestamp(), headers);
    }

    /** A CREDIT or REFUND that ends no DEBIT the balance task accepted (see {@link DebitBacking}). */
    Record<byte[], byte[]> unbackedLeg(Record<Long, BalanceInput> record, RecordMetadata metadata, String detail) {
        Headers headers = source(metadata);
        put(headers, DeadLetterHeaders.REASON, UNBACKED_LEG);
        put(headers, DeadLetterHeaders.MESSAGE, detail);
        return new Record<>(keys.serialize(metadata.topic(), record.key()), record.value().valueBytes(topics, metadata.topic()), record.timestamp(), headers);
    }

    /** A chained leg applied before: the chain went on from its first application, so this copy moves nothing and goes nowhere. */
    Record<byte[], byte[]> repeatedLeg(Record<Long, BalanceInput> record, RecordMetadata metadata) {
        Headers headers = source(metadata);
        put(headers, DeadLetterHeaders.REASON, REPEATED_LEG);
        put(headers, DeadLetterHeaders.MESSAGE, "this leg of a chained trade was applied before; a copy of it changes nothing");
        return new Record<>(keys.serialize(metadata.topic(), record.key()), record.value().valueBytes(topics, metadata.topic()), record.timestamp(), headers);
    }

    /** A trade leg whose record key is not the user it names: only the coordinator's own keying is trusted. */
    Record<byte[], byte[]> legKeyMismatch(Record<Long, BalanceInput> record, RecordMetadata metadata, long userId) {
        Headers headers = source(metadata);
        put(headers, DeadLetterHeaders.REASON, LEG_KEY_MISMATCH);
        put(headers, DeadLetterHeaders.MESSAGE, "record key " + record.key() + " is not the leg's user_id " + userId);
        byte[] key = record.key() == null ? null : keys.serialize(metadata.topic(), record.key());
        return new Record<>(key, record.value().valueBytes(topics, metadata.topic()), record.timestamp(), headers);
    }

    Record<byte[], byte[]> withoutValue(Record<Long, BalanceInput> record, RecordMetadata metadata) {
        Headers headers = source(metadata);
        put(headers, DeadLetterHeaders.REASON, "NULL_VALUE");
        put(headers, DeadLetterHeaders.MESSAGE, "a record without a value is no command");
        return new Record<>(keys.serialize(metadata.topic(), record.key()), null, record.timestamp(), headers);
    }

    private static Headers source(RecordMetadata metadata) {
        Headers headers = new RecordHeaders();
        put(headers, DeadLetterHeaders.TOPIC, metadata.topic());
        put(headers, DeadLetterHeaders.PARTITION, Integer.toString(metadata.partition()));
        put(headers, DeadLetterHeaders.OFFSET, Long.toString(metadata.offset()));
        return headers;
    }

    private static void put(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
