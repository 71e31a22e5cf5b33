package io.settlement.app;

import io.settlement.contract.AvroSerdes;
import io.settlement.http.ApiSecurity;
import io.settlement.http.AuthSettings;
import io.settlement.serde.confluent.ConfluentSerdeConfig;
import io.settlement.serde.confluent.WireFormats;
import io.settlement.sink.scylla.ScyllaEndpoint;
import io.settlement.sink.scylla.ScyllaSinkSettings;
import io.settlement.topology.Assets;
import io.settlement.topology.SettlementConfig;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The application's configuration: built-in defaults, then {@code config/*.properties} files in
 * the order given, then environment variables, then command-line overrides; the last one wins.
 *
 * <p>Every key has an environment variable: {@code SETTLEMENT_} followed by the key in upper
 * case with dots and dashes as underscores ({@code bootstrap.servers} is
 * {@code SETTLEMENT_BOOTSTRAP_SERVERS}). Keys starting with {@code kafka.} are passed, without
 * the prefix, to every Kafka client the app creates (security settings, for example);
 * {@code SETTLEMENT_KAFKA_SASL_MECHANISM} sets {@code kafka.sasl.mechanism}. Keys starting with
 * {@code streams.} go to Kafka Streams only, and win over what the app sets. An unknown key in a
 * file is a configuration error, so a typo never silently falls back to a default.
 */
public final class AppSettings {
    public static final String ENV_PREFIX = "SETTLEMENT_";
    /** Keys with this prefix go to every Kafka client, prefix removed. */
    public static final String KAFKA_PREFIX = "kafka.";
    /** Keys with this prefix go to Kafka Streams only, prefix removed; they win over what the app sets. */
    public static final String STREAMS_PREFIX = "streams.";
    /**
     * Static group membership for the one dev instance: a dev process killed and started again
     * takes its old place in the consumer group at once instead of waiting out the session timeout.
     */
    public static final String GROUP_INSTANCE_ID = STREAMS_PREFIX + "main.consumer.group.instance.id";

    public static final String APPLICATION_ID = "application.id";
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String STATE_DIR = "state.dir";
    public static final String TOPIC_PARTITIONS = "topic.partitions";
    public static final String TOPIC_REPLICATION_FACTOR = "topic.replication.factor";
    public static final String NUM_STANDBY_REPLICAS = "num.standby.replicas";
    public static final String NUM_STREAM_THREADS = "num.stream.threads";
    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_ADVERTISED_HOST = "http.advertised.host";
    /** The identity provider's JWKS document; verifies RS/PS/ES-signed bearer tokens (docs/security.md). */
    public static final String AUTH_JWKS_URL = "auth.jwks-url";
    /** A PEM file with the RSA or EC public key that verifies bearer tokens (instead of a JWKS URL). */
    public static final String AUTH_PUBLIC_KEY_FILE = "auth.public-key-file";
    /** A file with the HS256 secret: {@code dev} only ({@code run} refuses it); dev generates it under its data dir. */
    public static final String AUTH_HMAC_SECRET_FILE = "auth.hmac-secret-file";
    public static final String AUTH_ISSUER = "auth.issuer";
    public static final String AUTH_AUDIENCE = "auth.audience";
    public static final String AUTH_CLOCK_SKEW_SECONDS = "auth.clock-skew-seconds";
    public static final String HTTP_POSTS_PER_SECOND = "http.rate-limit.posts-per-second";
    public static final String HTTP_POST_BURST = "http.rate-limit.post-burst";
    public static final String ASSETS = "assets";
    /** How long a command's full first result is kept for retries (ids are remembered for ever); a duration such as 7d. */
    public static final String COMMAND_RETENTION = "command.retention";
    /** How often the punctuators look for what has fallen due; a duration such as 5s. */
    public static final String PURGE_INTERVAL = "purge.interval";
    /** How long a released order keeps what its announced fills still need; a duration such as 1h. */
    public static final String ORDER_FILL_GRACE = "order.fill.grace";
    /** Avro wire format ({@code single-object}, {@code confluent}, {@code class:...}); see docs/confluent.md. */
    public static final String SERDE_FORMAT = ConfluentSerdeConfig.SERDE_FORMAT;
    public static final String SCHEMA_REGISTRY_URL = ConfluentSerdeConfig.SCHEMA_REGISTRY_URL;
    /** Keys with this prefix are the schema registry client's (docs/confluent.md); passed to the wire format as they are. */
    public static final String SCHEMA_REGISTRY_PREFIX = "schema.registry.";
    /** Empty: the ScyllaDB sink is off (docs/scylla.md lists every {@code scylla.*} key). */
    public static final String SCYLLA_CONTACT_POINTS = ScyllaEndpoint.CONTACT_POINTS;
    public static final String SCYLLA_LOCAL_DATACENTER = ScyllaEndpoint.LOCAL_DATACENTER;
    public static final String SCYLLA_KEYSPACE = ScyllaEndpoint.KEYSPACE;
    public static final String SCYLLA_APPLY_SCHEMA = ScyllaSinkSettings.APPLY_SCHEMA;
    /** Empty: the TigerBeetle sink is off (docs/tigerbeetle.md). */
    public static final String TIGERBEETLE_ADDRESSES = TigerBeetleSettings.ADDRESSES;
    public static final String TIGERBEETLE_CLUSTER_ID = TigerBeetleSettings.CLUSTER_ID;
    public static final String TIGERBEETLE_REQUEST_TIMEOUT_MS = TigerBeetleSettings.REQUEST_TIMEOUT_MS;

