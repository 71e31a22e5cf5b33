package io.settlement.serde.confluent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.CommandKind;
import io.settlement.avro.Deposit;
import io.settlement.avro.OrderReleased;
import io.settlement.avro.Reason;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.SettlementResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/** Sample records and schema surgery for the tests. */
final class Records {
    static final Instant CREATED_AT = Instant.ofEpochMilli(1_760_000_000_123L);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Records() {}

    static BalanceOperation deposit(String commandId, long userId, String asset, long amount) {
        return deposit(commandId, userId, asset, amount, CREATED_AT);
    }

    static BalanceOperation deposit(String commandId, long userId, String asset, long amount, Instant createdAt) {
        return BalanceOperation.newBuilder().setCommandId(commandId).setUserId(userId).setCreatedAt(createdAt)
                .setOperation(new Deposit(asset, amount)).build();
    }

    static BalanceOperation orderReleased(String commandId, long userId, String orderId, long filledTotal) {
        return BalanceOperation.newBuilder().setCommandId(commandId).setUserId(userId).setCreatedAt(CREATED_AT)
                .setOperation(new OrderReleased(orderId, filledTotal)).build();
    }

    static SettlementResult rejected(String commandId, long userId) {
        return SettlementResult.newBuilder().setCommandId(commandId).setKind(CommandKind.INTERNAL_TRANSFER).setUserId(userId)
                .setStatus(ResultStatus.REJECTED).setReason(Reason.INSUFFICIENT_AVAILABLE).setDetail("available 5 < 7")
                .setCommandTime(CREATED_AT).setProcessedAt(CREATED_AT.plusMillis(3)).build();
    }

    /** {@code schema}'s registered text after {@code surgery} on its JSON tree. */
    static Schema edited(Schema schema, Consumer<ObjectNode> surgery) {
        try {
            ObjectNode tree = (ObjectNode) JSON.readTree(SchemaText.of(schema));
            surgery.accept(tree);
            return new Schema.Parser().parse(JSON.writeValueAsString(tree));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The record schema named {@code name} anywhere in {@code tree} (e.g. a branch of a union). */
    static ObjectNode recordNamed(ObjectNode tree, String name) {
        if (name.equals(tree.path("name").asText()) && "record".equals(tree.path("type").asText())) {
            return tree;
        }
        for (var child : tree) {
            for (var node : child.isArray() ? child : JSON.createArrayNode().add(child)) {
                if (node instanceof ObjectNode object) {
                    ObjectNode found = recordNamed(object, name);
                    if (found != null) {
                        return found;
                    }
                }
            }
        }
        return null;
    }

    static void removeField(ObjectNode record, String field) {
        ArrayNode fields = (ArrayNode) record.get("fields");
        for (int i = 0; i < fields.size(); i++) {
            if (field.equals(fields.get(i).path("name").asText())) {
                fields.remove(i);
                return;
            }
        }
        throw new IllegalArgumentException("no field " + field);
    }

    /** A record written by the Confluent format's rules, by hand: magic byte 0, big-endian id, Avro binary. */
    static byte[] confluentBytes(int schemaId, Schema schema, GenericRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0);
            out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
