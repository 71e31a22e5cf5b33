package io.settlement.serde.confluent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settlement.retry.RetryPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deliberately narrow client of the Confluent Schema Registry REST API (also spoken by
 * Apicurio, Karapace and Redpanda): register a schema under a subject, look one up, fetch one by
 * id, and set a subject's compatibility. It exists only because Confluent's own client is not on
 * Maven Central.
 *
 * <p>Every call has a connect and a request timeout; transient failures (connection refused,
 * timeouts, HTTP 5xx and 429) are retried with exponential backoff up to
 * {@link RegistrySettings#attemptsMax()} attempts, rotating through the configured URLs, then
 * raise {@link SchemaRegistryUnavailableException}. A refusal by the registry (4xx) is not
 * retried and raises {@link SchemaRegistryException} with the registry's {@code error_code}.
 * Answers that never change (the id of a subject's schema, the schema of an id) are cached.
 */
public final class SchemaRegistryClient {
    private static final Logger log = LoggerFactory.getLogger(SchemaRegistryClient.class);
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    /** Entries per cache; a registry holds far fewer schemas than this for our topics. */
    static final int CACHE_ENTRIES_MAX = 10_000;
    /** How much of an unexpected answer body goes into an exception message. */
    private static final int BODY_IN_MESSAGE_CHARS_MAX = 500;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistrySettings settings;
    private final HttpClient http;
    private final Optional<String> authorization;
    private final Map<SubjectSchema, Integer> idBySubjectSchema = boundedCache();
    private final Map<Integer, String> schemaById = boundedCache();

    public SchemaRegistryClient(RegistrySettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(settings.connectTimeout()).build();
        this.authorization = settings.basicAuthUserInfo()
                .map(userInfo -> "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
    }

    public RegistrySettings settings() {
        return settings;
    }

    /** Registers {@code schemaText} under {@code subject} (idempotent: an equal text answers the existing id). */
    public int register(String subject, String schemaText) {
        SubjectSchema key = new SubjectSchema(subject, schemaText);
        Integer cached = idBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = call("POST", "/subjects/" + segment(subject) + "/versions", schemaBody(schemaText),
                "register the schema under subject '" + subject + "'");
        int id = requiredInt(answer, "id");
        log.info("schema registry: subject {} has schema id {}", subject, id);
        idBySubjectSchema.put(key, id);
        schemaById.putIfAbsent(id, schemaText);
        return id;
    }

    /** The id of {@code schemaText} registered under {@code subject}; a 404 if it is not registered there. */
    public int lookup(String subject, String schemaText) {
        SubjectSchema key = new SubjectSchema(subject, schemaText);
        Integer cached = idBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        // normalize=true only widens the match (whitespace, property order); our own text form is already canonical.
        JsonNode answer = call("POST", "/subjects/" + segment(subject) + "?normalize=true", schemaBody(schemaText),
                "look up the schema under subject '" + subject + "'");
        int id = requiredInt(answer, "id");
        idBySubjectSchema.put(key, id);
        return id;
    }

    /** The schema text registered with {@code id}. */
    public String schemaById(int id) {
        String cached = schemaById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = call("GET", "/schemas/ids/" + id, null, "fetch schema id " + id);
        String type = answer.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new SchemaRegistryException("schema id " + id + " is a " + type + " schema, not Avro", 200, 0);
        }
        String text = answer.path("schema").asText(null);
        if (text == null) {
            throw new SchemaRegistryException("schema registry answered schema id " + id + " without a schema", 200, 0);
        }
        schemaById.put(id, text);
        return text;
    }

    /** Sets a subject's compatibility level (BACKWARD, FORWARD, FULL, NONE, and their _TRANSITIVE forms). */
    public void setCompatibility(String subject, String level) {
        call("PUT", "/config/" + segment(subject), "{\"compatibility\":\"" + level + "\"}",
                "set compatibility " + level + " on subject '" + subject + "'");
    }

    /** Checks that the registry answers at all (its global configuration), with the usual retries. */
    public void checkReachable() {
        call("GET", "/config", null, "read the global configuration");
    }

    private JsonNode call(String method, String path, String body, String purpose) {
        long startedAt = System.nanoTime();
        Exception lastFailure = null;
        String lastUrl = null;
        RetryPolicy retries = settings.retries();
        for (int attempt = 1; attempt <= retries.attemptsMax(); attempt++) {
            URI base = settings.urls().get((attempt - 1) % settings.urls().size());
            lastUrl = base + path;
            try {
                HttpResponse<String> response = http.send(request(method, URI.create(lastUrl), body), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return parse(response.body(), lastUrl);
                }
                if (status < 500 && status != 429) {
                    throw refusal(purpose, lastUrl, status, response.body());
                }
                lastFailure = new IOException("HTTP " + status + ": " + abbreviate(response.body()));
            } catch (IOException e) {
                lastFailure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryUnavailableException("interrupted while trying to " + purpose + " at " + lastUrl, e);
            }
            if (retries.retriesAfter(attempt)) {
                Duration pause = Duration.ofMillis(retries.pauseMsAfter(attempt));
                log.warn("schema registry: attempt {}/{} to {} at {} failed ({}); retrying in {} ms", attempt,
                        settings.attemptsMax(), purpose, lastUrl, describe(lastFailure), pause.toMillis());
                pause(pause, purpose, lastUrl);
            }
        }
        throw new SchemaRegistryUnavailableException("schema registry unavailable: could not " + purpose + " at " + lastUrl
                + " after " + settings.attemptsMax() + " attempts in " + (System.nanoTime() - startedAt) / 1_000_000
                + " ms; last failure: " + describe(lastFailure) + " (check schema.registry.url and that the registry is up)", lastFailure);
    }

    private HttpRequest request(String method, URI uri, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(settings.requestTimeout()).header("Accept", CONTENT_TYPE);
        authorization.ifPresent(value -> builder.header("Authorization", value));
        if (body == null) {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            builder.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        return builder.build();
    }

    private static SchemaRegistryException refusal(String purpose, String url, int status, String body) {
        int errorCode = status;
        String message = abbreviate(body);
        try {
            JsonNode error = JSON.readTree(body);
            errorCode = error.path("error_code").asInt(status);
            message = error.path("message").asText(message);
        } catch (JsonProcessingException | RuntimeException notJson) {
            // keep the raw body as the message
        }
        return new SchemaRegistryException("schema registry refused to " + purpose + ": HTTP " + status + ", error_code "
                + errorCode + " (" + meaning(errorCode) + "): " + message + " [" + url + "]", status, errorCode);
    }

    private static String meaning(int errorCode) {
        return switch (errorCode) {
            case SchemaRegistryException.INCOMPATIBLE_SCHEMA -> "incompatible with the subject's earlier versions";
            case SchemaRegistryException.SUBJECT_NOT_FOUND -> "subject not found";
            case 40402 -> "version not found";
            case SchemaRegistryException.SCHEMA_NOT_FOUND -> "schema not found";
            case SchemaRegistryException.INVALID_SCHEMA -> "invalid schema";
            case 401 -> "authentication failed";
            case 403 -> "not authorized";
            default -> "refused";
        };
    }

    private static JsonNode parse(String body, String url) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new SchemaRegistryException("schema registry at " + url + " answered something that is not JSON: " + abbreviate(body), 200, 0);
        }
    }

    private static int requiredInt(JsonNode answer, String field) {
        JsonNode value = answer.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new SchemaRegistryException("schema registry answer has no integer '" + field + "': " + abbreviate(answer.toString()), 200, 0);
        }
        return value.asInt();
    }

    private static String schemaBody(String schemaText) {
        return JSON.createObjectNode().put("schema", schemaText).toString();
    }

    private void pause(Duration pause, String purpose, String url) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException("interrupted while waiting to retry to " + purpose + " at " + url, e);
        }
    }

    private static String segment(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String describe(Exception failure) {
        if (failure == null) {
            return "none";
        }
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static String abbreviate(String text) {
        return text == null || text.length() <= BODY_IN_MESSAGE_CHARS_MAX ? String.valueOf(text) : text.substring(0, BODY_IN_MESSAGE_CHARS_MAX) + "...";
    }

    private static <K, V> Map<K, V> boundedCache() {
        return Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > CACHE_ENTRIES_MAX;
            }
        });
    }

    private record SubjectSchema(String subject, String schemaText) {}
}