    /** The issuer of the tokens {@code dev} and {@code token} mint. */
    public static final String DEV_ISSUER = "settlement-dev";

    /** The defaults of {@code run}: a production-like cluster. */
    public static final Map<String, String> RUN_DEFAULTS = ordered(
            APPLICATION_ID, "settlement-streams",
            BOOTSTRAP_SERVERS, "",
            STATE_DIR, "./data/streams",
            TOPIC_PARTITIONS, "12",
            TOPIC_REPLICATION_FACTOR, "3",
            NUM_STANDBY_REPLICAS, "1",
            NUM_STREAM_THREADS, "1",
            COMMIT_INTERVAL_MS, "100",
            HTTP_HOST, "0.0.0.0",
            HTTP_PORT, "8080",
            HTTP_ADVERTISED_HOST, "",
            AUTH_JWKS_URL, "",
            AUTH_PUBLIC_KEY_FILE, "",
            AUTH_HMAC_SECRET_FILE, "",
            AUTH_ISSUER, "",
            AUTH_AUDIENCE, "settlement-api",
            AUTH_CLOCK_SKEW_SECONDS, String.valueOf(AuthSettings.CLOCK_SKEW_SECONDS_DEFAULT),
            HTTP_POSTS_PER_SECOND, String.valueOf(ApiSecurity.POSTS_PER_SECOND_DEFAULT),
            HTTP_POST_BURST, String.valueOf(ApiSecurity.POST_BURST_DEFAULT),
            ASSETS, Assets.DEFAULT_SPEC,
            COMMAND_RETENTION, SettlementConfig.COMMAND_RETENTION_DEFAULT.toDays() + "d",
            PURGE_INTERVAL, SettlementConfig.PURGE_INTERVAL_DEFAULT.toSeconds() + "s",
            ORDER_FILL_GRACE, SettlementConfig.ORDER_FILL_GRACE_DEFAULT.toHours() + "h",
            SERDE_FORMAT, WireFormats.SINGLE_OBJECT,
            SCHEMA_REGISTRY_URL, "",
            SCYLLA_CONTACT_POINTS, "",
            SCYLLA_LOCAL_DATACENTER, ScyllaEndpoint.DEFAULT_DATACENTER,
            SCYLLA_KEYSPACE, ScyllaEndpoint.DEFAULT_KEYSPACE,
            SCYLLA_APPLY_SCHEMA, String.valueOf(ScyllaSinkSettings.defaults().applySchema()),
            TIGERBEETLE_ADDRESSES, "",
            TIGERBEETLE_CLUSTER_ID, "0",
            TIGERBEETLE_REQUEST_TIMEOUT_MS, String.valueOf(TigerBeetleSettings.REQUEST_TIMEOUT_MS_DEFAULT));

