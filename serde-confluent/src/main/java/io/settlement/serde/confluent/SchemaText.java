package io.settlement.serde.confluent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * The one text form in which this project registers and looks up a schema: {@link Schema#toString()}
 * (compact JSON, docs, defaults and logical types kept) of the schema without its Java-only
 * properties ({@code avro.java.string}, {@code java-class}, ...).
 *
 * <p>Registries compare schema text, and some (Apicurio) compare it verbatim: the generated
 * classes' schemas carry {@code "avro.java.string":"String"} on every string, which a producer
 * in another language never writes, and which would make an otherwise equal schema a new
 * version. Parsing Canonical Form is not used because it drops defaults, docs and logical
 * types, which consumers that fetch the schema by id need.
 */
public final class SchemaText {
    /** Properties that only steer Java code generation; they are no part of the contract. */
    static final Set<String> JAVA_ONLY_PROPERTIES = Set.of("avro.java.string", "java-class", "java-key-class", "java-element-class");

    private static final ObjectMapper JSON = new ObjectMapper();

    private SchemaText() {}

    /** The registered text of {@code schema}. */
    public static String of(Schema schema) {
        try {
            JsonNode tree = JSON.readTree(schema.toString());
            stripJavaOnlyProperties(tree);
            return new Schema.Parser().parse(JSON.writeValueAsString(tree)).toString();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Avro produced schema text Jackson cannot read: " + schema.getFullName(), e);
        }
    }

    private static void stripJavaOnlyProperties(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.remove(JAVA_ONLY_PROPERTIES);
        }
        for (JsonNode child : node) {
            stripJavaOnlyProperties(child);
        }
    }
}
