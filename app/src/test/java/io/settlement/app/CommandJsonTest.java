package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.Deposit;
import io.settlement.avro.OrderReleased;
import io.settlement.avro.Trade;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CommandJsonTest {
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    private final Topics topics = Topics.create(AvroSerdes.SINGLE_OBJECT);
    private final CommandJson json = new CommandJson(topics, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void depositBecomesABalanceOperationKeyedByItsUser() {
        // when
        CommandJson.EncodedCommand command = json.parse(
                "{\"type\":\"Deposit\",\"command_id\":\"dep-1\",\"user_id\":42,\"asset\":\"BTC\",\"amount\":100000000}");

        // then
        assertThat(command.topic()).isEqualTo("balance.operations");
        assertThat(command.userKeyed()).isTrue();
        assertThat(command.key()).isEqualTo(UserPartitioner.keyBytes(42));
        BalanceOperation operation = topics.balanceOperations().valueSerde().deserializer().deserialize("t", command.value());
        assertThat(operation.getCommandId()).isEqualTo("dep-1");
        assertThat(operation.getUserId()).isEqualTo(42L);
        assertThat(operation.getCreatedAt()).isEqualTo(NOW);
        assertThat(operation.getOperation()).isEqualTo(new Deposit("BTC", 100_000_000L));
    }

    @Test
    void fieldWithAvroDefaultMayBeLeftOutAndTimestampsAcceptIsoOrEpochMillis() {
        CommandJson.EncodedCommand command = json.parse("{\"type\":\"OrderReleased\",\"command_id\":\"c\",\"user_id\":7,"
                + "\"order_id\":\"o-1\",\"created_at\":\"2026-01-01T00:00:00Z\"}");

        BalanceOperation operation = topics.balanceOperations().valueSerde().deserializer().deserialize("t", command.value());
        assertThat(operation.getOperation()).isEqualTo(new OrderReleased("o-1", 0L));
        assertThat(operation.getCreatedAt()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));

        CommandJson.EncodedCommand epoch = json.parse("{\"type\":\"OrderReleased\",\"command_id\":\"c\",\"user_id\":7,"
                + "\"order_id\":\"o-1\",\"created_at\":1767225600000}");
        assertThat(topics.balanceOperations().valueSerde().deserializer().deserialize("t", epoch.value()).getCreatedAt())
                .isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    }

    @Test
    void internalTransferGoesToTransferRequestsWithWalletsInAnyCase() {
        CommandJson.EncodedCommand command = json.parse("{\"type\":\"InternalTransfer\",\"request_id\":\"tr-1\","
                + "\"user_id\":42,\"from_wallet\":\"funding\",\"to_wallet\":\"SPOT\",\"asset\":\"BTC\",\"amount\":\"25000000\"}");

        assertThat(command.topic()).isEqualTo("transfer.requests");
        TransferRequest request = topics.transferRequests().valueSerde().deserializer().deserialize("t", command.value());
        assertThat(request.getFromWallet()).isEqualTo(Wallet.FUNDING);
        assertThat(request.getToWallet()).isEqualTo(Wallet.SPOT);
        assertThat(request.getAmount()).isEqualTo(25_000_000L);
    }

    @Test
    void tradeIsKeyedByItsIdWithNestedParties() {
        CommandJson.EncodedCommand command = json.parse("{\"type\":\"Trade\",\"trade_id\":\"t-1\",\"symbol\":\"BTC-USDT\","
                + "\"base_asset\":\"BTC\",\"quote_asset\":\"USDT\",\"base_qty\":1000,\"quote_qty\":2000,"
                + "\"buyer\":{\"user_id\":1,\"order_id\":\"o-1\",\"fee\":3},\"seller\":{\"user_id\":2}}");

        assertThat(command.topic()).isEqualTo("trades");
        assertThat(command.userKeyed()).isFalse();
        assertThat(new String(command.key(), StandardCharsets.UTF_8)).isEqualTo("t-1");
        Trade trade = topics.trades().valueSerde().deserializer().deserialize("t", command.value());
        assertThat(trade.getBuyer().getOrderId()).isEqualTo("o-1");
        assertThat(trade.getBuyer().getFee()).isEqualTo(3L);
        assertThat(trade.getSeller().getOrderId()).isNull();
        assertThat(trade.getSeller().getFee()).isZero();
        assertThat(trade.getExecutedAt()).isEqualTo(NOW);
    }

    @Test
    void businessNonsenseStillPassesBecauseTheTopologyAnswersIt() {
        CommandJson.EncodedCommand command = json.parse(
                "{\"type\":\"Deposit\",\"command_id\":\"d\",\"user_id\":42,\"asset\":\"DOGE\",\"amount\":-5}");

        assertThat(command.topic()).isEqualTo("balance.operations");
    }

    @Test
    void malformedLinesAreRejectedWithTheReason() {
        assertInvalid("not json", "not JSON");
        assertInvalid("[1,2]", "not a JSON object");
        assertInvalid("{\"command_id\":\"x\"}", "missing \"type\"");
        assertInvalid("{\"type\":\"Depositt\"}", "unknown type \"Depositt\"");
        assertInvalid("{\"type\":\"Deposit\",\"command_id\":\"d\",\"user_id\":42,\"asset\":\"BTC\"}", "missing field \"amount\"");
        assertInvalid("{\"type\":\"Deposit\",\"command_id\":\"d\",\"user_id\":42,\"asset\":\"BTC\",\"amount\":1.5}",
                "\"amount\" must be an integer");
        assertInvalid("{\"type\":\"Deposit\",\"command_id\":\"d\",\"user_id\":42,\"asset\":\"BTC\",\"amount\":1e3}",
                "\"amount\" must be an integer");
        assertInvalid("{\"type\":\"Deposit\",\"command_id\":\"d\",\"user_id\":42,\"asset\":\"BTC\",\"amount\":9223372036854775808}",
                "does not fit a long");
        assertInvalid("{\"type\":\"Deposit\",\"command_id\":\"d\",\"user_id\":\"x\",\"asset\":\"BTC\",\"amount\":1}",
                "\"user_id\" must be an integer");
        assertInvalid("{\"type\":\"Deposit\",\"command_id\":7,\"user_id\":1,\"asset\":\"BTC\",\"amount\":1}",
                "\"command_id\" must be a string");
        assertInvalid("{\"type\":\"Deposit\",\"command_id\":\"d\",\"user_id\":1,\"asset\":\"BTC\",\"amount\":1,\"ammount\":1}",
                "unknown field [\"ammount\"]");
        assertInvalid("{\"type\":\"InternalTransfer\",\"request_id\":\"r\",\"user_id\":1,\"from_wallet\":\"MARGIN\","
                + "\"to_wallet\":\"SPOT\",\"asset\":\"BTC\",\"amount\":1}", "\"from_wallet\" must be one of [FUNDING, SPOT]");
        assertInvalid("{\"type\":\"Trade\",\"trade_id\":\"t\",\"symbol\":\"s\",\"base_asset\":\"BTC\",\"quote_asset\":\"USDT\","
                + "\"base_qty\":1,\"quote_qty\":1,\"buyer\":{\"user_id\":1},\"seller\":{\"user_id\":2,\"fees\":1}}",
                "unknown field [\"seller.fees\"]");
        assertInvalid("{\"type\":\"Deposit\",\"command_id\":\"d\",\"user_id\":1,\"asset\":\"BTC\",\"amount\":1,"
                + "\"created_at\":\"yesterday\"}", "ISO-8601");
    }

    @Test
    void aFieldGivenTwiceOrANumberBeyondAnIntExponentIsRejectedNamingIt() {
        // given a deposit whose amount or user is given twice, once in the envelope and once nested in a trade
        String twice = "{\"type\":\"Deposit\",\"command_id\":\"d\",\"user_id\":1,\"asset\":\"BTC\",\"amount\":1,\"amount\":1000}";
        String nestedTwice = "{\"type\":\"Trade\",\"trade_id\":\"t\",\"symbol\":\"s\",\"base_asset\":\"BTC\",\"quote_asset\":\"USDT\","
                + "\"base_qty\":1,\"quote_qty\":1,\"buyer\":{\"user_id\":1,\"user_id\":3},\"seller\":{\"user_id\":2}}";
        // when each is parsed, then it is rejected naming the field, not read as its last value
        assertInvalid(twice, "Duplicate field 'amount'");
        assertInvalid(nestedTwice, "Duplicate field 'user_id'");
        // and numbers no BigDecimal holds are an error about the field, in an amount or an unknown field alike
        for (String number : new String[] {"1e2147483648", "1e-2147483649"}) {
            assertInvalid("{\"type\":\"Deposit\",\"command_id\":\"d\",\"user_id\":1,\"asset\":\"BTC\",\"amount\":" + number + "}",
                    "\"amount\" must be an integer");
            assertInvalid("{\"type\":\"Deposit\",\"command_id\":\"d\",\"user_id\":1,\"asset\":\"BTC\",\"amount\":1,\"memo\":" + number + "}",
                    "unknown field [\"memo\"]");
        }
    }

    private void assertInvalid(String line, String message) {
        assertThatThrownBy(() -> json.parse(line))
                .isInstanceOf(CommandJson.InvalidCommandException.class)
                .hasMessageContaining(message);
    }
}
