package io.settlement.serde.confluent;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The configuration of the Confluent wire format, read from the same flat properties as the
 * rest of the application. The keys follow Confluent's serializers where one exists, so a
 * deployment's existing settings carry over.
 *
 * @param registry            where and how to reach the schema registry
 * @param autoRegister        register our schemas on first use ({@code true}), or only look them up
 *                            and fail when an operator has not registered them
 * @param subjectNameStrategy the subject of a topic's values
 */
public record ConfluentSerdeConfig(RegistrySettings registry, boolean autoRegister, SubjectNameStrategy subjectNameStrategy) {
    /** {@code single-object} (default), {@code confluent}, or {@code class:<fully qualified Serde class>}. */
    public static final String SERDE_FORMAT = "serde.format";
    /** One URL, or several separated by commas (tried in turn on transient failures). */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    /** {@code user:password} for HTTP basic authentication. */
    public static final String BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";
    /** Confluent's unprefixed spelling of {@link #BASIC_AUTH_USER_INFO}, accepted as well. */
    public static final String BASIC_AUTH_USER_INFO_CONFLUENT = "basic.auth.user.info";
    /** {@code true} (default, as in Confluent's serializers) or {@code false}. */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /** {@code TopicNameStrategy} (default), {@code RecordNameStrategy} or {@code TopicRecordNameStrategy}. */
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";
    public static final String CONNECT_TIMEOUT_MS = "schema.registry.connect.timeout.ms";
    public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";
    /** Attempts per registry call, the first one included. */
    public static final String ATTEMPTS_MAX = "schema.registry.attempts.max";
    public static final String RETRY_BACKOFF_MS = "schema.registry.retry.backoff.ms";
    public static final String RETRY_BACKOFF_MAX_MS = "schema.registry.retry.backoff.max.ms";

    /**
     * The wire format's settings as the application declares them (docs/configuration.md is
     * generated from it). {@link #from} reads the same keys from any map, a Kafka serde's
     * {@code configure} map included, with Confluent's unprefixed {@value #BASIC_AUTH_USER_INFO_CONFLUENT} too.
     */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(SERDE_FORMAT, Type.STRING, WireFormats.SINGLE_OBJECT, Importance.HIGH,
                    "The Avro wire format of every topic: single-object (no registry), confluent (the Confluent wire format "
                            + "over schema.registry.url) or class:<fully qualified Serde class>.")
            .define(SCHEMA_REGISTRY_URL, Type.STRING, "", Importance.HIGH,
                    "The schema registry, one URL or several separated by commas (tried in turn); required with serde.format=confluent.")
            .define(BASIC_AUTH_USER_INFO, Type.PASSWORD, null, Importance.MEDIUM,
                    "user:password for the registry's HTTP basic authentication; ${env:NAME} keeps it out of files.")
            .define(AUTO_REGISTER_SCHEMAS, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Register our schemas on first use (true), or only look them up and fail when an operator has not registered them.")
            .define(VALUE_SUBJECT_NAME_STRATEGY, Type.STRING, "TopicNameStrategy", Importance.LOW,
                    "The subject of a topic's values: TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy.")
            .define(CONNECT_TIMEOUT_MS, Type.LONG, RegistrySettings.CONNECT_TIMEOUT_MS_DEFAULT, Range.atLeast(1), Importance.LOW,
                    "How long a connection to the registry may take.")
            .define(REQUEST_TIMEOUT_MS, Type.LONG, RegistrySettings.REQUEST_TIMEOUT_MS_DEFAULT, Range.atLeast(1), Importance.LOW,
                    "How long one registry request may take.")
            .define(ATTEMPTS_MAX, Type.LONG, (long) RegistrySettings.ATTEMPTS_MAX_DEFAULT, Range.atLeast(1), Importance.LOW,
                    "Attempts per registry call, the first one included.")
            .define(RETRY_BACKOFF_MS, Type.LONG, RegistrySettings.BACKOFF_INITIAL_MS_DEFAULT, Range.atLeast(1), Importance.LOW,
                    "Wait before the second attempt; doubles per attempt.")
            .define(RETRY_BACKOFF_MAX_MS, Type.LONG, RegistrySettings.BACKOFF_MAX_MS_DEFAULT, Range.atLeast(1), Importance.LOW,
                    "The longest wait between two attempts.");

    /**
     * The settings in {@code properties} ({@link #CONFIG_DEF}'s keys; others are ignored; a blank
     * value counts as not set).
     *
     * @throws ConfigException for a missing registry URL or a value that is not valid
     */
    public static ConfluentSerdeConfig from(Map<String, ?> properties) {
        Map<String, Object> values = new HashMap<>();
        properties.forEach((key, value) -> {
            if (CONFIG_DEF.names().contains(key) && string(properties, key).isPresent()) {
                values.put(key, value);
            }
        });
        if (!values.containsKey(BASIC_AUTH_USER_INFO)) {
            string(properties, BASIC_AUTH_USER_INFO_CONFLUENT).ifPresent(userInfo -> values.put(BASIC_AUTH_USER_INFO, userInfo));
        }
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, values, false);
        String urls = config.getString(SCHEMA_REGISTRY_URL).trim();
        if (urls.isEmpty()) {
            throw new ConfigException(SCHEMA_REGISTRY_URL + " is required with " + SERDE_FORMAT + "=" + WireFormats.CONFLUENT);
        }
        List<URI> parsedUrls = Arrays.stream(urls.split(",")).map(String::trim).filter(url -> !url.isEmpty())
                .map(url -> url.endsWith("/") ? url.substring(0, url.length() - 1) : url)
                .map(url -> {
                    URI uri = URI.create(url);
                    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                        throw new ConfigException(SCHEMA_REGISTRY_URL, url, "expected an http:// or https:// URL");
                    }
                    return uri;
                }).toList();
        if (parsedUrls.isEmpty()) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, urls, "no URL given");
        }
        Password password = config.getPassword(BASIC_AUTH_USER_INFO);
        Optional<String> userInfo = password == null ? Optional.empty() : Optional.of(password.value().trim()).filter(text -> !text.isEmpty());
        if (userInfo.isPresent() && userInfo.get().indexOf(':') < 0) {
            throw new ConfigException(BASIC_AUTH_USER_INFO + " must be user:password");
        }
        RegistrySettings registry = new RegistrySettings(parsedUrls, userInfo,
                Duration.ofMillis(config.getLong(CONNECT_TIMEOUT_MS)),
                Duration.ofMillis(config.getLong(REQUEST_TIMEOUT_MS)),
                Math.toIntExact(config.getLong(ATTEMPTS_MAX)),
                Duration.ofMillis(config.getLong(RETRY_BACKOFF_MS)),
                Duration.ofMillis(config.getLong(RETRY_BACKOFF_MAX_MS)));
        return new ConfluentSerdeConfig(registry, config.getBoolean(AUTO_REGISTER_SCHEMAS),
                SubjectNameStrategy.parse(config.getString(VALUE_SUBJECT_NAME_STRATEGY)));
    }

    static Optional<String> string(Map<String, ?> properties, String key) {
        Object value = properties.get(key);
        if (value == null) {
            return Optional.empty();
        }
        String text = (value instanceof Password password ? password.value() : String.valueOf(value)).trim();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }
}
