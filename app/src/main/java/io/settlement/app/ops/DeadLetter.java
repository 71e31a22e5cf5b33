package io.settlement.app.ops;

import io.settlement.contract.Topics;
import io.settlement.topology.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * One record of {@code settlement.dlq} as an operator sees it: where it is ({@link #id()},
 * {@code partition:offset}), why it is there, where it came from, and the command it carries when
 * its value decodes with its source topic's serde.
 */
public record DeadLetter(ConsumerRecord<byte[], byte[]> record) {
    /** {@code partition:offset} in {@code settlement.dlq}: how the tools name a dead letter. */
    public String id() {
        return id(record.partition(), record.offset());
    }

    public static String id(int partition, long offset) {
        return partition + ":" + offset;
    }

    public Instant timestamp() {
        return Instant.ofEpochMilli(record.timestamp());
    }

    /** The settlement reason of a refused record, else the exception Kafka Streams recorded (simple name). */
    public String reason() {
        String reason = header(DeadLetterHeaders.REASON);
        if (reason != null) {
            return reason;
        }
        String exception = header(DeadLetterHeaders.EXCEPTION);
        return exception == null ? "UNKNOWN" : exception.substring(exception.lastIndexOf('.') + 1);
    }

    public String message() {
        String message = header(DeadLetterHeaders.MESSAGE);
        return message == null ? "" : message;
    }

    /** The topic the record was read from, when the headers say. */
    public Optional<String> sourceTopic() {
        return Optional.ofNullable(header(DeadLetterHeaders.TOPIC));
    }

    /** {@code topic/partition/offset} of the original record, as far as the headers say. */
    public String source() {
        return sourceTopic().orElse("?") + "/" + Optional.ofNullable(header(DeadLetterHeaders.PARTITION)).orElse("?")
                + "/" + Optional.ofNullable(header(DeadLetterHeaders.OFFSET)).orElse("?");
    }

    /** Whether it can go back to its source topic: it has a value and a source topic of the contract's inputs. */
    public Optional<String> whyNotReplayable(Topics topics) {
        if (record.value() == null) {
            return Optional.of("it has no value (a tombstone is no command)");
        }
        if (sourceTopic().isEmpty()) {
            return Optional.of("its headers name no source topic");
        }
        if (!List.of(topics.balanceOperations().name(), topics.transferRequests().name(), topics.trades().name())
                .contains(sourceTopic().get())) {
            return Optional.of("its source topic " + sourceTopic().get() + " is not one producers write (only the settlement core writes it)");
        }
        return Optional.empty();
    }

    /** The command it carries, decoded with its source topic's serde; or why it does not decode. */
    public Decoded decode(Topics topics) {
        if (record.value() == null) {
            return new Decoded(null, "no value");
        }
        Optional<Deserializer<? extends SpecificRecord>> decoder = sourceTopic().flatMap(topic -> decoder(topics, topic));
        if (decoder.isEmpty()) {
            return new Decoded(null, "no decoder for source topic " + sourceTopic().orElse("(none)"));
        }
        try {
            return new Decoded(decoder.get().deserialize(sourceTopic().get(), record.headers(), record.value()), null);
        } catch (RuntimeException e) {
            return new Decoded(null, e.toString());
        }
    }

    /** A decoded command, or the reason it does not decode. */
    public record Decoded(SpecificRecord command, String problem) {
        public boolean decodes() {
            return command != null;
        }
    }

    public String header(String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    static Optional<Deserializer<? extends SpecificRecord>> decoder(Topics topics, String topic) {
        if (topic.equals(topics.balanceOperations().name())) {
            return Optional.of(topics.balanceOperations().valueSerde().deserializer());
        }
        if (topic.equals(topics.transferRequests().name())) {
            return Optional.of(topics.transferRequests().valueSerde().deserializer());
        }
        if (topic.equals(topics.trades().name())) {
            return Optional.of(topics.trades().valueSerde().deserializer());
        }
        if (topic.equals(topics.tradeLegs().name())) {
            return Optional.of(topics.tradeLegs().valueSerde().deserializer());
        }
        return Optional.empty();
    }
}