    /**
     * Keys without a built-in value that may still be set (files, environment, {@code --set}):
     * the sinks' tuning and the schema registry client's settings. Absent means the module's default.
     */
    public static final Set<String> OPTIONAL_KEYS = Set.of(
            ScyllaEndpoint.REPLICATION, ScyllaEndpoint.REQUEST_TIMEOUT_MS, ScyllaEndpoint.METADATA_ENABLED,
            ScyllaSinkSettings.POLL_TIMEOUT_MS, ScyllaSinkSettings.IN_FLIGHT_REQUESTS_MAX,
            ScyllaSinkSettings.STATEMENTS_PER_BATCH_MAX, ScyllaSinkSettings.RETRY_ATTEMPTS_MAX,
            ScyllaSinkSettings.RETRY_BACKOFF_INITIAL_MS, ScyllaSinkSettings.RETRY_BACKOFF_MAX_MS,
            ConfluentSerdeConfig.BASIC_AUTH_USER_INFO, ConfluentSerdeConfig.BASIC_AUTH_USER_INFO_CONFLUENT,
            ConfluentSerdeConfig.AUTO_REGISTER_SCHEMAS, ConfluentSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY,
            ConfluentSerdeConfig.CONNECT_TIMEOUT_MS, ConfluentSerdeConfig.REQUEST_TIMEOUT_MS,
            ConfluentSerdeConfig.ATTEMPTS_MAX, ConfluentSerdeConfig.RETRY_BACKOFF_MS, ConfluentSerdeConfig.RETRY_BACKOFF_MAX_MS,
            TigerBeetleSettings.RECONCILE_INTERVAL_MS);

    /** The defaults of {@code dev}: one embedded broker, everything on this machine; equal to {@code config/dev.properties}. */
    public static final Map<String, String> DEV_DEFAULTS = withOverrides(RUN_DEFAULTS, ordered(
            TOPIC_PARTITIONS, "4",
            TOPIC_REPLICATION_FACTOR, "1",
            NUM_STANDBY_REPLICAS, "0",
            HTTP_HOST, "127.0.0.1",
            AUTH_ISSUER, DEV_ISSUER,
            GROUP_INSTANCE_ID, "settlement-dev"));

    private static final Set<String> KNOWN_KEYS = union(RUN_DEFAULTS.keySet(), OPTIONAL_KEYS);

    private final Map<String, String> values;

