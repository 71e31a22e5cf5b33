package io.settlement.topology;

import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.function.UnaryOperator;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.slf4j.MDC;

/**
 * The ids a log line about one record is searched by, read from the record's Avro value and put
 * into the logging context (MDC) while it is processed or served: {@value #COMMAND_ID},
 * {@value #KIND}, {@value #USER_ID} and {@value #TRADE_ID}. Works on every Avro value of the
 * contract by field name (a transfer's {@code request_id} is its command id, a balance
 * operation's kind is the name of its {@code operation} as results name kinds: {@code DEPOSIT},
 * {@code INTERNAL_TRANSFER}, {@code TRADE}), and on a Java record that wraps one
 * Avro value (the trade coordinator's inputs). The HTTP layer puts the same keys from a
 * request's path, so one search finds a command's lines from its request to its result.
 */
public final class RecordIds {
    public static final String COMMAND_ID = "command_id";
    public static final String KIND = "kind";
    public static final String USER_ID = "user_id";
    public static final String TRADE_ID = "trade_id";

    /** The Avro value inside a one-component Java record, or the value itself; per class, found once. */
    private static final ClassValue<UnaryOperator<Object>> UNWRAP = new ClassValue<>() {
        @Override
        protected UnaryOperator<Object> computeValue(Class<?> type) {
            RecordComponent[] components = type.isRecord() ? type.getRecordComponents() : null;
            if (components == null || components.length != 1 || !GenericRecord.class.isAssignableFrom(components[0].getType())) {
                return UnaryOperator.identity();
            }
            Method accessor = components[0].getAccessor();
            accessor.setAccessible(true);
            return value -> {
                try {
                    return accessor.invoke(value);
                } catch (ReflectiveOperationException e) {
                    return value;
                }
            };
        }
    };

    private RecordIds() {}

    /**
     * Puts the ids of {@code value} into the MDC; returns whether it did (then {@link #clear()} them).
     * Does nothing while ids are already there: a processor called by another within one
     * {@code process()} logs under the ids of the record that started it.
     */
    public static boolean put(Object value) {
        if (value == null || MDC.get(KIND) != null) {
            return false;
        }
        Object unwrapped = UNWRAP.get(value.getClass()).apply(value);
        if (!(unwrapped instanceof GenericRecord record)) {
            return false;
        }
        Schema schema = record.getSchema();
        Object commandId = field(record, schema, "command_id");
        if (commandId == null) {
            commandId = field(record, schema, "request_id");
        }
        if (commandId == null && schema.getName().equals("Trade")) {
            commandId = field(record, schema, "trade_id");
        }
        Object tradeId = field(record, schema, "trade_id");
        if (tradeId == null && schema.getField("trade") != null && record.get("trade") instanceof GenericRecord trade) {
            tradeId = field(trade, trade.getSchema(), "trade_id");
        }
        putIfPresent(COMMAND_ID, commandId);
        putIfPresent(KIND, kind(record, schema));
        putIfPresent(USER_ID, field(record, schema, "user_id"));
        putIfPresent(TRADE_ID, tradeId);
        return true;
    }

    /** Puts one id (a request's path parameter, for example); nothing when {@code value} is null. */
    public static void put(String key, String value) {
        putIfPresent(key, value);
    }

    /** Removes what {@link #put} put. */
    public static void clear() {
        MDC.remove(COMMAND_ID);
        MDC.remove(KIND);
        MDC.remove(USER_ID);
        MDC.remove(TRADE_ID);
    }

    /**
     * The command kind as results name it ({@code DEPOSIT}, {@code INTERNAL_TRANSFER}, ...), so a
     * search by kind finds both the command's and its result's lines.
     */
    private static Object kind(GenericRecord record, Schema schema) {
        Object kind = field(record, schema, "kind");
        if (kind != null) {
            return kind;
        }
        if (schema.getField("operation") != null && record.get("operation") instanceof GenericRecord operation) {
            return upperSnake(operation.getSchema().getName());
        }
        switch (schema.getName()) {
            case "TransferRequest":
                return "INTERNAL_TRANSFER";
            case "LegResult":
                return "TRADE_LEG";
            default:
                return upperSnake(schema.getName());
        }
    }

    static String upperSnake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
    }

    private static Object field(GenericRecord record, Schema schema, String name) {
        return schema.getField(name) == null ? null : record.get(name);
    }

    private static void putIfPresent(String key, Object value) {
        if (value != null) {
            MDC.put(key, value.toString());
        }
    }
}
