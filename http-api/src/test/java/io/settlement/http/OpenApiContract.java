package io.settlement.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The API's OpenAPI document ({@code openapi.yaml}) as the tests use it: which operations it
 * describes, and whether an answer the API gave matches the response it documents for that
 * operation and status. The schema check is deliberately small and covers what the document
 * uses: {@code $ref}, {@code type}, {@code nullable}, {@code required}, {@code properties},
 * {@code additionalProperties} (a schema), {@code items}, {@code enum}, {@code allOf},
 * {@code oneOf}, {@code pattern}, {@code minLength}/{@code maxLength} and
 * {@code minimum}/{@code maximum}. Anything else in a schema fails the check, so the document
 * cannot silently use what is not checked.
 */
final class OpenApiContract {
    private static final java.util.Set<String> KEYWORDS = java.util.Set.of("$ref", "type", "nullable", "required", "properties",
            "additionalProperties", "items", "enum", "allOf", "oneOf", "pattern", "minLength", "maxLength", "minimum", "maximum",
            "format", "description", "example");

    static final OpenApiContract DOCUMENT = load();

    private final JsonNode root;

    private OpenApiContract(JsonNode root) {
        this.root = root;
    }

    private static OpenApiContract load() {
        try {
            return new OpenApiContract(new ObjectMapper(new YAMLFactory()).readTree(OpenApiDocument.yaml()));
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode root() {
        return root;
    }

    /** Every operation the document describes, as {@code "GET /api/v1/trades/{trade_id}"}. */
    List<String> operations() {
        List<String> operations = new ArrayList<>();
        root.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method ->
                operations.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey())));
        return operations;
    }

    /** The documented operation a request went to, if any: its path template matched against the concrete path. */
    Optional<String> operationOf(String method, String path) {
        return operations().stream()
                .filter(operation -> operation.startsWith(method.toUpperCase(Locale.ROOT) + " "))
                .filter(operation -> template(operation.substring(operation.indexOf(' ') + 1)).matcher(path).matches())
                // A literal segment wins over a parameter (/api/v1/commands/{key} vs /{kind}/{id} differ in length anyway).
                .findFirst();
    }

    /**
     * The problems of one answer against the document; empty when it matches. An answer to a
     * request no documented operation takes (a 404 for no route, a 405) is not checked.
     */
    List<String> problems(String method, String path, int status, String contentType, JsonNode body) {
        Optional<String> operation = operationOf(method, path);
        if (operation.isEmpty()) {
            return List.of();
        }
        String template = operation.get().substring(operation.get().indexOf(' ') + 1);
        JsonNode responses = root.get("paths").get(template).get(method.toLowerCase(Locale.ROOT)).get("responses");
        JsonNode response = responses.get(Integer.toString(status));
        if (response == null && (status == 413 || status == 431)) {
            // Refused by the server before any route sees the request: the document says so once, for every route.
            response = root.get("components").get("responses").get("RefusedBeforeRouting");
        }
        if (response == null) {
            return List.of(operation.get() + " answered " + status + ", which the document does not list (it lists "
                    + iterable(responses.fieldNames()) + ")");
        }
        response = resolve(response);
        JsonNode content = response.get("content");
        if (content == null) {
            return List.of();
        }
        String mediaType = contentType == null ? "" : contentType.split(";")[0].trim();
        JsonNode media = content.get(mediaType);
        if (media == null) {
            return List.of(operation.get() + " " + status + " answered " + mediaType + ", the document has " + iterable(content.fieldNames()));
        }
        if (body == null || !mediaType.equals("application/json")) {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        check(media.get("schema"), body, "$", problems);
        return problems.stream().map(problem -> operation.get() + " " + status + ": " + problem).toList();
    }

    /** The problems of {@code value} against {@code schema}, each with its JSON path. */
    void check(JsonNode declared, JsonNode value, String at, List<String> problems) {
        JsonNode schema = resolve(declared);
        schema.fieldNames().forEachRemaining(keyword -> {
            if (!KEYWORDS.contains(keyword)) {
                problems.add(at + ": the schema uses '" + keyword + "', which this check does not implement");
            }
        });
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean(false)) {
                problems.add(at + ": null, but the schema is not nullable");
            }
            return;
        }
        if (schema.has("allOf")) {
            for (JsonNode part : schema.get("allOf")) {
                check(part, value, at, problems);
            }
        }
        if (schema.has("oneOf")) {
            int matching = 0;
            for (JsonNode option : schema.get("oneOf")) {
                List<String> optionProblems = new ArrayList<>();
                check(option, value, at, optionProblems);
                matching += optionProblems.isEmpty() ? 1 : 0;
            }
            if (matching != 1) {
                problems.add(at + ": matches " + matching + " of the oneOf schemas, not exactly one");
            }
        }
        if (schema.has("type") && !hasType(value, schema.get("type").asText())) {
            problems.add(at + ": " + value.getNodeType().name().toLowerCase(Locale.ROOT) + " " + abbreviate(value)
                    + ", the schema says " + schema.get("type").asText());
            return;
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode allowed : schema.get("enum")) {
                listed |= allowed.equals(value) || (allowed.isTextual() && value.isTextual() && allowed.asText().equals(value.asText()))
                        || (allowed.isNumber() && value.isNumber() && allowed.asLong() == value.asLong());
            }
            if (!listed) {
                problems.add(at + ": " + abbreviate(value) + " is not one of " + schema.get("enum"));
            }
        }
        if (value.isTextual()) {
            String text = value.asText();
            if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(text).find()) {
                problems.add(at + ": \"" + text + "\" does not match " + schema.get("pattern").asText());
            }
            if (schema.has("minLength") && text.length() < schema.get("minLength").asInt()) {
                problems.add(at + ": shorter than " + schema.get("minLength").asInt());
            }
            if (schema.has("maxLength") && text.length() > schema.get("maxLength").asInt()) {
                problems.add(at + ": longer than " + schema.get("maxLength").asInt());
            }
        }
        if (value.isNumber()) {
            if (schema.has("minimum") && value.asDouble() < schema.get("minimum").asDouble()) {
                problems.add(at + ": " + value + " is below " + schema.get("minimum"));
            }
            if (schema.has("maximum") && value.asDouble() > schema.get("maximum").asDouble()) {
                problems.add(at + ": " + value + " is above " + schema.get("maximum"));
            }
        }
        if (value.isObject()) {
            for (JsonNode required : schema.path("required")) {
                if (!value.has(required.asText())) {
                    problems.add(at + ": required field '" + required.asText() + "' is missing");
                }
            }
            JsonNode properties = schema.path("properties");
            value.fields().forEachRemaining(field -> {
                if (properties.has(field.getKey())) {
                    check(properties.get(field.getKey()), field.getValue(), at + "." + field.getKey(), problems);
                } else if (schema.has("additionalProperties")) {
                    check(schema.get("additionalProperties"), field.getValue(), at + "." + field.getKey(), problems);
                } else if (schema.has("properties")) {
                    problems.add(at + ": field '" + field.getKey() + "' is not in the schema");
                }
            });
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(schema.get("items"), value.get(i), at + "[" + i + "]", problems);
            }
        }
    }

    private JsonNode resolve(JsonNode node) {
        while (node.has("$ref")) {
            String ref = node.get("$ref").asText();
            if (!ref.startsWith("#/")) {
                throw new IllegalArgumentException("only local references are supported: " + ref);
            }
            JsonNode target = root.at(ref.substring(1));
            if (target.isMissingNode()) {
                throw new IllegalArgumentException("unresolved reference " + ref);
            }
            node = target;
        }
        return node;
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> false;
        };
    }

    private static Pattern template(String pathTemplate) {
        return Pattern.compile(Pattern.quote(pathTemplate).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q"));
    }

    private static String abbreviate(JsonNode value) {
        String text = value.toString();
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }

    private static List<String> iterable(Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }
}