    private AppSettings(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /**
     * Layers defaults, files, environment and overrides.
     *
     * @throws IllegalArgumentException for an unreadable file or an unknown key
     */
    public static AppSettings load(Map<String, String> defaults, List<Path> files, Map<String, String> env,
            Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>(defaults);
        for (Path file : files) {
            values.putAll(checkedKeys(readFile(file), file.toString()));
        }
        values.putAll(fromEnvironment(env));
        values.putAll(checkedKeys(overrides, "command line"));
        return new AppSettings(values);
    }

    public static AppSettings of(Map<String, String> defaults, Map<String, String> overrides) {
        return load(defaults, List.of(), Map.of(), overrides);
    }

    /** The environment variable that overrides {@code key}. */
    public static String environmentVariable(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public AppSettings with(Map<String, String> overrides) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.putAll(checkedKeys(overrides, "override"));
        return new AppSettings(copy);
    }

    public String applicationId() {
        return required(APPLICATION_ID);
    }

    public String bootstrapServers() {
        return required(BOOTSTRAP_SERVERS);
    }

    public Path stateDir() {
        return Path.of(required(STATE_DIR));
    }

    public int topicPartitions() {
        return intValue(TOPIC_PARTITIONS, 1, 10_000);
    }

    public short topicReplicationFactor() {
        return (short) intValue(TOPIC_REPLICATION_FACTOR, 1, Short.MAX_VALUE);
    }

    public int standbyReplicas() {
        return intValue(NUM_STANDBY_REPLICAS, 0, 100);
    }

    public int streamThreads() {
        return intValue(NUM_STREAM_THREADS, 1, 1_000);
    }

    public long commitIntervalMs() {
        return intValue(COMMIT_INTERVAL_MS, 1, Integer.MAX_VALUE);
    }

    public String httpHost() {
        return required(HTTP_HOST);
    }

    public int httpPort() {
        return intValue(HTTP_PORT, 0, 65_535);
    }

    /**
     * The host other instances and clients reach this one on (half of {@code application.server}):
     * the configured one, else the bind host, else this machine's name when bound to all interfaces.
     */
    public String advertisedHost() {
        String configured = values.getOrDefault(HTTP_ADVERTISED_HOST, "").trim();
        if (!configured.isEmpty()) {
            return configured;
        }
        String bind = httpHost();
        if (!bind.equals("0.0.0.0") && !bind.equals("::")) {
            return bind;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("http.host is " + bind + " and this machine's name cannot be resolved: set "
                    + HTTP_ADVERTISED_HOST + " (" + environmentVariable(HTTP_ADVERTISED_HOST) + ")", e);
        }
    }

    public Assets assets() {
        try {
            return Assets.parse(required(ASSETS));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("config key '" + ASSETS + "': " + e.getMessage(), e);
        }
    }

    public Duration commandRetention() {
        return durationValue(COMMAND_RETENTION, Duration.ofSeconds(1));
    }

    public Duration purgeInterval() {
        return durationValue(PURGE_INTERVAL, Duration.ofMillis(100));
    }

    public Duration orderFillGrace() {
        return durationValue(ORDER_FILL_GRACE, Duration.ZERO);
    }

    /** The settings every Kafka client gets ({@code kafka.*} keys, prefix removed, plus the bootstrap servers). */
    public Properties kafkaClientProperties() {
        Properties props = new Properties();
        values.forEach((key, value) -> {
            if (key.startsWith(KAFKA_PREFIX)) {
                props.put(key.substring(KAFKA_PREFIX.length()), value);
            }
        });
        props.put(BOOTSTRAP_SERVERS, bootstrapServers());
        return props;
    }

    /** The {@code streams.*} settings, prefix removed. */
    public Properties streamsOverrides() {
        Properties props = new Properties();
        values.forEach((key, value) -> {
            if (key.startsWith(STREAMS_PREFIX)) {
                props.put(key.substring(STREAMS_PREFIX.length()), value);
            }
        });
        return props;
    }

    /** Every setting as it is, for the modules that read their own keys ({@code scylla.*}, the wire format). */
    public Map<String, String> asMap() {
        return values;
    }

    /** The Avro wire format of every topic ({@code serde.format} and the registry settings, docs/confluent.md). */
    public AvroSerdes wireFormat() {
        return WireFormats.fromConfig(values);
    }

    /** The ScyllaDB sink's database, or empty when {@code scylla.contact-points} is empty (the sink is off). */
    public Optional<ScyllaEndpoint> scyllaEndpoint() {
        try {
            return ScyllaEndpoint.fromSettings(values);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("config keys 'scylla.*': " + e.getMessage(), e);
        }
    }

    /** The ScyllaDB sink's limits ({@code scylla.*}, docs/scylla.md). */
    public ScyllaSinkSettings scyllaSinkSettings() {
        try {
            return ScyllaSinkSettings.fromSettings(values);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("config keys 'scylla.*': " + e.getMessage(), e);
        }
    }

    /** The TigerBeetle cluster, or empty when {@code tigerbeetle.addresses} is empty (the sink is off). */
    public Optional<TigerBeetleSettings> tigerBeetle() {
        return TigerBeetleSettings.fromSettings(values);
    }

    /**
     * How bearer tokens are verified: exactly one of {@code auth.jwks-url}, {@code auth.public-key-file}
     * and {@code auth.hmac-secret-file}, with {@code auth.issuer}, {@code auth.audience} and the clock skew.
     */
    public AuthSettings authSettings() {
        String jwks = values.getOrDefault(AUTH_JWKS_URL, "").trim();
        String publicKey = values.getOrDefault(AUTH_PUBLIC_KEY_FILE, "").trim();
        String hmac = values.getOrDefault(AUTH_HMAC_SECRET_FILE, "").trim();
        int sources = (jwks.isEmpty() ? 0 : 1) + (publicKey.isEmpty() ? 0 : 1) + (hmac.isEmpty() ? 0 : 1);
        if (sources != 1) {
            throw new IllegalArgumentException("set exactly one of '" + AUTH_JWKS_URL + "' and '" + AUTH_PUBLIC_KEY_FILE
                    + "' (the HTTP API verifies bearer tokens with it; docs/security.md), " + sources + " set");
        }
        String issuer = required(AUTH_ISSUER);
        String audience = required(AUTH_AUDIENCE);
        Duration skew = Duration.ofSeconds(intValue(AUTH_CLOCK_SKEW_SECONDS, 0, 600));
        try {
            if (!jwks.isEmpty()) {
                return AuthSettings.jwks(java.net.URI.create(jwks).toURL(), issuer, audience, skew);
            }
            if (!publicKey.isEmpty()) {
                return AuthSettings.publicKey(AuthSettings.parsePem(Files.readString(Path.of(publicKey))), issuer, audience, skew);
            }
            return AuthSettings.hmac(DevKey.read(Path.of(hmac)), issuer, audience);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the token verification key cannot be read: " + e.getMessage(), e);
        }
    }

    /** Whether bearer tokens are verified with an HMAC secret (dev only). */
    public boolean authUsesHmac() {
        return !values.getOrDefault(AUTH_HMAC_SECRET_FILE, "").isBlank();
    }

    /** The API's security: the token verifier and the per-principal POST limit. */
    public ApiSecurity apiSecurity() {
        return ApiSecurity.of(authSettings())
                .withPostLimit(intValue(HTTP_POSTS_PER_SECOND, 1, 1_000_000), intValue(HTTP_POST_BURST, 1, 1_000_000));
    }

    /** Every setting, for printing at start. Values of keys that look secret are masked. */
    public Map<String, String> describe() {
        Map<String, String> shown = new TreeMap<>();
        values.forEach((key, value) -> shown.put(key,
                key.matches("(?i).*(password|secret|jaas|token|key\\b|user\\.info).*") ? "******" : value));
        return shown;
    }

    private String required(String key) {
        String value = values.getOrDefault(key, "").trim();
        if (value.isEmpty()) {
            throw new IllegalArgumentException("config key '" + key + "' is not set (in a config file, or as "
                    + environmentVariable(key) + ")");
        }
        return value;
    }

    /** A duration as a whole number and a unit: {@code 500ms}, {@code 5s}, {@code 10m}, {@code 1h}, {@code 7d}. */
    private Duration durationValue(String key, Duration min) {
        String text = required(key);
        Duration value;
        try {
            value = parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("config key '" + key + "': " + e.getMessage(), e);
        }
        if (value.compareTo(min) < 0) {
            throw new IllegalArgumentException("config key '" + key + "': " + text + " is shorter than " + min);
        }
        return value;
    }

    static Duration parseDuration(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,12})(ms|s|m|h|d)").matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration such as 500ms, 5s, 10m, 1h or 7d");
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }

    private int intValue(String key, int min, int max) {
        String text = required(key);
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("config key '" + key + "': '" + text + "' is not an integer", e);
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException("config key '" + key + "': " + value + " is not in " + min + ".." + max);
        }
        return value;
    }

    private static Map<String, String> readFile(Path file) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> values = new LinkedHashMap<>();
        props.stringPropertyNames().forEach(name -> values.put(name, props.getProperty(name).trim()));
        return values;
    }

    private static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : KNOWN_KEYS) {
            String value = env.get(environmentVariable(key));
            if (value != null) {
                values.put(key, value.trim());
            }
        }
        for (String prefix : List.of(KAFKA_PREFIX, STREAMS_PREFIX)) {
            String envPrefix = environmentVariable(prefix);
            env.forEach((name, value) -> {
                if (name.startsWith(envPrefix) && name.length() > envPrefix.length()) {
                    values.put(prefix + name.substring(envPrefix.length()).toLowerCase(Locale.ROOT).replace('_', '.'),
                            value.trim());
                }
            });
        }
        return values;
    }

    private static Map<String, String> checkedKeys(Map<String, String> values, String source) {
        for (String key : values.keySet()) {
            if (!KNOWN_KEYS.contains(key) && !isPrefixed(key, KAFKA_PREFIX) && !isPrefixed(key, STREAMS_PREFIX)
                    && !isPrefixed(key, SCHEMA_REGISTRY_PREFIX)) {
                throw new IllegalArgumentException("unknown config key '" + key + "' in " + source + "; known keys: "
                        + String.join(", ", new TreeSet<>(KNOWN_KEYS)) + ", kafka.* for every Kafka client, streams.* for "
                        + "Kafka Streams and schema.registry.* for the schema registry client");
            }
        }
        return values;
    }

    private static boolean isPrefixed(String key, String prefix) {
        return key.startsWith(prefix) && key.length() > prefix.length();
    }

    private static Map<String, String> ordered(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return Collections.unmodifiableSet(all);
    }

    private static Map<String, String> withOverrides(Map<String, String> base, Map<String, String> overrides) {
        Map<String, String> map = new LinkedHashMap<>(base);
        map.putAll(overrides);
        return Collections.unmodifiableMap(map);
    }
}
