package io.settlement.app;

import io.settlement.contract.AvroSerdes;
import io.settlement.contract.InternalRecordKeys;
import io.settlement.contract.Topics;
import io.settlement.http.HttpApiConfig;
import io.settlement.http.ApiSecurity;
import io.settlement.http.AuthSettings;
import io.settlement.serde.confluent.ConfluentSerdeConfig;
import io.settlement.serde.confluent.WireFormats;
import io.settlement.sink.scylla.ScyllaConfig;
import io.settlement.sink.scylla.ScyllaEndpoint;
import io.settlement.sink.tigerbeetle.TigerBeetleConfig;
import io.settlement.topology.Assets;
import io.settlement.topology.RocksDbSettings;
import io.settlement.topology.SettlementConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigTransformer;
import org.apache.kafka.common.config.provider.ConfigProvider;
import org.apache.kafka.common.config.provider.EnvVarConfigProvider;
import org.apache.kafka.common.config.provider.FileConfigProvider;

/**
 * The application's configuration: built-in defaults, then {@code config/*.properties} files in
 * the order given, then environment variables, then command-line overrides; the last one wins.
 *
 * <p>Every setting is declared once, with Kafka's {@link ConfigDef} (type, default, what is valid,
 * what it means), by the module that uses it: the app's own ({@link #APP_CONFIG}), the topology's
 * ({@link SettlementConfig#CONFIG_DEF}), the HTTP API's ({@link HttpApiConfig#CONFIG_DEF}), the wire
 * format's ({@link ConfluentSerdeConfig#CONFIG_DEF}) and each sink's ({@link ScyllaConfig#CONFIG_DEF},
 * {@link TigerBeetleConfig#CONFIG_DEF}); {@link #CONFIG_DEF} composes them, every value is checked
 * against it at load, and docs/configuration.md is generated from it ({@link ConfigurationDocs}).
 * Keys are lower case words separated by dots, as Kafka's own.
 *
 * <p>Every key has an environment variable: {@code SETTLEMENT_} followed by the key in upper
 * case with dots as underscores ({@code bootstrap.servers} is {@code SETTLEMENT_BOOTSTRAP_SERVERS}).
 * Keys starting with {@code kafka.} are passed, without the prefix, to every Kafka client the app
 * creates (security settings, for example); {@code SETTLEMENT_KAFKA_SASL_MECHANISM} sets
 * {@code kafka.sasl.mechanism}. Keys starting with {@code streams.} go to Kafka Streams only, and
 * win over what the app sets. An unknown key in a file is a configuration error, so a typo never
 * silently falls back to a default.
 *
 * <p>Any value may name a secret instead of holding it, through Kafka's config providers:
 * {@code ${env:NAME}} (an environment variable) and {@code ${file:/path/to/file.properties:key}}.
 */
public final class AppSettings {
    public static final String ENV_PREFIX = "SETTLEMENT_";
    /** Keys with this prefix go to every Kafka client, prefix removed. */
    public static final String KAFKA_PREFIX = "kafka.";
    /** Keys with this prefix go to Kafka Streams only, prefix removed; they win over what the app sets. */
    public static final String STREAMS_PREFIX = "streams.";
    /** Keys with this prefix are the schema registry client's (docs/confluent.md); passed to the wire format as they are. */
    public static final String SCHEMA_REGISTRY_PREFIX = "schema.registry.";
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
    public static final String ROCKSDB_MEMORY_BYTES = "rocksdb.memory.bytes";
    public static final String HANGING_TRANSACTIONS_THRESHOLD_MS = "hanging.transactions.threshold.ms";
    public static final String HANGING_TRANSACTIONS_CHECK_INTERVAL_MS = "hanging.transactions.check.interval.ms";
    public static final String SCYLLA_CONTACT_POINTS = ScyllaConfig.CONTACT_POINTS;
    public static final String TIGERBEETLE_ADDRESSES = TigerBeetleConfig.ADDRESSES;

    /** The issuer of the tokens {@code dev} and {@code token} mint. */
    public static final String DEV_ISSUER = "settlement-dev";

