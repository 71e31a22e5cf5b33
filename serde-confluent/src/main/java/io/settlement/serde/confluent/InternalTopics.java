package io.settlement.serde.confluent;

/**
 * The topics no client outside the application reads or writes: our explicit
 * {@code settlement.internal.*} topics and Kafka Streams' own changelog, repartition and
 * foreign-key-join subscription topics (named {@code <application.id>-<name>-changelog} and so
 * on). With the Confluent format on, records on these topics keep Avro's single-object
 * encoding: they need no subject, so the application runs with {@code auto.register.schemas=false}
 * without an operator pre-registering subjects whose names depend on the application id and on
 * the topology's internals; and a lost registry never blocks restoring a state store.
 * The single-object encoding still carries the writer schema's fingerprint, so the schema
 * history keeps these records readable across upgrades.
 */
public final class InternalTopics {
    /** The prefix of the application's own internal topics. */
    public static final String PREFIX = "settlement.internal.";

    private InternalTopics() {}

    public static boolean isInternal(String topic) {
        return topic.startsWith(PREFIX)
                || topic.endsWith("-changelog")
                || topic.endsWith("-repartition")
                || topic.endsWith("-subscription-registration-topic")
                || topic.endsWith("-subscription-response-topic");
    }
}
