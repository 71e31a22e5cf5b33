package io.settlement.app;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Trade;
import io.settlement.avro.TransferRequest;
import io.settlement.contract.Topic;
import io.settlement.contract.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.utils.Bytes;

/**
 * Reads one command in its JSON form (docs/produce.md) and encodes it for its topic: a JSON
 * object with a {@code type} naming the command and the fields of its Avro record in
 * snake_case. The conversion follows the Avro schemas, so every field of the contract is
 * accepted and nothing else is: an unknown field, a missing field without a default, a
 * fractional amount or a number that does not fit a long is an error naming the field.
 *
 * <p>Only the form is checked here. Whether a command makes sense (a positive amount, a known
 * asset) is the topology's decision, answered as a result, so this tool can also feed the
 * commands that are meant to be rejected.
 */
public final class CommandJson {
    /** The JSON type of an internal transfer (a {@link TransferRequest} on {@code transfer.requests}). */
    public static final String INTERNAL_TRANSFER = "InternalTransfer";
    /** The JSON type of a trade (a {@link Trade} on {@code trades}). */
    public static final String TRADE = "Trade";
    /** The field naming the command. */
    public static final String TYPE_FIELD = "type";

    /** A field given twice is an error, not its last value: a command is read as written or not at all. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final SpecificData AVRO = SpecificData.get();

    private final Topics topics;
    private final Clock clock;
    private final Map<String, Schema> balanceOperations = new LinkedHashMap<>();

    public CommandJson(Topics topics, Clock clock) {
        this.topics = topics;
        this.clock = clock;
        Schema operation = BalanceOperation.getClassSchema().getField("operation").schema();
        for (Schema branch : operation.getTypes()) {
            balanceOperations.put(branch.getName(), branch);
        }
    }

    /** Every accepted value of {@code type}. */
    public List<String> types() {
        List<String> types = new java.util.ArrayList<>(balanceOperations.keySet());
        types.add(INTERNAL_TRANSFER);
        types.add(TRADE);
        return types;
    }

    /**
     * Parses one line.
     *
     * @throws InvalidCommandException saying what is wrong with the line
     */
    public EncodedCommand parse(String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new InvalidCommandException("not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InvalidCommandException("not a JSON object");
        }
        ObjectNode object = ((ObjectNode) node).deepCopy();
        JsonNode typeNode = object.remove(TYPE_FIELD);
        if (typeNode == null || !typeNode.isTextual()) {
            throw new InvalidCommandException("missing \"type\"; one of " + types());
        }
        String type = typeNode.asText();
        if (balanceOperations.containsKey(type)) {
            return balanceOperation(type, object);
        }
        if (type.equals(INTERNAL_TRANSFER)) {
            TransferRequest request = record(TransferRequest.getClassSchema(), object, "");
            return encode(type, topics.transferRequests(), request.getUserId(), request, true);
        }
        if (type.equals(TRADE)) {
            Trade trade = record(Trade.getClassSchema(), object, "");
            Bytes key = Bytes.wrap(trade.getTradeId().getBytes(StandardCharsets.UTF_8));
            return encode(type, topics.trades(), key, trade, false);
        }
        throw new InvalidCommandException("unknown type \"" + type + "\"; one of " + types());
    }

    private EncodedCommand balanceOperation(String type, ObjectNode object) {
        // The envelope's fields and the operation's fields share one flat JSON object.
        Schema envelope = BalanceOperation.getClassSchema();
        ObjectNode operationFields = JSON.createObjectNode();
        for (Schema.Field field : balanceOperations.get(type).getFields()) {
            JsonNode value = object.remove(field.name());
            if (value != null) {
                operationFields.set(field.name(), value);
            }
        }
        Object operation = record(balanceOperations.get(type), operationFields, "");
        if (object.has("operation")) {
            throw new InvalidCommandException("unknown field \"operation\": the fields of a " + type + " sit next to \"type\"");
        }
        object.putPOJO("operation", operation);
        BalanceOperation command = record(envelope, object, "");
        return encode(type, topics.balanceOperations(), command.getUserId(), command, true);
    }

    private <K, V> EncodedCommand encode(String type, Topic<K, V> topic, K key, V value, boolean userKeyed) {
        byte[] keyBytes = topic.keySerde().serializer().serialize(topic.name(), key);
        byte[] valueBytes = topic.valueSerde().serializer().serialize(topic.name(), value);
        return new EncodedCommand(type, topic.name(), keyBytes, valueBytes, userKeyed);
    }

