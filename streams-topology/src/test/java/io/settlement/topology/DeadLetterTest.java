package io.settlement.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.avro.ResultStatus;
import io.settlement.contract.UserPartitioner;
import io.settlement.topology.testkit.DriverTest;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** Records that cannot be read land in settlement.dlq with the error in headers, and the stream goes on. */
class DeadLetterTest extends DriverTest {

    @Test
    void unreadableRecordGoesToTheDeadLetterTopicAndTheStreamGoesOn() {
        // given
        byte[] key = UserPartitioner.keyBytes(7);
        byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);

        // when
        driver.sendRaw(driver.topics().balanceOperations().name(), key, garbage);
        var next = driver.send(commands.deposit("d-1", 7, "BTC", 5));

        // then
        TestRecord<byte[], byte[]> deadLetter = driver.deadLetters().get(0);
        assertThat(deadLetter.key()).isEqualTo(key);
        assertThat(deadLetter.value()).isEqualTo(garbage);
        assertThat(header(deadLetter, DeadLetterHeaders.EXCEPTION)).contains("SerializationException");
        assertThat(header(deadLetter, DeadLetterHeaders.MESSAGE)).contains("BalanceOperation");
        assertThat(header(deadLetter, DeadLetterHeaders.TOPIC)).isEqualTo("balance.operations");
        assertThat(next.getStatus()).isEqualTo(ResultStatus.ACCEPTED);
        assertThat(driver.results()).hasSize(1);
    }

    @Test
    void unreadableTradeLegGoesToTheDeadLetterTopic() {
        driver.sendRaw(driver.topics().tradeLegs().name(), UserPartitioner.keyBytes(7), new byte[] {1, 2, 3});

        assertThat(header(driver.deadLetters().get(0), DeadLetterHeaders.TOPIC)).isEqualTo("settlement.internal.trade-legs");
        assertThat(driver.legResults()).isEmpty();
    }

    @Test
    void recordWithoutValueGoesToTheDeadLetterTopic() {
        driver.sendRaw(driver.topics().transferRequests().name(), UserPartitioner.keyBytes(7), null);

        TestRecord<byte[], byte[]> deadLetter = driver.deadLetters().get(0);
        assertThat(header(deadLetter, DeadLetterHeaders.REASON)).isEqualTo("NULL_VALUE");
        assertThat(header(deadLetter, DeadLetterHeaders.TOPIC)).isEqualTo("transfer.requests");
        assertThat(driver.results()).isEmpty();
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        assertThat(record.headers().lastHeader(name)).as("header %s", name).isNotNull();
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
