package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settlement.contract.AvroSerdes;
import io.settlement.sink.scylla.ScyllaEndpoint;
import io.settlement.sink.tigerbeetle.TigerBeetleConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppSettingsTest {
    @Test
    void givenNoInternalRecordKey_whenRunReadsTheKeys_thenItRefusesWithHowToMakeOne() {
        AppSettings settings = AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of());

        assertThatThrownBy(settings::internalRecordKeys)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("internal.record.keys")
                .hasMessageContaining("openssl rand -base64 32")
                .hasMessageContaining("SETTLEMENT_INTERNAL_RECORD_KEYS");
    }

    @Test
    void givenKeysFromAFileThroughTheConfigProvider_whenRead_thenTheyAreUsedAndMaskedWhenPrinted(@TempDir Path dir) throws IOException {
        String current = io.settlement.contract.InternalRecordKeys.generate();
        String previous = io.settlement.contract.InternalRecordKeys.generate();
        Path secrets = dir.resolve("secrets.properties");
        Files.writeString(secrets, "internal.record.keys=" + current + "," + previous + "\n");
        AppSettings settings = AppSettings.of(AppSettings.RUN_DEFAULTS,
                Map.of("internal.record.keys", "${file:" + secrets + ":internal.record.keys}"));

        io.settlement.contract.InternalRecordKeys keys = settings.internalRecordKeys();
        io.settlement.contract.InternalRecordKeys previousOnly = io.settlement.contract.InternalRecordKeys.parse(previous);
        byte[] value = {1, 2, 3};

        assertThat(keys.verify("t", null, value, previousOnly.sign("t", null, value))).as("the second key still verifies").isTrue();
        assertThat(previousOnly.verify("t", null, value, keys.sign("t", null, value))).as("the first key signs").isFalse();
        assertThat(settings.describe().get("internal.record.keys")).isEqualTo("******");
    }

    @Test
    void givenAKeyTooShortOrThreeKeys_whenRead_thenTheyAreRefused() {
        assertThatThrownBy(() -> AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of("internal.record.keys", "c2hvcnQ=")).internalRecordKeys())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 32 bytes");
        String three = String.join(",", io.settlement.contract.InternalRecordKeys.generate(), io.settlement.contract.InternalRecordKeys.generate(),
                io.settlement.contract.InternalRecordKeys.generate());
        assertThatThrownBy(() -> AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of("internal.record.keys", three)).internalRecordKeys())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 2 keys");
    }

    @Test
    void givenAnUpgradeWindowThatIsNotAnRfc3339Instant_whenRunReadsTheKeys_thenItIsRefusedNamingTheSetting() {
        Map<String, String> set = Map.of("internal.record.keys", io.settlement.contract.InternalRecordKeys.generate(),
                "internal.record.unsigned.accepted.until", "next tuesday");

        assertThatThrownBy(() -> AppSettings.of(AppSettings.RUN_DEFAULTS, set).internalRecordKeys())
                .hasMessageContaining("internal.record.unsigned.accepted.until").hasMessageContaining("RFC 3339");
    }

    @Test
    void givenNoUpgradeWindow_whenRunReadsTheKeys_thenUntaggedRecordsAreNeverAccepted() {
        AppSettings settings = AppSettings.of(AppSettings.RUN_DEFAULTS,
                Map.of("internal.record.keys", io.settlement.contract.InternalRecordKeys.generate()));

        assertThat(settings.internalRecordKeys().unsignedAcceptedUntil()).isNull();
    }

    @TempDir
    Path dir;

    @Test
    void laterSourcesWinFilesThenEnvironmentThenCommandLine() throws IOException {
        // given a file, an environment and an override that each set something
        Path file = dir.resolve("a.properties");
        Files.writeString(file, "bootstrap.servers=file:9092\nhttp.port=1111\ncommit.interval.ms=50\n");
        Map<String, String> env = Map.of("SETTLEMENT_HTTP_PORT", "2222", "SETTLEMENT_COMMIT_INTERVAL_MS", "70",
                "SETTLEMENT_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "UNRELATED", "x");

        // when they are layered
        AppSettings settings = AppSettings.load(AppSettings.RUN_DEFAULTS, List.of(file), env, Map.of("http.port", "3333"));

        // then each key comes from the last source that set it
        assertThat(settings.bootstrapServers()).isEqualTo("file:9092");
        assertThat(settings.commitIntervalMs()).isEqualTo(70);
        assertThat(settings.httpPort()).isEqualTo(3333);
        assertThat(settings.standbyReplicas()).isEqualTo(1);
        assertThat(settings.kafkaClientProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("bootstrap.servers", "file:9092");
    }

    @Test
    void everyKeyHasAnEnvironmentVariable() {
        assertThat(AppSettings.environmentVariable("bootstrap.servers")).isEqualTo("SETTLEMENT_BOOTSTRAP_SERVERS");
        assertThat(AppSettings.environmentVariable("num.standby.replicas")).isEqualTo("SETTLEMENT_NUM_STANDBY_REPLICAS");
    }

    @Test
    void unknownKeyInAFileIsAnErrorNamingTheKey() throws IOException {
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "comit.interval.ms=50\n");

        assertThatThrownBy(() -> AppSettings.load(AppSettings.RUN_DEFAULTS, List.of(file), Map.of(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown config key 'comit.interval.ms'");
    }

    @Test
    void missingBootstrapServersSaysWhichVariableSetsIt() {
        AppSettings settings = AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of());

        assertThatThrownBy(settings::bootstrapServers)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SETTLEMENT_BOOTSTRAP_SERVERS");
    }

    @Test
    void aValueThatIsNotValidFailsTheLoadNamingTheKeyAndTheValue() {
        assertThatThrownBy(() -> AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of("http.port", "eighty")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http.port").hasMessageContaining("eighty");
        assertThatThrownBy(() -> AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of("topic.partitions", "0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topic.partitions");
        assertThatThrownBy(() -> AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of("command.retention", "a week")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("command.retention").hasMessageContaining("7d");
    }

    @Test
    void aKeyInTheOldDashedSpellingIsRefusedWithItsDottedName() {
        assertThatThrownBy(() -> AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of("scylla.in-flight-requests-max", "64")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown config key 'scylla.in-flight-requests-max'")
                .hasMessageContaining("did you mean 'scylla.in.flight.requests.max'");
    }

    @Test
    void aValueMayNameAnEnvironmentVariableOrAPropertiesFileThroughKafkasConfigProviders() throws IOException {
        // given a secret in the environment and another in a properties file
        Path secrets = dir.resolve("secrets.properties");
        Files.writeString(secrets, "registry=app:from-file\n");
        Map<String, String> env = Map.of("REGISTRY_PASSWORD", "s3cret");

        // when values name them
        AppSettings fromEnv = AppSettings.load(AppSettings.RUN_DEFAULTS, List.of(), env,
                Map.of("schema.registry.basic.auth.user.info", "app:${env:REGISTRY_PASSWORD}"));
        AppSettings fromFile = AppSettings.load(AppSettings.RUN_DEFAULTS, List.of(), env,
                Map.of("schema.registry.basic.auth.user.info", "${file:" + secrets + ":registry}"));

        // then the values are the secrets, and printing the settings still masks them
        assertThat(fromEnv.asMap()).containsEntry("schema.registry.basic.auth.user.info", "app:s3cret");
        assertThat(fromFile.asMap()).containsEntry("schema.registry.basic.auth.user.info", "app:from-file");
        assertThat(fromEnv.describe()).containsEntry("schema.registry.basic.auth.user.info", "******");
        // and a variable that names nothing is an error, not a literal value
        assertThatThrownBy(() -> AppSettings.load(AppSettings.RUN_DEFAULTS, List.of(), env,
                Map.of("auth.issuer", "${env:NOT_SET_ANYWHERE}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auth.issuer").hasMessageContaining("NOT_SET_ANYWHERE");
    }

    @Test
    void devDefaultsRunOneInstanceWithoutStandbysAndRunDefaultsKeepOne() {
        assertThat(AppSettings.of(AppSettings.DEV_DEFAULTS, Map.of()).standbyReplicas()).isZero();
        assertThat(AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of()).standbyReplicas()).isEqualTo(1);
        assertThat(AppSettings.of(AppSettings.DEV_DEFAULTS, Map.of()).commitIntervalMs()).isEqualTo(50);
    }

    @Test
    void streamsPropertiesCarryExactlyOnceAndThisInstancesAddress() {
        AppSettings settings = AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of("bootstrap.servers", "k:9092",
                "http.advertised.host", "node-7", "http.port", "8081", "num.standby.replicas", "2",
                "streams.max.poll.records", "250"));

        Properties props = SettlementApp.streamsProperties(settings);

        assertThat(props).containsEntry("processing.guarantee", "exactly_once_v2")
                .containsEntry("application.server", "node-7:8081")
                .containsEntry("num.standby.replicas", 2)
                .containsEntry("commit.interval.ms", 50L)
                .containsEntry("errors.dead.letter.queue.topic.name", "settlement.dlq")
                .containsEntry("max.poll.records", "250");
    }

    @Test
    void configDevPropertiesDocumentsExactlyTheBuiltInDevDefaults() throws IOException {
        Properties file = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of("../config/dev.properties"))) {
            file.load(reader);
        }
        Map<String, String> fromFile = new TreeMap<>();
        file.stringPropertyNames().forEach(name -> fromFile.put(name, file.getProperty(name)));
        Map<String, String> dev = AppSettings.of(AppSettings.DEV_DEFAULTS, Map.of()).effective();

        assertThat(fromFile.keySet()).containsAll(AppSettings.DEV_DEFAULTS.keySet());
        fromFile.forEach((key, value) -> assertThat(dev.get(key)).as(key).isEqualTo(value));
    }

    @Test
    void configDockerPropertiesIsAValidConfigurationWithBothSinksOn() {
        AppSettings settings = AppSettings.load(AppSettings.RUN_DEFAULTS, List.of(Path.of("../config/docker.properties")),
                Map.of(), Map.of());

        assertThat(settings.bootstrapServers()).isEqualTo("kafka:19092");
        assertThat(settings.advertisedHost()).isEqualTo("app");
        assertThat(settings.assets().all()).hasSize(3);
        assertThat(settings.wireFormat()).isSameAs(AvroSerdes.SINGLE_OBJECT);
        ScyllaEndpoint scylla = settings.scyllaEndpoint().orElseThrow();
        assertThat(scylla.contactPoints()).singleElement().satisfies(point -> {
            assertThat(point.getHostString()).isEqualTo("scylla");
            assertThat(point.getPort()).isEqualTo(9042);
        });
        assertThat(scylla.localDatacenter()).isEqualTo("datacenter1");
        assertThat(settings.scyllaConfig().applySchema()).isTrue();
        assertThat(settings.tigerBeetle()).hasValue(TigerBeetleConfig.defaults().withCluster(0, List.of("tigerbeetle:3000"), 5_000));
    }

    @Test
    void devDefaultsLeaveBothSinksOffAndTheSingleObjectFormat() {
        AppSettings settings = AppSettings.of(AppSettings.DEV_DEFAULTS, Map.of());

        assertThat(settings.scyllaEndpoint()).isEmpty();
        assertThat(settings.tigerBeetle()).isEmpty();
        assertThat(settings.wireFormat()).isSameAs(AvroSerdes.SINGLE_OBJECT);
    }

    @Test
    void sinkKeysHaveEnvironmentVariablesAndTuningKeysAreAccepted() {
        // given the sinks turned on by the environment, and tuning keys in overrides
        Map<String, String> env = Map.of("SETTLEMENT_SCYLLA_CONTACT_POINTS", "10.1.0.1:9043,10.1.0.2",
                "SETTLEMENT_TIGERBEETLE_ADDRESSES", "10.0.0.1:3000,10.0.0.2:3000", "SETTLEMENT_TIGERBEETLE_CLUSTER_ID", "7",
                "SETTLEMENT_SCYLLA_IN_FLIGHT_REQUESTS_MAX", "64");

        // when
        AppSettings settings = AppSettings.load(AppSettings.RUN_DEFAULTS, List.of(), env,
                Map.of("scylla.replication", "{'class': 'NetworkTopologyStrategy', 'dc1': 3}",
                        "schema.registry.ssl.truststore.location", "/etc/registry.jks"));

        // then
        assertThat(settings.scyllaEndpoint().orElseThrow().contactPoints()).extracting(point -> point.getHostString() + ":" + point.getPort())
                .containsExactly("10.1.0.1:9043", "10.1.0.2:9042");
        assertThat(settings.scyllaEndpoint().orElseThrow().replication()).contains("NetworkTopologyStrategy");
        assertThat(settings.scyllaConfig().inFlightRequestsMax()).isEqualTo(64);
        assertThat(settings.tigerBeetle()).hasValue(TigerBeetleConfig.defaults().withCluster(7, List.of("10.0.0.1:3000", "10.0.0.2:3000"), 5_000));
    }

    @Test
    void aMistypedSinkKeyIsAnErrorAndBadSinkValuesNameTheirKeys() {
        assertThatThrownBy(() -> AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of("scylla.contact-point", "db:9042")))
                .hasMessageContaining("unknown config key 'scylla.contact-point'");
        assertThatThrownBy(() -> AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of("tigerbeetle.addresses", "3000",
                "tigerbeetle.cluster.id", "one")).tigerBeetle())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tigerbeetle.cluster.id");
        assertThatThrownBy(() -> AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of("scylla.contact.points", "db",
                "scylla.keyspace", "no-dashes")).scyllaEndpoint())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scylla.keyspace");
    }

    @Test
    void theConfluentFormatWithoutARegistryUrlIsAConfigurationError() {
        AppSettings settings = AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of("serde.format", "confluent"));

        assertThatThrownBy(settings::wireFormat).isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
    }

    @Test
    void registryCredentialsAreMaskedWhenSettingsArePrinted() {
        AppSettings settings = AppSettings.of(AppSettings.RUN_DEFAULTS, Map.of("schema.registry.basic.auth.user.info", "app:s3cret"));

        assertThat(settings.describe()).containsEntry("schema.registry.basic.auth.user.info", "******");
    }
}
