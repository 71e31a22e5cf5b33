package io.settlement.topology;

/**
 * Header names on records in {@code settlement.dlq}. Records the runtime could not read or
 * process carry Kafka Streams' own {@code __streams.errors.*} headers (KIP-1034); records the
 * topology refuses (a record on the wrong partition, a record without a value) carry the same
 * topic/partition/offset headers plus the settlement ones below.
 */
public final class DeadLetterHeaders {
    /** Kafka Streams' header: the exception class of a record that failed. */
    public static final String EXCEPTION = "__streams.errors.exception";
    /** Kafka Streams' header: the error message. */
    public static final String MESSAGE = "__streams.errors.message";
    /** Kafka Streams' header: the stack trace. */
    public static final String STACKTRACE = "__streams.errors.stacktrace";
    /** Kafka Streams' header: the record's source topic. */
    public static final String TOPIC = "__streams.errors.topic";
    /** Kafka Streams' header: the record's source partition. */
    public static final String PARTITION = "__streams.errors.partition";
    /** Kafka Streams' header: the record's source offset. */
    public static final String OFFSET = "__streams.errors.offset";
    /**
     * The settlement reason code of a refused record, e.g. {@code WRONG_PARTITION}, {@code NULL_VALUE},
     * {@code UNAUTHENTICATED_INTERNAL_RECORD} (an internal record whose authentication tag does not verify).
     */
    public static final String REASON = "settlement.dlq.reason";
    /** For WRONG_PARTITION: the partition the record's key belongs on. */
    public static final String EXPECTED_PARTITION = "settlement.dlq.expected-partition";
    /** For WRONG_PARTITION: the partition count the rule was applied with. */
    public static final String PARTITIONS = "settlement.dlq.partitions";

    private DeadLetterHeaders() {}
}
