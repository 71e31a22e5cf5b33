package io.settlement.serde.confluent;

import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;

/**
 * The subject a record's schema is registered under, as in Confluent's serializers. The
 * topic-name strategy (the default, and the only one a topic-per-type contract like ours needs)
 * gives {@code <topic>-value} and {@code <topic>-key}.
 */
public enum SubjectNameStrategy {
    /** {@code <topic>-value} / {@code <topic>-key}. */
    TOPIC_NAME {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return topic + (isKey ? "-key" : "-value");
        }
    },
    /** The record's full name, whatever the topic. */
    RECORD_NAME {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return schema.getFullName();
        }
    },
    /** {@code <topic>-<record full name>}. */
    TOPIC_RECORD_NAME {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return topic + "-" + schema.getFullName();
        }
    };

    public abstract String subject(String topic, boolean isKey, Schema schema);

    /**
     * Reads {@code TopicNameStrategy}, {@code RecordNameStrategy}, {@code TopicRecordNameStrategy}
     * (Confluent's class names, with or without their package) or this enum's names.
     */
    public static SubjectNameStrategy parse(String value) {
        String simple = value.substring(value.lastIndexOf('.') + 1).trim();
        return switch (simple.toLowerCase(Locale.ROOT)) {
            case "topicnamestrategy", "topic_name" -> TOPIC_NAME;
            case "recordnamestrategy", "record_name" -> RECORD_NAME;
            case "topicrecordnamestrategy", "topic_record_name" -> TOPIC_RECORD_NAME;
            default -> throw new ConfigException(ConfluentSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, value,
                    "expected TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy");
        };
    }
}
