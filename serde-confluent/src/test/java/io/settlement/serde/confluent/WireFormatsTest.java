package io.settlement.serde.confluent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settlement.avro.BalanceOperation;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class WireFormatsTest {

    @Test
    void theDefaultIsTheSingleObjectEncodingAndNeedsNoRegistry() {
        // given no serde.format and no registry URL
        AvroSerdes avro = WireFormats.fromConfig(Map.of());

        // when
        var subjects = WireFormats.prepare(avro, Topics.create(avro));
        byte[] bytes = avro.valueSerde(BalanceOperation.class).serializer()
                .serialize(Topics.BALANCE_OPERATIONS, Records.deposit("c-1", 1L, "BTC", 5L));

        // then
        assertThat(avro).isSameAs(AvroSerdes.SINGLE_OBJECT);
        assertThat(WireFormats.fromConfig(Map.of("serde.format", "single-object"))).isSameAs(AvroSerdes.SINGLE_OBJECT);
        assertThat(subjects).isEmpty();
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    }

    @Test
    void theConfluentFormatReadsTheRegistrySettingsWithoutTouchingTheNetwork() {
        AvroSerdes avro = WireFormats.fromConfig(Map.of(
                "serde.format", "confluent",
                "schema.registry.url", "http://a.invalid:8081/, http://b.invalid:8081",
                "schema.registry.basic.auth.user.info", "settlement:s3cret",
                "auto.register.schemas", "false",
                "value.subject.name.strategy", "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy",
                "schema.registry.attempts.max", "6"));

        assertThat(avro).isInstanceOfSatisfying(ConfluentAvroSerdes.class, confluent -> {
            ConfluentSerdeConfig config = confluent.config();
            assertThat(config.registry().urls()).extracting(Object::toString).containsExactly("http://a.invalid:8081", "http://b.invalid:8081");
            assertThat(config.registry().basicAuthUserInfo()).contains("settlement:s3cret");
            assertThat(config.registry().attemptsMax()).isEqualTo(6);
            assertThat(config.autoRegister()).isFalse();
            assertThat(config.subjectNameStrategy()).isEqualTo(SubjectNameStrategy.TOPIC_RECORD_NAME);
            assertThat(confluent.toString()).doesNotContain("s3cret");
            assertThat(confluent.valueSerde(BalanceOperation.class).subjectFor("ops"))
                    .isEqualTo("ops-io.settlement.avro.BalanceOperation");
        });
    }

    @Test
    void theConfluentFormatWithoutARegistryUrlIsAConfigurationError() {
        assertThatThrownBy(() -> WireFormats.fromConfig(Map.of("serde.format", "confluent")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
        assertThatThrownBy(() -> WireFormats.fromConfig(Map.of("serde.format", "protobuf")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("single-object");
        assertThatThrownBy(() -> WireFormats.fromConfig(Map.of("serde.format", "confluent",
                "schema.registry.url", "http://r:8081", "auto.register.schemas", "yes")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auto.register.schemas");
    }

    @Test
    void aSerdeClassOnTheClasspathIsUsedThroughConfigurationAlone() {
        // given
        AvroSerdes avro = WireFormats.fromConfig(Map.of(
                "serde.format", "class:" + SpecificAvroSerdeLookalike.class.getName(),
                "schema.registry.url", "http://r.invalid:8081"));

        // when
        Serde<BalanceOperation> serde = avro.valueSerde(BalanceOperation.class);

        // then: a fresh instance per type, configured with the properties and Confluent's reader settings
        assertThat(serde).isInstanceOfSatisfying(SpecificAvroSerdeLookalike.class, lookalike ->
                assertThat(lookalike.configured()).containsEntry("schema.registry.url", "http://r.invalid:8081")
                        .containsEntry("specific.avro.reader", "true")
                        .containsEntry("avro.remove.java.properties", "true"));
        assertThat(avro.valueSerde(BalanceOperation.class)).isNotSameAs(serde);
    }

    @Test
    void aSerdeClassThatIsMissingOrNotASerdeFailsAtStart() {
        assertThatThrownBy(() -> WireFormats.fromConfig(Map.of("serde.format", "class:io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not found on the classpath");
        assertThatThrownBy(() -> WireFormats.fromConfig(Map.of("serde.format", "class:java.lang.String")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not an org.apache.kafka.common.serialization.Serde");
    }
}
