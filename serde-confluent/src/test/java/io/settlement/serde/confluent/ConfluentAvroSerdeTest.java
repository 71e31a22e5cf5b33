package io.settlement.serde.confluent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.OrderReleased;
import io.settlement.avro.SettlementResult;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeLeg;
import io.settlement.avro.TradeParty;
import io.settlement.contract.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Confluent wire format against a real Confluent-compatible registry (Apicurio). */
class ConfluentAvroSerdeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ApicurioRegistry registry;

    @BeforeAll
    static void startRegistry() {
        registry = SharedRegistry.get();
    }

    private static ConfluentAvroSerdes serdes(boolean autoRegister) {
        return ConfluentAvroSerdes.fromConfig(Map.of(
                ConfluentSerdeConfig.SCHEMA_REGISTRY_URL, registry.url(),
                ConfluentSerdeConfig.AUTO_REGISTER_SCHEMAS, String.valueOf(autoRegister)));
    }

    @Test
    void aResultRoundTripsInTheConfluentWireFormatAndAnyRegistryClientCanReadIt() throws Exception {
        // given
        SettlementResult result = Records.rejected("r-1", 42L);
        ConfluentAvroSerde<SettlementResult> writer = serdes(true).valueSerde(SettlementResult.class);

        // when
        byte[] bytes = writer.serialize("rt.results", result);

        // then: magic byte, the id registered under <topic>-value, Avro binary
        assertThat(bytes[0]).isEqualTo(ConfluentAvroSerde.MAGIC_BYTE);
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        SchemaRegistryClient operator = new SchemaRegistryClient(RegistrySettings.of(registry.url()));
        assertThat(operator.lookup("rt.results-value", SchemaText.of(SettlementResult.getClassSchema()))).isEqualTo(id);
        assertThat(operator.schemaById(id)).doesNotContain("avro.java.string").contains("timestamp-millis");
        // a reader with a cold cache (another process) decodes it
        assertThat(serdes(true).valueSerde(SettlementResult.class).deserialize("rt.results", bytes)).isEqualTo(result);
        // and so does a generic reader that knows nothing but the registry's REST API
        GenericRecord generic = decodeWithRegistryOnly(bytes);
        assertThat(generic.get("command_id").toString()).isEqualTo("r-1");
        assertThat(generic.get("reason").toString()).isEqualTo("INSUFFICIENT_AVAILABLE");
    }

    @Test
    void aRecordWrittenWithAnOlderSchemaVersionReadsWithTheNewVersionsDefaults() {
        // given: v1 of the subject is BalanceOperation before OrderReleased had filled_total, under BACKWARD
        String topic = "old.operations";
        String subject = topic + "-value";
        Schema v1 = Records.edited(BalanceOperation.getClassSchema(),
                tree -> Records.removeField(Records.recordNamed(tree, "OrderReleased"), "filled_total"));
        SchemaRegistryClient operator = new SchemaRegistryClient(RegistrySettings.of(registry.url()));
        int v1Id = operator.register(subject, SchemaText.of(v1));
        operator.setCompatibility(subject, "BACKWARD");
        GenericRecord released = new GenericData.Record(v1.getField("operation").schema().getTypes().stream()
                .filter(branch -> branch.getName().equals("OrderReleased")).findFirst().orElseThrow());
        released.put("order_id", "o-7");
        GenericRecord old = new GenericData.Record(v1);
        old.put("command_id", "c-old");
        old.put("user_id", 7L);
        old.put("created_at", Records.CREATED_AT.toEpochMilli());
        old.put("operation", released);
        byte[] oldBytes = Records.confluentBytes(v1Id, v1, old);
        ConfluentAvroSerde<BalanceOperation> serde = serdes(true).valueSerde(BalanceOperation.class);

        // when: our current schema registers as v2 (compatible) and reads the v1 record
        int v2Id = serde.schemaIdFor(topic);
        BalanceOperation read = serde.deserialize(topic, oldBytes);

        // then
        assertThat(v2Id).isNotEqualTo(v1Id);
        assertThat(read).isEqualTo(Records.orderReleased("c-old", 7L, "o-7", 0L));
        assertThat(((OrderReleased) read.getOperation()).getFilledTotal()).isZero();
    }

    @Test
    void anIncompatibleSchemaIsRejectedWithTheRegistrysErrorCode() {
        // given: the subject's latest version has user_id as a string, under BACKWARD
        String topic = "incompatible.results";
        Schema other = Records.edited(SettlementResult.getClassSchema(), tree -> {
            for (var field : tree.get("fields")) {
                if (field.path("name").asText().equals("user_id")) {
                    ((ObjectNode) field).put("type", "string");
                }
            }
        });
        SchemaRegistryClient operator = new SchemaRegistryClient(RegistrySettings.of(registry.url()));
        operator.register(topic + "-value", SchemaText.of(other));
        operator.setCompatibility(topic + "-value", "BACKWARD");
        ConfluentAvroSerde<SettlementResult> serde = serdes(true).valueSerde(SettlementResult.class);

        // when / then
        assertThatThrownBy(() -> serde.serialize(topic, Records.rejected("r-2", 1L)))
                .isInstanceOf(SerializationException.class)
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
                })
                .hasMessageContaining("SettlementResult")
                .hasMessageContaining("'" + topic + "-value'")
                .hasMessageContaining("incompatible");
    }

    @Test
    void withAutoRegistrationOffAMissingSubjectFailsClearlyUntilAnOperatorRegistersIt() {
        // given
        String topic = "manual.operations";
        ConfluentAvroSerde<BalanceOperation> serde = serdes(false).valueSerde(BalanceOperation.class);
        BalanceOperation deposit = Records.deposit("c-1", 5L, "BTC", 100L);

        // when / then: nothing registered yet
        assertThatThrownBy(() -> serde.serialize(topic, deposit))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isIn(SchemaRegistryException.SUBJECT_NOT_FOUND, SchemaRegistryException.SCHEMA_NOT_FOUND))
                .hasMessageContaining("auto.register.schemas=false")
                .hasMessageContaining("'" + topic + "-value'");

        // when: an operator registers the subject, then
        int id = new SchemaRegistryClient(RegistrySettings.of(registry.url())).register(topic + "-value", serde.schemaText());
        byte[] bytes = serde.serialize(topic, deposit);
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        assertThat(serde.deserialize(topic, bytes)).isEqualTo(deposit);
    }

    @Test
    void preparingRegistersEveryPublishedSubjectAndLaterVerifiesThemWithAutoRegistrationOff() {
        // given
        ConfluentAvroSerdes registering = serdes(true);

        // when
        var registered = WireFormats.prepare(registering, Topics.create(registering));
        var verified = WireFormats.prepare(serdes(false), Topics.create(serdes(false)));

        // then: the published topics only, internal ones keep the single-object encoding
        assertThat(registered).containsExactly("balance.operations-value", "transfer.requests-value", "trades-value",
                "settlement.results-value", "settlement.journal-value", "balance.events-value");
        assertThat(verified).isEqualTo(registered);
    }

    @Test
    void internalTopicsKeepTheSingleObjectEncodingAndRegisterNoSubject() throws Exception {
        // given
        ConfluentAvroSerde<BalanceOperation> serde = serdes(true).valueSerde(BalanceOperation.class);
        BalanceOperation deposit = Records.deposit("c-2", 5L, "BTC", 100L);

        for (String internal : new String[] {Topics.TRADE_LEGS, "settlement-app-balances-changelog", "settlement-app-by-trade-repartition"}) {
            // when
            byte[] bytes = serde.serialize(internal, deposit);

            // then
            assertThat(bytes[0]).isEqualTo((byte) 0xC3);
            assertThat(bytes[1]).isEqualTo((byte) 0x01);
            assertThat(serde.deserialize(internal, bytes)).isEqualTo(deposit);
            assertThat(subjects()).doesNotContain(internal + "-value");
        }
    }

    @Test
    void anUnknownSchemaIdIsASerializationExceptionNamingTheId() {
        ConfluentAvroSerde<BalanceOperation> serde = serdes(true).valueSerde(BalanceOperation.class);
        byte[] bytes = {0, 0x7f, 0x00, 0x00, 0x01, 2, 4};

        assertThatThrownBy(() -> serde.deserialize("balance.operations", bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("schema id 2130706433")
                .hasMessageContaining("BalanceOperation");
    }

    @Test
    void aRecordOfAnotherTypeIsASerializationExceptionNotAWrongRecord() {
        // given: a trade on the balance operations topic
        Trade trade = Trade.newBuilder().setTradeId("t-1").setSymbol("BTCUSDT").setBaseAsset("BTC").setQuoteAsset("USDT")
                .setBaseQty(1L).setQuoteQty(2L).setBuyer(new TradeParty(1L, null, 0L)).setSeller(new TradeParty(2L, null, 0L))
                .setExecutedAt(Records.CREATED_AT).build();
        byte[] bytes = serdes(true).valueSerde(Trade.class).serialize("mixed.topic", trade);

        // when / then
        assertThatThrownBy(() -> serdes(true).valueSerde(BalanceOperation.class).deserialize("mixed.topic", bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("io.settlement.avro.Trade")
                .hasMessageContaining("cannot read");
    }

    @Test
    void bytesThatAreNotTheConfluentWireFormatAreSerializationExceptions() {
        ConfluentAvroSerde<TradeLeg> serde = serdes(true).valueSerde(TradeLeg.class);

        assertThatThrownBy(() -> serde.deserialize("t", new byte[] {0, 0, 1}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("too few");
        assertThatThrownBy(() -> serde.deserialize("t", new byte[] {7, 0, 0, 0, 1, 0}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("magic byte 0x07");
        assertThat(serde.serialize("t", null)).isNull();
        assertThat(serde.deserialize("t", null)).isNull();
    }

    @Test
    void aSerdeConfiguredByClassNameInteroperatesWithOurs() {
        // given: a SpecificAvroSerde-shaped class chosen by configuration alone
        var configured = WireFormats.fromConfig(Map.of("serde.format", "class:" + SpecificAvroSerdeLookalike.class.getName(),
                "schema.registry.url", registry.url()));
        ConfluentAvroSerde<BalanceOperation> ours = serdes(true).valueSerde(BalanceOperation.class);
        BalanceOperation deposit = Records.deposit("c-9", 9L, "ETH", 3L);

        // when / then: each reads what the other wrote
        byte[] theirs = configured.valueSerde(BalanceOperation.class).serializer().serialize("class.operations", deposit);
        assertThat(ours.deserialize("class.operations", theirs)).isEqualTo(deposit);
        assertThat(configured.valueSerde(BalanceOperation.class).deserializer()
                .deserialize("class.operations", ours.serialize("class.operations", deposit))).isEqualTo(deposit);
    }

    private static GenericRecord decodeWithRegistryOnly(byte[] bytes) throws IOException, InterruptedException {
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        HttpResponse<String> answer = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(registry.url() + "/schemas/ids/" + id)).build(), HttpResponse.BodyHandlers.ofString());
        Schema writer = new Schema.Parser().parse(JSON.readTree(answer.body()).get("schema").asText());
        return new GenericDatumReader<GenericRecord>(writer)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
    }

    private static String subjects() throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + "/subjects")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
