package io.settlement.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.OrderReleased;
import io.settlement.avro.SettlementResult;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class SingleObjectSerdeTest {
    private final SingleObjectSerde<BalanceOperation> serde = new SingleObjectSerde<>(BalanceOperation.class);

    @Test
    void roundTripsARecordWithAUnionAndALogicalType() {
        BalanceOperation operation = BalanceOperation.newBuilder()
                .setCommandId("c-1").setUserId(42L).setCreatedAt(Instant.ofEpochMilli(1_700_000_000_123L))
                .setOperation(new OrderReleased("o-1", 5L)).build();

        byte[] bytes = serde.serialize("balance.operations", operation);

        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        assertThat(serde.deserialize("balance.operations", bytes)).isEqualTo(operation);
    }

    @Test
    void garbageIsASerializationExceptionNamingTheTypeAndTopic() {
        assertThatThrownBy(() -> serde.deserialize("balance.operations", new byte[] {1, 2, 3}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("BalanceOperation").hasMessageContaining("balance.operations");
    }

    @Test
    void aRecordOfAnotherTypeIsRejectedByItsFingerprint() {
        SingleObjectSerde<SettlementResult> results = new SingleObjectSerde<>(SettlementResult.class);
        byte[] bytes = serde.serialize("t", BalanceOperation.newBuilder()
                .setCommandId("c").setUserId(1L).setCreatedAt(Instant.EPOCH).setOperation(new OrderReleased("o", 0L)).build());

        assertThatThrownBy(() -> results.deserialize("t", bytes)).isInstanceOf(SerializationException.class);
    }

    @Test
    void nullStaysNullForTombstones() {
        assertThat(serde.serialize("t", null)).isNull();
        assertThat(serde.deserialize("t", null)).isNull();
    }
}