    /** The app's own settings: where Kafka is, the topics it creates, how Kafka Streams runs. */
    public static final ConfigDef APP_CONFIG = new ConfigDef()
            .define(APPLICATION_ID, Type.STRING, "settlement-streams", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "The Kafka Streams application id: instances with the same id share the work.")
            .define(BOOTSTRAP_SERVERS, Type.STRING, "", Importance.HIGH, "The Kafka brokers, host:port,...; required (dev: its embedded broker).")
            .define(STATE_DIR, Type.STRING, "./data/streams", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Kafka Streams' local state (RocksDB); keep it on a persistent disk (dev: <data-dir>/streams).")
            .define(TOPIC_PARTITIONS, Type.INT, 12, Range.between(1, 10_000), Importance.HIGH,
                    "Partitions of the topics dev and --create-topics create; fixed for the life of a deployment.")
            .define(TOPIC_REPLICATION_FACTOR, Type.INT, 3, Range.between(1, Short.MAX_VALUE), Importance.HIGH,
                    "Replicas of created topics and of Kafka Streams' internal topics.")
            .define(NUM_STANDBY_REPLICAS, Type.INT, 1, Range.between(0, 100), Importance.MEDIUM,
                    "Warm copies of each state store on other instances: fast failover, and lookups answered (marked stale) meanwhile.")
            .define(NUM_STREAM_THREADS, Type.INT, 1, Range.between(1, 1_000), Importance.MEDIUM, "Stream threads per instance.")
            .define(COMMIT_INTERVAL_MS, Type.INT, 50, Range.atLeast(1), Importance.MEDIUM,
                    "How often the exactly-once transaction commits: the floor of a result's latency.")
            .define(ROCKSDB_MEMORY_BYTES, Type.LONG, RocksDbSettings.MEMORY_BYTES_DEFAULT, Range.atLeast(16L * 1024 * 1024), Importance.MEDIUM,
                    "Off-heap memory all state stores of the process share (RocksDB's block cache, indexes, filters and "
                            + "memtables); budget the container for it beside the heap (docs/operations.md, \"Memory\").")
            .define(HANGING_TRANSACTIONS_THRESHOLD_MS, Type.LONG, 300_000L, Range.atLeast(1), Importance.MEDIUM,
                    "A partition of the app's topics whose last stable offset stands behind its end offset longer than this has a "
                            + "hanging transaction (metric and /health). At least the largest transaction.timeout.ms of any producer "
                            + "writing these topics (Kafka's producer default 60 s, Kafka Streams' 10 s).")
            .define(HANGING_TRANSACTIONS_CHECK_INTERVAL_MS, Type.LONG, 30_000L, Range.atLeast(0), Importance.LOW,
                    "How often the hanging transaction check reads the partitions' offsets; 0 turns it off.");

    /** Every setting of the application, each declared once by its module. */
    public static final ConfigDef CONFIG_DEF = compose(APP_CONFIG, InternalRecordKeys.CONFIG_DEF, HttpApiConfig.CONFIG_DEF, SettlementConfig.CONFIG_DEF,
            ConfluentSerdeConfig.CONFIG_DEF, ScyllaConfig.CONFIG_DEF, TigerBeetleConfig.CONFIG_DEF);

    /** The defaults of {@code run}: those of {@link #CONFIG_DEF} (a production-like cluster); no overrides. */
    public static final Map<String, String> RUN_DEFAULTS = Map.of();

    /** The defaults of {@code dev} where they differ from {@code run}'s: one embedded broker, everything on this machine. */
    public static final Map<String, String> DEV_DEFAULTS = ordered(
            TOPIC_PARTITIONS, "4",
            TOPIC_REPLICATION_FACTOR, "1",
            NUM_STANDBY_REPLICAS, "0",
            HttpApiConfig.HTTP_HOST, "127.0.0.1",
            HttpApiConfig.AUTH_ISSUER, DEV_ISSUER,
            GROUP_INSTANCE_ID, "settlement-dev");

    /** Keys outside {@link #CONFIG_DEF} that are still known: Confluent's unprefixed spelling of the registry's credentials. */
    private static final Set<String> ALIASES = Set.of(ConfluentSerdeConfig.BASIC_AUTH_USER_INFO_CONFLUENT);

    private final Map<String, String> values;
    private final AbstractConfig config;

    private AppSettings(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        try {
            this.config = new AbstractConfig(CONFIG_DEF, this.values, false);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Layers defaults, files, environment and overrides, then resolves {@code ${env:...}} and
     * {@code ${file:...}} in the values, and checks every value against {@link #CONFIG_DEF}.
     *
     * @throws IllegalArgumentException for an unreadable file, an unknown key or a value that is not valid
     */
    public static AppSettings load(Map<String, String> defaults, List<Path> files, Map<String, String> env,
            Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>(checkedKeys(defaults, "defaults"));
        for (Path file : files) {
            values.putAll(checkedKeys(readFile(file), file.toString()));
        }
        values.putAll(fromEnvironment(env));
        values.putAll(checkedKeys(overrides, "command line"));
        return new AppSettings(resolveVariables(values, env));
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
        return config.getString(APPLICATION_ID);
    }

    public String bootstrapServers() {
        return required(BOOTSTRAP_SERVERS);
    }

    public Path stateDir() {
        return Path.of(config.getString(STATE_DIR));
    }

    public int topicPartitions() {
        return config.getInt(TOPIC_PARTITIONS);
    }

    public short topicReplicationFactor() {
        return config.getInt(TOPIC_REPLICATION_FACTOR).shortValue();
    }

    public int standbyReplicas() {
        return config.getInt(NUM_STANDBY_REPLICAS);
    }

    public int streamThreads() {
        return config.getInt(NUM_STREAM_THREADS);
    }

    public long commitIntervalMs() {
        return config.getInt(COMMIT_INTERVAL_MS);
    }

    public long rocksDbMemoryBytes() {
        return config.getLong(ROCKSDB_MEMORY_BYTES);
    }

    public java.time.Duration hangingTransactionsThreshold() {
        return java.time.Duration.ofMillis(config.getLong(HANGING_TRANSACTIONS_THRESHOLD_MS));
    }

    /** How often the hanging transaction check runs; zero when it is off. */
    public java.time.Duration hangingTransactionsCheckInterval() {
        return java.time.Duration.ofMillis(config.getLong(HANGING_TRANSACTIONS_CHECK_INTERVAL_MS));
    }

    public String httpHost() {
        return config.getString(HttpApiConfig.HTTP_HOST);
    }

    public int httpPort() {
        return config.getInt(HttpApiConfig.HTTP_PORT);
    }

    /** Where the HTTP API listens and what it advertises ({@code http.*}); {@code http.port} must not be 0 here. */
    public HttpApiConfig httpApiConfig() {
        return checked(() -> HttpApiConfig.from(values));
    }

    /** The host other instances and clients reach this one on (half of {@code application.server}); see {@link HttpApiConfig#advertisedHost}. */
    public String advertisedHost() {
        try {
            return HttpApiConfig.advertisedHost(values);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage() + " (" + environmentVariable(HttpApiConfig.HTTP_ADVERTISED_HOST) + ")", e);
        }
    }

    /** The topology's settings ({@code assets}, {@code command.retention}, ...) for topics of {@code userPartitions} partitions. */
    public SettlementConfig settlementConfig(int userPartitions) {
        return checked(() -> SettlementConfig.from(values, userPartitions));
    }

    public Assets assets() {
        return settlementConfig(1).assets();
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

    /** Every setting as it is (variables resolved), for the modules that read their own keys. */
    public Map<String, String> asMap() {
        return values;
    }

    /**
     * The keys that authenticate internal records ({@code internal.record.keys}, docs/security.md).
     *
     * @throws IllegalArgumentException when none is set (saying how to make one) or one is not valid
     */
    public InternalRecordKeys internalRecordKeys() {
        return checked(() -> InternalRecordKeys.fromConfig(values));
    }

    /** The topics in the configured wire format, internal records authenticated with the configured keys. */
    public Topics topics() {
        return Topics.create(wireFormat(), internalRecordKeys());
    }

    /** The Avro wire format of every topic ({@code serde.format} and the registry settings, docs/confluent.md). */
    public AvroSerdes wireFormat() {
        return WireFormats.fromConfig(values);
    }

    /** The ScyllaDB sink's database, or empty when {@code scylla.contact.points} is empty (the sink is off). */
    public Optional<ScyllaEndpoint> scyllaEndpoint() {
        return checked(() -> ScyllaConfig.endpoint(values));
    }

    /** The ScyllaDB sink's limits ({@code scylla.*}, docs/scylla.md). */
    public ScyllaConfig scyllaConfig() {
        return checked(() -> ScyllaConfig.from(values));
    }

    /** The TigerBeetle cluster, or empty when {@code tigerbeetle.addresses} is empty (the sink is off). */
    public Optional<TigerBeetleConfig> tigerBeetle() {
        return checked(() -> Optional.of(TigerBeetleConfig.from(values)).filter(TigerBeetleConfig::configured));
    }

    /** How bearer tokens are verified ({@code auth.*}, docs/security.md). */
    public AuthSettings authSettings() {
        return checked(() -> HttpApiConfig.authSettings(values));
    }

    /** Whether bearer tokens are verified with an HMAC secret (dev only). */
    public boolean authUsesHmac() {
        return HttpApiConfig.usesHmac(values);
    }

    /** The API's security: the token verifier and the per-principal POST limit. */
    public ApiSecurity apiSecurity() {
        return checked(() -> HttpApiConfig.apiSecurity(values));
    }

    /** Every declared setting's value (its default when not set) as text, and every other key that is set. */
    public Map<String, String> effective() {
        Map<String, String> all = new TreeMap<>(values);
        CONFIG_DEF.configKeys().values().forEach(key -> {
            if (!all.containsKey(key.name) && key.hasDefault()) {
                Object value = key.defaultValue;
                all.put(key.name, value == null ? "" : value instanceof List<?> list
                        ? String.join(",", list.stream().map(String::valueOf).toList()) : String.valueOf(value));
            }
        });
        return all;
    }

    /** Every setting, for printing at start. Passwords and values of keys that look secret are masked. */
    public Map<String, String> describe() {
        Map<String, String> shown = new TreeMap<>();
        values.forEach((key, value) -> {
            ConfigDef.ConfigKey declared = CONFIG_DEF.configKeys().get(key);
            boolean secret = (declared != null && declared.type == Type.PASSWORD)
                    || key.matches("(?i).*(password|secret|jaas|token|key\\b|user\\.info).*");
            shown.put(key, secret ? "******" : value);
        });
        return shown;
    }

    private String required(String key) {
        String value = String.valueOf(config.originals().getOrDefault(key, "")).trim();
        if (value.isEmpty()) {
            throw new IllegalArgumentException("config key '" + key + "' is not set (in a config file, or as "
                    + environmentVariable(key) + ")");
        }
        return value;
    }

    /**
     * A module's reading of the settings, its {@link ConfigException} as the app's configuration
     * error; a key that is not set is named with its environment variable.
     */
    private static <T> T checked(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (ConfigException e) {
            Matcher unset = NOT_SET.matcher(String.valueOf(e.getMessage()));
            String message = unset.find()
                    ? e.getMessage().replace(unset.group(), unset.group() + " (in a config file, or as " + environmentVariable(unset.group(1)) + ")")
                    : e.getMessage();
            throw new IllegalArgumentException(message, e);
        }
    }

    private static final Pattern NOT_SET = Pattern.compile("config key '([a-z0-9.]+)' is not set");

    /**
     * Replaces {@code ${env:NAME}} and {@code ${file:path:key}} in the values with Kafka's own config
     * providers ({@code env} reads {@code env}, the process environment by default).
     *
     * @throws IllegalArgumentException when a variable names nothing
     */
    static Map<String, String> resolveVariables(Map<String, String> values, Map<String, String> env) {
        if (values.values().stream().noneMatch(value -> value.contains("${"))) {
            return values;
        }
        EnvVarConfigProvider envProvider = new EnvVarConfigProvider(env);
        envProvider.configure(Map.of());
        FileConfigProvider fileProvider = new FileConfigProvider();
        fileProvider.configure(Map.of());
        Map<String, ConfigProvider> providers = Map.of("env", envProvider, "file", fileProvider);
        Map<String, String> resolved;
        try {
            resolved = new LinkedHashMap<>(new ConfigTransformer(providers).transform(values).data());
        } catch (ConfigException e) {
            throw new IllegalArgumentException("a ${...} in the configuration cannot be resolved: " + e.getMessage(), e);
        }
        resolved.forEach((key, value) -> {
            Matcher left = UNRESOLVED.matcher(value);
            if (left.find()) {
                throw new IllegalArgumentException("config key '" + key + "': " + left.group() + " names nothing "
                        + "(use ${env:NAME} for an environment variable, ${file:/path:key} for a properties file)");
            }
        });
        return resolved;
    }

    private static final Pattern UNRESOLVED = Pattern.compile("\\$\\{(?:env|file):[^}]*}");

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
        for (String key : knownKeys()) {
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

    private static Set<String> knownKeys() {
        Set<String> known = new TreeSet<>(CONFIG_DEF.names());
        known.addAll(ALIASES);
        return known;
    }

    private static Map<String, String> checkedKeys(Map<String, String> values, String source) {
        Set<String> known = knownKeys();
        for (String key : values.keySet()) {
            if (!known.contains(key) && !isPrefixed(key, KAFKA_PREFIX) && !isPrefixed(key, STREAMS_PREFIX)
                    && !isPrefixed(key, SCHEMA_REGISTRY_PREFIX)) {
                String dotted = key.replace('-', '.');
                String hint = !dotted.equals(key) && known.contains(dotted)
                        ? " (did you mean '" + dotted + "'? keys are words separated by dots)" : "";
                throw new IllegalArgumentException("unknown config key '" + key + "' in " + source + hint + "; known keys: "
                        + String.join(", ", known) + ", kafka.* for every Kafka client, streams.* for "
                        + "Kafka Streams and schema.registry.* for the schema registry client (docs/configuration.md)");
            }
        }
        return values;
    }

    private static boolean isPrefixed(String key, String prefix) {
        return key.startsWith(prefix) && key.length() > prefix.length();
    }

    private static ConfigDef compose(ConfigDef... parts) {
        ConfigDef all = new ConfigDef();
        for (ConfigDef part : parts) {
            part.configKeys().values().forEach(all::define);
        }
        return all;
    }

    private static Map<String, String> ordered(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