    @SuppressWarnings("unchecked")
    private <T> T record(Schema schema, ObjectNode object, String path) {
        SpecificRecord record = (SpecificRecord) AVRO.newRecord(null, schema);
        Set<String> unknown = new LinkedHashSet<>();
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            unknown.add(names.next());
        }
        for (Schema.Field field : schema.getFields()) {
            unknown.remove(field.name());
            JsonNode value = object.get(field.name());
            String fieldPath = path + field.name();
            Object converted;
            if (value == null) {
                converted = missing(field, fieldPath);
            } else if (value.isPojo()) {
                converted = ((com.fasterxml.jackson.databind.node.POJONode) value).getPojo();
            } else {
                converted = value(field.schema(), value, fieldPath);
            }
            record.put(field.pos(), converted);
        }
        if (!unknown.isEmpty()) {
            throw new InvalidCommandException("unknown field" + (unknown.size() > 1 ? "s " : " ")
                    + unknown.stream().map(name -> "\"" + path + name + "\"").toList() + " for " + schema.getName());
        }
        return (T) record;
    }

    private Object missing(Schema.Field field, String path) {
        if (field.hasDefaultValue()) {
            return AVRO.getDefaultValue(field);
        }
        if (isTimestamp(field.schema())) {
            return clock.instant();
        }
        throw new InvalidCommandException("missing field \"" + path + "\"");
    }

    private Object value(Schema schema, JsonNode value, String path) {
        switch (schema.getType()) {
            case UNION:
                if (value.isNull() && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL)) {
                    return null;
                }
                for (Schema branch : schema.getTypes()) {
                    if (branch.getType() != Schema.Type.NULL) {
                        return value(branch, value, path);
                    }
                }
                throw new IllegalStateException("union without a non-null branch at " + path);
            case STRING:
                if (!value.isTextual()) {
                    throw new InvalidCommandException("\"" + path + "\" must be a string");
                }
                return value.asText();
            case LONG:
                if (isTimestamp(schema)) {
                    return timestamp(value, path);
                }
                return longValue(value, path);
            case INT:
                long wide = longValue(value, path);
                if (wide < Integer.MIN_VALUE || wide > Integer.MAX_VALUE) {
                    throw new InvalidCommandException("\"" + path + "\" does not fit an int");
                }
                return (int) wide;
            case ENUM:
                if (!value.isTextual()) {
                    throw new InvalidCommandException("\"" + path + "\" must be one of " + schema.getEnumSymbols());
                }
                String symbol = value.asText().toUpperCase(Locale.ROOT);
                if (!schema.getEnumSymbols().contains(symbol)) {
                    throw new InvalidCommandException("\"" + path + "\" must be one of " + schema.getEnumSymbols()
                            + ", was \"" + value.asText() + "\"");
                }
                return AVRO.createEnum(symbol, schema);
            case RECORD:
                if (!value.isObject()) {
                    throw new InvalidCommandException("\"" + path + "\" must be an object");
                }
                return record(schema, (ObjectNode) value, path + ".");
            default:
                throw new IllegalStateException("the contract uses Avro type " + schema.getType()
                        + " at " + path + ", which the JSON form does not know yet");
        }
    }

    /** Minor units: an integer JSON number, or a string of digits (for clients whose numbers are doubles). */
    private static long longValue(JsonNode value, String path) {
        if (value.isIntegralNumber()) {
            if (!value.canConvertToLong()) {
                throw new InvalidCommandException("\"" + path + "\" does not fit a long (64-bit signed integer)");
            }
            return value.longValue();
        }
        if (value.isTextual() && value.asText().matches("-?[0-9]+")) {
            try {
                return Long.parseLong(value.asText());
            } catch (NumberFormatException e) {
                throw new InvalidCommandException("\"" + path + "\" does not fit a long (64-bit signed integer)");
            }
        }
        throw new InvalidCommandException("\"" + path + "\" must be an integer (amounts are minor units), was " + value);
    }

    /** Epoch milliseconds, or an ISO-8601 instant such as {@code 2025-01-31T12:00:00Z}. */
    private static Instant timestamp(JsonNode value, String path) {
        if (value.isTextual()) {
            try {
                return Instant.parse(value.asText());
            } catch (DateTimeParseException e) {
                throw new InvalidCommandException("\"" + path + "\" must be epoch milliseconds or an ISO-8601 instant"
                        + " like 2025-01-31T12:00:00Z, was \"" + value.asText() + "\"");
            }
        }
        return Instant.ofEpochMilli(longValue(value, path));
    }

    private static boolean isTimestamp(Schema schema) {
        return schema.getLogicalType() instanceof LogicalTypes.TimestampMillis;
    }

    /**
     * A command ready to send: its topic, key and value bytes. {@code userKeyed} commands must go
     * to the partition the contract's partitioner gives for the key.
     */
    public record EncodedCommand(String type, String topic, byte[] key, byte[] value, boolean userKeyed) {}

    /** The line is not a valid command form; the message says why. */
    public static final class InvalidCommandException extends RuntimeException {
        public InvalidCommandException(String message) {
            super(message);
        }
    }
}
