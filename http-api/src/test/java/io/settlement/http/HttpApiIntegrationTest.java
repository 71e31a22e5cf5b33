package io.settlement.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settlement.testsupport.FreePorts;
import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.CommandKind;
import io.settlement.avro.Deposit;
import io.settlement.avro.DepositConfirmed;
import io.settlement.avro.ResultStatus;
import io.settlement.avro.Trade;
import io.settlement.avro.TradeParty;
import io.settlement.avro.TransferRequest;
import io.settlement.avro.Wallet;
import io.settlement.contract.Topics;
import io.settlement.contract.UserPartitioner;
import io.settlement.kafka.EmbeddedKafkaBroker;
import io.settlement.topology.Assets;
import io.settlement.topology.StoreNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP API through a real HTTP client, against two application instances (KafkaStreams
 * running the real topology + HttpApi each) on one real broker with 4 partitions per topic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApiIntegrationTest {
    static final int PARTITIONS = 4;
    /** Deposits queued ahead of a read-your-writes confirmation, so it is settled well after its 202. */
    static final int RYW_BACKLOG = 5_000;
    static final Duration DEADLINE = Duration.ofSeconds(60);

    final Http http = new Http();
    final Topics topics = Topics.create(io.settlement.contract.AvroSerdes.SINGLE_OBJECT);
    EmbeddedKafkaBroker broker;
    ApiInstance a;
    ApiInstance b;

    @BeforeAll
    void startBrokerAndTwoInstances() throws Exception {
        Path root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "http-api-it");
        broker = ApiInstance.brokerWithTopics(root, topics, PARTITIONS);
        a = ApiInstance.create(broker, root.resolve("state-a"), PARTITIONS).startApi();
        b = ApiInstance.create(broker, root.resolve("state-b"), PARTITIONS).startApi();
        a.streams.start();
        b.streams.start();
        awaitBothRunning();
    }

    @AfterAll
    void stopEverything() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    // ---- lookups over command-status, on either instance -------------------------------------------------

    @Test
    void aTransferResultIsAnsweredByEitherInstanceForEveryPartition() {
        // given results for transfers of users spread over every partition
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String id = "spread-" + i;
            ids.add(id);
            settle(CommandKind.INTERNAL_TRANSFER, id, 100 + i, ResultStatus.ACCEPTED);
        }
        // when each is looked up on both instances
        Set<String> servers = new HashSet<>();
        Set<String> forwarded = new HashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            for (ApiInstance asked : List.of(a, b)) {
                Http.Reply reply = awaitStatus(asked.baseUrl() + "/api/v1/transfers/" + id + "?user_id=" + (100 + i), 200);
                // then both answer the same result, and the owner says it served it
                assertThat(reply.json().get("request_id").asText()).isEqualTo(id);
                assertThat(reply.json().get("status").asText()).isEqualTo("ACCEPTED");
                String servedBy = reply.header(StoreLookup.SERVED_BY_HEADER);
                servers.add(servedBy);
                if (!servedBy.equals(asked.server())) {
                    forwarded.add(id);
                }
            }
        }
        assertThat(servers).containsExactlyInAnyOrder(a.server(), b.server());
        assertThat(forwarded).isNotEmpty();
        assertThat(a.registry.counter("settlement.http.lookups", "outcome", "forwarded").count()
                + b.registry.counter("settlement.http.lookups", "outcome", "forwarded").count()).isPositive();
    }

    @Test
    void aForwardedLookupThatReachesANonOwnerIsNeverForwardedAgain() {
        // given a result and the instance that owns it
        settle(CommandKind.INTERNAL_TRANSFER, "no-loop", 5, ResultStatus.ACCEPTED);
        String owner = awaitStatus(a.baseUrl() + "/api/v1/transfers/no-loop?user_id=5", 200).header(StoreLookup.SERVED_BY_HEADER);
        ApiInstance nonOwner = owner.equals(a.server()) ? b : a;
        // when the non-owner receives it marked as already forwarded
        Http.Reply reply = http.get(nonOwner.baseUrl() + "/api/v1/transfers/no-loop?user_id=5", StoreLookup.FORWARDED_BY_HEADER, "10.9.9.9:1");
        // then it answers 503 with Retry-After instead of forwarding once more
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.code()).isEqualTo("STORE_UNAVAILABLE");
        assertThat(reply.header("Retry-After")).isEqualTo("1");
    }

    @Test
    void theOwnerThatDoesNotAnswerIsAForwardFailedWithRetryAfter() {
        // given a user owned by b, and b's HTTP API down while its streams keep running
        long user = userOwnedBy(b, 1);
        b.api.close();
        try {
            // when a is asked for one of the user's transfers
            Http.Reply reply = http.get(a.baseUrl() + "/api/v1/transfers/unreachable?user_id=" + user);
            // then a answers 503 FORWARD_FAILED
            assertThat(reply.status()).as(reply.toString()).isEqualTo(503);
            assertThat(reply.code()).isEqualTo("FORWARD_FAILED");
            assertThat(reply.header("Retry-After")).isEqualTo("1");
        } finally {
            b.startApi();
        }
    }

    @Test
    void aTradeAnswersFromTheCoordinatorsStoreSettledRejectedOrPendingWithEachLegsProgress() {
        // given a buyer with 1000 USDT and a seller with 1 BTC in SPOT, a buyer whose SPOT ETH is
        // 1000 minor units short of overflowing a long, and a seller with 5000 minor units of ETH
        long buyer = 7001;
        long seller = 7002;
        long whale = 7003;
        // (on another partition: one task's EXTERNAL could not hold both deposits)
        long ethSeller = 7004;
        while (UserPartitioner.partitionOf(ethSeller, PARTITIONS) == UserPartitioner.partitionOf(whale, PARTITIONS)) {
            ethSeller++;
        }
        fundSpot(buyer, "USDT", 1_000_000_000L);
        fundSpot(seller, "BTC", 100_000_000L);
        fundSpot(whale, "ETH", Long.MAX_VALUE - 1_000);
        fundSpot(whale, "USDT", 1_000_000L);
        fundSpot(ethSeller, "ETH", 5_000L);

        // when a trade with fees settles, one whose seller is short is refunded, and one whose
        // buyer could not take what it buys is rejected at the buyer's debit, where the chain ends
        // (docs/trades.md, "The protocol: a chain": the seller's debit is never sent)
        sendTrade(trade("t-http-ok", "BTC", "USDT", 10_000_000L, 500_000_000L, buyer, 10_000L, seller, 1_000_000L));
        sendTrade(trade("t-http-short", "BTC", "USDT", 500_000_000L, 100_000_000L, buyer, 0, seller, 0));
        sendTrade(trade("t-http-overflow", "ETH", "USDT", 5_000L, 1_000_000L, whale, 0, ethSeller, 0));

        // then every instance answers each trade's state from the trades store
        Http.Reply settled = awaitTrade(a, "t-http-ok", "SETTLED");
        assertThat(settled.json().get("reason").isNull()).isTrue();
        assertThat(settled.json().get("buyer_user_id").asLong()).isEqualTo(buyer);
        assertThat(settled.json().get("seller_user_id").asLong()).isEqualTo(seller);
        assertThat(settled.json().get("base_qty").asText()).isEqualTo("0.10000000");
        assertThat(settled.json().get("quote_qty").asText()).isEqualTo("500.000000");
        assertThat(settled.json().get("processed_at").asText()).isNotBlank();
        assertLegs(settled, "ACCEPTED", "ACCEPTED", "ACCEPTED", "ACCEPTED", "NOT_SENT", "NOT_SENT");

        Http.Reply rejected = awaitTrade(b, "t-http-short", "REJECTED");
        assertThat(rejected.json().get("reason").asText()).isEqualTo("INSUFFICIENT_AVAILABLE");
        assertLegs(rejected, "ACCEPTED", "REJECTED", "NOT_SENT", "NOT_SENT", "ACCEPTED", "NOT_SENT");

        for (ApiInstance asked : List.of(a, b)) {
            Http.Reply overflow = awaitTrade(asked, "t-http-overflow", "REJECTED");
            assertThat(overflow.json().get("reason").asText()).isEqualTo("AMOUNT_OVERFLOW");
            assertThat(overflow.json().get("processed_at").asText()).isNotBlank();
            assertLegs(overflow, "REJECTED", "NOT_SENT", "NOT_SENT", "NOT_SENT", "NOT_SENT", "NOT_SENT");
        }
        Set<String> servedBy = new HashSet<>();
        for (String id : List.of("t-http-ok", "t-http-short", "t-http-overflow")) {
            for (ApiInstance asked : List.of(a, b)) {
                servedBy.add(http.get(asked.baseUrl() + "/api/v1/trades/" + id).header(StoreLookup.SERVED_BY_HEADER));
            }
        }
        assertThat(servedBy).doesNotContainNull();
        assertError(http.get(a.baseUrl() + "/api/v1/trades/never-traded"), 404, "NOT_FOUND");
        assertError(http.get(b.baseUrl() + "/api/v1/trades/never-traded"), 404, "NOT_FOUND");
        // the settled trade moved 0.1 BTC (fee 0.0001) and 500 USDT (fee 1)
        assertThat(balance(b, buyer, "SPOT", "BTC").get("available").asText()).isEqualTo("0.09990000");
        assertThat(balance(a, seller, "SPOT", "USDT").get("available").asText()).isEqualTo("499.000000");
        assertThat(balance(a, buyer, "SPOT", "USDT").get("available").asText()).isEqualTo("500.000000");
        assertLedgerInvariants();
    }

    private void assertLegs(Http.Reply reply, String buyerDebit, String sellerDebit, String buyerCredit, String sellerCredit,
                            String buyerRefund, String sellerRefund) {
        JsonNode legs = reply.json().get("legs");
        assertThat(List.of(legs.get("buyer_debit").asText(), legs.get("seller_debit").asText(), legs.get("buyer_credit").asText(),
                legs.get("seller_credit").asText(), legs.get("buyer_refund").asText(), legs.get("seller_refund").asText()))
                .as(reply.toString())
                .containsExactly(buyerDebit, sellerDebit, buyerCredit, sellerCredit, buyerRefund, sellerRefund);
    }

    private Http.Reply awaitTrade(ApiInstance asked, String tradeId, String status) {
        Http.Reply[] last = new Http.Reply[1];
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            last[0] = http.get(asked.baseUrl() + "/api/v1/trades/" + tradeId);
            assertThat(last[0].status()).as(last[0].toString()).isEqualTo(200);
            assertThat(last[0].json().get("status").asText()).as(last[0].toString()).isEqualTo(status);
        });
        return last[0];
    }

    /** A deposit into FUNDING moved on to SPOT, both awaited. */
    private void fundSpot(long user, String asset, long amount) {
        String id = "fund-" + user + "-" + asset;
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
        a.publisher.publishBalanceOperation(new BalanceOperation(id, user, now, new Deposit(asset, amount)));
        awaitResult(a, "/api/v1/commands/DEPOSIT/" + id + "?user_id=" + user, "ACCEPTED");
        a.publisher.publishTransfer(new TransferRequest(id, user, Wallet.FUNDING, Wallet.SPOT, asset, amount, now));
        awaitResult(a, "/api/v1/commands/INTERNAL_TRANSFER/" + id + "?user_id=" + user, "ACCEPTED");
    }

    private static Trade trade(String id, String base, String quote, long baseQty, long quoteQty,
                               long buyer, long buyerFee, long seller, long sellerFee) {
        return new Trade(id, base + quote, base, quote, baseQty, quoteQty, new TradeParty(buyer, null, buyerFee),
                new TradeParty(seller, null, sellerFee), Instant.ofEpochMilli(System.currentTimeMillis()));
    }

    private void sendTrade(Trade trade) {
        try (KafkaProducer<Bytes, Trade> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                topics.trades().keySerde().serializer(), topics.trades().valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(topics.trades().name(), Bytes.wrap(trade.getSymbol().getBytes(StandardCharsets.UTF_8)), trade)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aCommandIsFoundByKindAndIdOrByItsQualifiedKey() {
        // given a result of a deposit
        settle(CommandKind.DEPOSIT_CONFIRMED, "dc-1", 21, ResultStatus.REJECTED);
        // when looked up both ways, then both answer it
        Http.Reply byKind = awaitStatus(a.baseUrl() + "/api/v1/commands/DEPOSIT_CONFIRMED/dc-1?user_id=21", 200);
        Http.Reply byKey = http.get(b.baseUrl() + "/api/v1/commands/deposit_confirmed:21:dc-1");
        assertThat(byKey.status()).isEqualTo(200);
        assertThat(byKind.json()).isEqualTo(byKey.json());
        assertThat(byKind.json().get("key").asText()).isEqualTo("DEPOSIT_CONFIRMED:21:dc-1");
        assertThat(byKind.json().get("reason").asText()).isEqualTo("UNKNOWN_DEPOSIT");
        // and the errors of the command routes
        assertThat(http.get(a.baseUrl() + "/api/v1/commands/dc-1").code()).isEqualTo("UNQUALIFIED_COMMAND_ID");
        assertThat(http.get(a.baseUrl() + "/api/v1/commands/NOPE/dc-1").code()).isEqualTo("UNKNOWN_KIND");
        assertThat(http.get(a.baseUrl() + "/api/v1/commands/NOPE:dc-1").status()).isEqualTo(400);
        assertThat(http.get(a.baseUrl() + "/api/v1/commands/TRADE/dc-1").code()).isEqualTo("NOT_FOUND");
    }

    @Test
    void theOriginalTransferStatusRouteAnswersInItsEnvelope() {
        // given an accepted and a rejected transfer
        settle(CommandKind.INTERNAL_TRANSFER, "legacy-ok", 31, ResultStatus.ACCEPTED);
        settle(CommandKind.INTERNAL_TRANSFER, "legacy-no", 31, ResultStatus.REJECTED);
        // when looked up on the original route, then
        Http.Reply ok = awaitStatus(a.baseUrl() + "/api/v1/user/internal_transfer/legacy-ok?user_id=31", 200);
        assertThat(ok.json().get("status").asInt()).isZero();
        assertThat(ok.json().get("msg").asText()).isEqualTo("ok");
        assertThat(ok.json().get("data").get("request_id").asText()).isEqualTo("legacy-ok");
        assertThat(ok.json().get("data").get("status").asText()).isEqualTo("success");
        Http.Reply failed = awaitStatus(b.baseUrl() + "/api/v1/user/internal_transfer/legacy-no?user_id=31", 200);
        assertThat(failed.json().get("data").get("status").asText()).isEqualTo("failed");
        assertThat(failed.json().get("data").get("reason").asText()).isEqualTo("INSUFFICIENT_AVAILABLE");
        Http.Reply unknown = http.get(a.baseUrl() + "/api/v1/user/internal_transfer/never?user_id=31");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("status").asInt()).isEqualTo(-1);
        assertThat(unknown.code()).isEqualTo("NOT_FOUND");
    }

    // ---- commands ---------------------------------------------------------------------------------------

    @Test
    void aTransferRetriedWithTheSameIdempotencyKeyIsPublishedOnceOnTheContractsPartition() {
        // given a transfer body and an Idempotency-Key
        long userId = 4242;
        String body = "{\"user_id\":4242,\"from_wallet\":\"FUNDING\",\"to_wallet\":\"SPOT\",\"asset\":\"BTC\",\"amount\":\"0.25\"}";
        // when it is posted twice with the key
        Http.Reply first = http.post(a.baseUrl() + "/api/v1/transfers", body, "Idempotency-Key", "retry-me");
        Http.Reply retry = http.post(a.baseUrl() + "/api/v1/transfers", body, "Idempotency-Key", "retry-me");
        // then both answer 202 with the same request id and status URL
        assertThat(first.status()).as(first.toString()).isEqualTo(202);
        assertThat(retry.status()).isEqualTo(202);
        String requestId = first.json().get("request_id").asText();
        assertThat(retry.json().get("request_id").asText()).isEqualTo(requestId);
        assertThat(first.json().get("status_url").asText()).isEqualTo("/api/v1/transfers/" + requestId + "?user_id=4242");
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        // and the key gives the same id on the other instance too (derived, not remembered)
        String sentinel = http.post(b.baseUrl() + "/api/v1/transfers",
                "{\"user_id\":4242,\"from_wallet\":\"SPOT\",\"to_wallet\":\"FUNDING\",\"asset\":\"ETH\",\"amount\":\"1\"}")
                .json().get("request_id").asText();
        assertThat(CommandIntake.requestIdFor(java.util.Optional.empty(), java.util.Optional.of("retry-me"), userId)).isEqualTo(requestId);
        // and exactly one record was published, on the partition the contract gives the user
        List<ConsumerRecord<byte[], byte[]>> records = readTransfersUntil(sentinel);
        List<ConsumerRecord<byte[], byte[]>> mine = records.stream()
                .filter(r -> transfer(r).getRequestId().equals(requestId)).toList();
        assertThat(mine).hasSize(1);
        assertThat(mine.get(0).partition()).isEqualTo(UserPartitioner.partitionOf(userId, PARTITIONS));
        TransferRequest published = transfer(mine.get(0));
        assertThat(published.getAmount()).isEqualTo(25_000_000L);
        assertThat(published.getUserId()).isEqualTo(userId);
    }

    @Test
    void theSameIdempotencyKeyWithOtherContentIsAConflict() {
        String body = "{\"user_id\":77,\"from_wallet\":\"FUNDING\",\"to_wallet\":\"SPOT\",\"asset\":\"BTC\",\"amount\":\"1\"}";
        assertThat(http.post(a.baseUrl() + "/api/v1/transfers", body, "Idempotency-Key", "k-77").status()).isEqualTo(202);
        Http.Reply conflict = http.post(a.baseUrl() + "/api/v1/transfers", body.replace("\"1\"", "\"2\""), "Idempotency-Key", "k-77");
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.code()).isEqualTo("ID_CONFLICT");
    }

    @Test
    void aClientRequestIdIsKeptAndAnsweredPendingUntilItsResultExists() {
        // given a transfer posted with the client's own request id through a third API whose publisher holds it back
        List<TransferRequest> heldBack = new CopyOnWriteArrayList<>();
        try (ApiOnStreams c = new ApiOnStreams(a.streams, new RecordingPublisher(heldBack))) {
            Http.Reply posted = http.post(c.baseUrl() + "/api/v1/transfers",
                    "{\"user_id\":55,\"from_wallet\":\"SPOT\",\"to_wallet\":\"FUNDING\",\"asset\":\"USDT\",\"amount\":\"12.5\",\"request_id\":\"client-55\"}");
            assertThat(posted.status()).isEqualTo(202);
            assertThat(posted.json().get("request_id").asText()).isEqualTo("client-55");
            assertThat(heldBack).singleElement().satisfies(t -> assertThat(t.getAmount()).isEqualTo(12_500_000L));
            // when it is looked up before any result exists (the owner answers 404, forwarded or not)
            Http.Reply pending = http.get(c.baseUrl() + "/api/v1/transfers/client-55?user_id=55");
            Http.Reply legacyPending = http.get(c.baseUrl() + "/api/v1/user/internal_transfer/client-55?user_id=55");
            // then the instance that submitted it says pending, another says not found
            assertThat(pending.status()).as(pending.toString()).isEqualTo(200);
            assertThat(pending.json().get("status").asText()).isEqualTo("PENDING");
            assertThat(legacyPending.json().get("data").get("status").asText()).isEqualTo("pending");
            assertThat(http.get(a.baseUrl() + "/api/v1/transfers/client-55?user_id=55").code()).isEqualTo("NOT_FOUND");
            // and a publisher failure is a 503 the client may retry with the same id
            Http.Reply failed = http.post(c.baseUrl() + "/api/v1/transfers",
                    "{\"user_id\":55,\"from_wallet\":\"SPOT\",\"to_wallet\":\"FUNDING\",\"asset\":\"USDT\",\"amount\":\"1\",\"request_id\":\"fail-1\"}");
            assertThat(failed.status()).isEqualTo(503);
            assertThat(failed.code()).isEqualTo("PUBLISH_FAILED");
            assertThat(failed.header("Retry-After")).isEqualTo("1");
        }
    }

    @Test
    void aDepositAndItsConfirmationArePublishedAsBalanceOperations() {
        Http.Reply deposit = http.post(a.baseUrl() + "/wallet/deposit",
                "{\"user_id\":901,\"currency\":\"btc\",\"amount\":\"1.5\",\"transaction_id\":\"tx-901\"}");
        assertThat(deposit.status()).as(deposit.toString()).isEqualTo(202);
        assertThat(deposit.json().get("deposit_id").asText()).isEqualTo("tx-901");
        assertThat(deposit.json().get("status_url").asText()).isEqualTo("/api/v1/commands/DEPOSIT_INITIATED/tx-901?user_id=901");
        Http.Reply confirm = http.post(b.baseUrl() + "/wallet/deposit/confirm", "{\"user_id\":901,\"transaction_id\":\"tx-901\"}");
        assertThat(confirm.status()).isEqualTo(202);
        assertThat(confirm.json().get("status_url").asText()).isEqualTo("/api/v1/commands/DEPOSIT_CONFIRMED/tx-901?user_id=901");
        List<BalanceOperation> operations = readOperations(901, 2);
        assertThat(operations).extracting(op -> op.getOperation().getClass().getSimpleName())
                .containsExactly("DepositInitiated", "DepositConfirmed");
        assertThat(operations.get(0).getOperation()).hasToString(
                new io.settlement.avro.DepositInitiated("tx-901", "BTC", 150_000_000L).toString());
    }

    @Test
    void theOriginalTransferRouteAcceptsItsOwnBodyShape() {
        Http.Reply reply = http.post(a.baseUrl() + "/api/v1/user/internal_transfer",
                "{\"from_account\":{\"account_type\":\"funding\",\"asset\":\"USDT\"},"
                        + "\"to_account\":{\"account_type\":\"spot\",\"user_id\":3001,\"asset\":\"USDT\"},\"amount\":\"1000.00000000\"}");
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.json().get("status").asInt()).isZero();
        JsonNode data = reply.json().get("data");
        assertThat(data.get("status").asText()).isEqualTo("pending");
        assertThat(data.get("amount").asText()).isEqualTo("1000.000000");
        assertThat(data.get("to_account").get("user_id").asLong()).isEqualTo(3001);
        assertThat(data.get("request_id").asText()).isNotBlank();
    }

    // ---- who may see what ----------------------------------------------------------------------------------

    @Test
    void twoUsersChoosingTheSameRequestIdAreBothAcceptedAndEachSeesOnlyItsOwn() {
        // given three funded users: two on one partition, the third on another
        long first = 8101;
        long samePartition = first + 1;
        while (UserPartitioner.partitionOf(samePartition, PARTITIONS) != UserPartitioner.partitionOf(first, PARTITIONS)) {
            samePartition++;
        }
        long otherPartition = first + 1;
        while (UserPartitioner.partitionOf(otherPartition, PARTITIONS) == UserPartitioner.partitionOf(first, PARTITIONS)) {
            otherPartition++;
        }
        List<Long> users = List.of(first, samePartition, otherPartition);
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
        for (long user : users) {
            a.publisher.publishBalanceOperation(new BalanceOperation("fund-same-id", user, now, new Deposit("BTC", 100_000_000L)));
            awaitResult(a, "/api/v1/commands/DEPOSIT/fund-same-id?user_id=" + user, "ACCEPTED");
        }
        // when each posts a transfer with the same request id and its own token, each for a different amount
        for (int i = 0; i < users.size(); i++) {
            long user = users.get(i);
            Http.Reply posted = Http.as(TestTokens.user(user)).post(a.baseUrl() + "/api/v1/transfers", "{\"request_id\":\"tr-same\",\"user_id\":"
                    + user + ",\"from_wallet\":\"FUNDING\",\"to_wallet\":\"SPOT\",\"asset\":\"BTC\",\"amount\":\"0." + (i + 1) + "\"}");
            assertThat(posted.status()).as(posted.toString()).isEqualTo(202);
        }
        // then each is ACCEPTED, each user reads its own on either instance, and nobody else's
        for (int i = 0; i < users.size(); i++) {
            long user = users.get(i);
            Http client = Http.as(TestTokens.user(user));
            for (ApiInstance asked : List.of(a, b)) {
                await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                    Http.Reply own = client.get(asked.baseUrl() + "/api/v1/transfers/tr-same");
                    assertThat(own.status()).as(own.toString()).isEqualTo(200);
                    assertThat(own.json().get("status").asText()).as(own.toString()).isEqualTo("ACCEPTED");
                    assertThat(own.json().get("user_id").asLong()).isEqualTo(user);
                });
                assertThat(balance(asked, user, "SPOT", "BTC").get("available").asText()).isEqualTo("0." + (i + 1) + "0000000");
            }
            for (long other : users) {
                if (other != user) {
                    assertError(client.get(a.baseUrl() + "/api/v1/transfers/tr-same?user_id=" + other), 404, "NOT_FOUND");
                    assertError(client.get(b.baseUrl() + "/api/v1/users/" + other + "/balances"), 404, "NOT_FOUND");
                }
            }
        }
        assertLedgerInvariants();
    }

    @Test
    void aForwardedLookupCarriesTheCallersTokenAndTheOwnerChecksItAgain() {
        // given a user's result owned by b
        long user = userOwnedBy(b, 8201);
        String id = "fwd-1";
        settle(CommandKind.INTERNAL_TRANSFER, id, user, ResultStatus.ACCEPTED);
        Http owner = Http.as(TestTokens.user(user));
        // when the user asks a, then a forwards with the user's token and b answers the user's own result
        Http.Reply forwarded = awaitStatusAs(owner, a.baseUrl() + "/api/v1/transfers/" + id, 200);
        assertThat(forwarded.header(StoreLookup.SERVED_BY_HEADER)).isEqualTo(b.server());
        assertThat(forwarded.json().get("user_id").asLong()).isEqualTo(user);
        // and another user asking a for it is refused before any forwarding
        assertError(Http.as(TestTokens.user(user + 1)).get(a.baseUrl() + "/api/v1/transfers/" + id + "?user_id=" + user), 404, "NOT_FOUND");
        // and a request dressed as forwarded but without a token is refused by the owner itself
        assertError(Http.anonymous().get(b.baseUrl() + "/api/v1/transfers/" + id + "?user_id=" + user,
                StoreLookup.FORWARDED_BY_HEADER, a.server()), 401, "UNAUTHENTICATED");
        assertError(Http.anonymous().get(a.baseUrl() + "/api/v1/users/" + user + "/balances"), 401, "UNAUTHENTICATED");
        // and health stays open for probes
        assertThat(Http.anonymous().get(a.baseUrl() + "/health").status()).isEqualTo(200);
    }

    private Http.Reply awaitStatusAs(Http client, String url, int status) {
        Http.Reply[] last = new Http.Reply[1];
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            last[0] = client.get(url);
            assertThat(last[0].status()).as(last[0].toString()).isEqualTo(status);
        });
        return last[0];
    }

    // ---- balances (the balance processor of the core) ---------------------------------------------------

    @Test
    void depositsConfirmationsAndTransfersShowInEveryUsersBalancesOnEitherInstance() {
        List<Long> users = List.of(1001L, 1002L, 1003L, 1004L, 1005L, 1006L, 1007L, 1008L);
        // given a deposit of 1.5 BTC per user, initiated then confirmed
        for (long user : users) {
            assertThat(http.post(a.baseUrl() + "/wallet/deposit", "{\"user_id\":" + user
                    + ",\"currency\":\"BTC\",\"amount\":\"1.5\",\"transaction_id\":\"bal-" + user + "\"}").status()).isEqualTo(202);
        }
        for (long user : users) {
            awaitResult(a, "/api/v1/commands/DEPOSIT_INITIATED/bal-" + user + "?user_id=" + user, "ACCEPTED");
            JsonNode funding = balance(b, user, "FUNDING", "BTC");
            assertThat(funding.get("pending").asText()).isEqualTo("1.50000000");
            assertThat(funding.get("available").asText()).isEqualTo("0.00000000");
            assertThat(http.post(b.baseUrl() + "/wallet/deposit/confirm", "{\"user_id\":" + user
                    + ",\"transaction_id\":\"bal-" + user + "\"}").status()).isEqualTo(202);
        }
        // when each user moves 0.5 BTC from FUNDING to SPOT
        Map<Long, String> transfers = new HashMap<>();
        for (long user : users) {
            awaitResult(b, "/api/v1/commands/DEPOSIT_CONFIRMED/bal-" + user + "?user_id=" + user, "ACCEPTED");
            Http.Reply posted = http.post(a.baseUrl() + "/api/v1/transfers", "{\"user_id\":" + user
                    + ",\"from_wallet\":\"FUNDING\",\"to_wallet\":\"SPOT\",\"asset\":\"BTC\",\"amount\":\"0.5\"}",
                    "Idempotency-Key", "move-" + user);
            transfers.put(user, posted.json().get("request_id").asText());
        }
        // then both instances show the same balances for every user, in both shapes
        for (long user : users) {
            awaitResult(b, "/api/v1/transfers/" + transfers.get(user) + "?user_id=" + user, "ACCEPTED");
            for (ApiInstance asked : List.of(a, b)) {
                assertThat(balance(asked, user, "FUNDING", "BTC").get("available").asText()).isEqualTo("1.00000000");
                assertThat(balance(asked, user, "FUNDING", "BTC").get("pending").asText()).isEqualTo("0.00000000");
                assertThat(balance(asked, user, "SPOT", "BTC").get("available").asText()).isEqualTo("0.50000000");
                Http.Reply legacy = http.get(asked.baseUrl() + "/api/user/balance?user_id=" + user);
                assertThat(legacy.raw().body()).isEqualTo("{\"status\":0,\"msg\":\"ok\",\"data\":[{\"asset\":\"BTC\",\"avail\":\"0.5\",\"frozen\":\"0\"}]}");
            }
        }
        assertThat(http.get(a.baseUrl() + "/api/v1/users/999999/balances").json().get("balances")).isEmpty();
        measureLookupLatency(users);
        assertLedgerInvariants();
    }

    @Test
    void aConfirmationThatOvertakesItsDepositAppliesWhenRetriedAndAChainTransactionPaysEachUserOnce() {
        long alice = 1101;
        long bob = 1102;
        String aliceConfirm = "{\"user_id\":" + alice + ",\"transaction_id\":\"tx-shared\"}";
        // given Alice's confirmation overtakes her deposit: rejected, without claiming its id
        assertThat(http.post(a.baseUrl() + "/wallet/deposit/confirm", aliceConfirm).status()).isEqualTo(202);
        awaitResult(a, "/api/v1/commands/DEPOSIT_CONFIRMED/tx-shared?user_id=" + alice, "REJECTED");

        // when one chain transaction pays both users, and the wallet service retries Alice's confirmation on the same instance
        for (long user : List.of(alice, bob)) {
            assertThat(http.post(b.baseUrl() + "/wallet/deposit", "{\"user_id\":" + user
                    + ",\"currency\":\"BTC\",\"amount\":\"" + (user == alice ? "1" : "2") + "\",\"transaction_id\":\"tx-shared\"}").status())
                    .isEqualTo(202);
            awaitResult(b, "/api/v1/commands/DEPOSIT_INITIATED/tx-shared?user_id=" + user, "ACCEPTED");
        }
        assertThat(http.post(a.baseUrl() + "/wallet/deposit/confirm", aliceConfirm).status()).isEqualTo(202);
        assertThat(http.post(a.baseUrl() + "/wallet/deposit/confirm", "{\"user_id\":" + bob + ",\"transaction_id\":\"tx-shared\"}").status())
                .isEqualTo(202);

        // then each user is credited once, in the order their commands finally applied
        for (long user : List.of(alice, bob)) {
            await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                Http.Reply reply = http.get(b.baseUrl() + "/api/v1/commands/DEPOSIT_CONFIRMED/tx-shared?user_id=" + user);
                assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
                assertThat(reply.json().get("status").asText()).as(reply.toString()).isEqualTo("ACCEPTED");
            });
            JsonNode funding = balance(a, user, "FUNDING", "BTC");
            assertThat(funding.get("available").asText()).isEqualTo(user == alice ? "1.00000000" : "2.00000000");
            assertThat(funding.get("pending").asText()).isEqualTo("0.00000000");
        }
        assertLedgerInvariants();
    }

    /** How many 2-second waits a read-your-writes lookup may take on a loaded machine. */
    static final int RYW_ATTEMPTS = 30;

    @Test
    void aLookupThatSendsBackTheCommandOfA202SeesThatCommandOnEitherInstance() {
        long user = 7301;
        // given a deposit initiated over HTTP, its 202 naming the command
        Http.Reply deposit = http.post(a.baseUrl() + "/wallet/deposit", "{\"user_id\":" + user
                + ",\"currency\":\"BTC\",\"amount\":\"2\",\"transaction_id\":\"ryw-" + user + "\"}");
        assertThat(deposit.status()).as(deposit.toString()).isEqualTo(202);
        String initiated = deposit.header("X-Settlement-Command");
        assertThat(initiated).isEqualTo("DEPOSIT_INITIATED:" + user + ":ryw-" + user);
        Http.Reply pending = afterCommand(b.baseUrl() + "/api/v1/users/" + user + "/balances", initiated);
        assertThat(pending.status()).as(pending.toString()).isEqualTo(200);
        assertThat(row(pending, "FUNDING", "BTC").get("pending").asText()).isEqualTo("2.00000000");

        // when, behind a backlog of other users' deposits on the same partition (so the confirmation is
        // settled well after its 202), the confirmation's command is sent back on the very next lookup, on the other instance
        int partition = UserPartitioner.partitionOf(UserPartitioner.keyBytes(user), PARTITIONS);
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
        try (KafkaProducer<Long, BalanceOperation> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                topics.balanceOperations().keySerde().serializer(), topics.balanceOperations().valueSerde().serializer())) {
            int backlog = 0;
            for (long other = 1_000_001; backlog < RYW_BACKLOG; other++) { // users no other test touches
                if (UserPartitioner.partitionOf(UserPartitioner.keyBytes(other), PARTITIONS) == partition) {
                    producer.send(new ProducerRecord<>(topics.balanceOperations().name(), partition, other,
                            new BalanceOperation("backlog-" + other, other, now, new Deposit("BTC", 1L))));
                    backlog++;
                }
            }
            producer.flush();
        }
        Http.Reply confirm = http.post(b.baseUrl() + "/wallet/deposit/confirm", "{\"user_id\":" + user
                + ",\"transaction_id\":\"ryw-" + user + "\"}");
        String confirmedCommand = confirm.header("X-Settlement-Command");
        Http.Reply confirmed = afterCommand(a.baseUrl() + "/api/v1/users/" + user + "/balances", confirmedCommand);

        // then the first answer holds it: never the balance from before the command
        assertThat(confirmed.status()).as(confirmed.toString()).isEqualTo(200);
        assertThat(row(confirmed, "FUNDING", "BTC").get("available").asText()).isEqualTo("2.00000000");
        assertThat(row(confirmed, "FUNDING", "BTC").get("pending").asText()).isEqualTo("0.00000000");
        Http.Reply status = afterCommand(b.baseUrl() + "/api/v1/commands/DEPOSIT_CONFIRMED/ryw-" + user + "?user_id=" + user,
                confirmedCommand);
        assertThat(status.json().get("status").asText()).as(status.toString()).isEqualTo("ACCEPTED");
        // and a command that was never applied is 503 NOT_YET_APPLIED after the wait, a malformed one 400
        Http.Reply notYet = http.get(a.baseUrl() + "/api/v1/users/" + user + "/balances",
                "X-Settlement-After-Command", "DEPOSIT_CONFIRMED:" + user + ":never-sent");
        assertError(notYet, 503, "NOT_YET_APPLIED");
        assertThat(notYet.header("Retry-After")).isEqualTo("1");
        assertError(http.get(a.baseUrl() + "/api/v1/users/" + user + "/balances", "X-Settlement-After-Command", "TRADE:1:t-1"),
                400, "INVALID_COMMAND_KEY");
        assertLedgerInvariants();
    }

    @Test
    void aPartitionWhoseTaskDoesNotRunHereIsNotReadAsItsActiveReplicaNorTakenToHaveAppliedACommand() {
        // given a deposit initiated for a user whose partition a owns, and seen applied there
        long user = userOwnedBy(a, 7401);
        Http.Reply deposit = http.post(a.baseUrl() + "/wallet/deposit", "{\"user_id\":" + user
                + ",\"currency\":\"BTC\",\"amount\":\"3\",\"transaction_id\":\"restoring-" + user + "\"}");
        assertThat(deposit.status()).as(deposit.toString()).isEqualTo(202);
        String command = deposit.header("X-Settlement-Command");
        String balances = a.baseUrl() + "/api/v1/users/" + user + "/balances";
        assertThat(afterCommand(balances, command).status()).isEqualTo(200);
        int partition = UserPartitioner.partitionOf(UserPartitioner.keyBytes(user), PARTITIONS);

        // when that partition's task does not run on a (as after it moved there, while its stores
        // restore or before they start to: Kafka Streams would let a query read it meanwhile, its
        // commands store perhaps further along than its balances)
        a.running.stopped(partition, StoreNames.BALANCES);
        try {
            // then a lookup sending the command back is not answered from it, and neither is one of the active replica only
            assertError(http.get(balances, "X-Settlement-After-Command", command), 503, "NOT_YET_APPLIED");
            assertError(http.get(balances, StoreLookup.ACTIVE_ONLY_HEADER, "true"), 503, "STORE_UNAVAILABLE");
        } finally {
            a.running.started(partition, StoreNames.BALANCES);
        }

        // and once it runs, it answers again
        Http.Reply restored = http.get(balances, "X-Settlement-After-Command", command);
        assertThat(restored.status()).as(restored.toString()).isEqualTo(200);
        assertThat(row(restored, "FUNDING", "BTC").get("pending").asText()).isEqualTo("3.00000000");
        assertLedgerInvariants();
    }

    /**
     * A lookup sending back {@code command}, as a client does: an answer is either the state with
     * the command applied or 503 NOT_YET_APPLIED after the server's own wait (2 s), which the
     * client repeats. A loaded machine may need a repeat; no answer may show the state before it.
     */
    private Http.Reply afterCommand(String url, String command) {
        for (int attempt = 1; ; attempt++) {
            Http.Reply reply = http.get(url, "X-Settlement-After-Command", command);
            if (reply.status() != 503 || attempt == RYW_ATTEMPTS) {
                if (attempt > 1) {
                    System.out.printf("read-your-writes lookup of %s answered %d after %d attempts of 2 s%n", command, reply.status(), attempt);
                }
                return reply;
            }
            assertError(reply, 503, "NOT_YET_APPLIED");
        }
    }

    private static JsonNode row(Http.Reply reply, String wallet, String asset) {
        for (JsonNode row : reply.json().get("balances")) {
            if (row.get("wallet").asText().equals(wallet) && row.get("asset").asText().equals(asset)) {
                return row;
            }
        }
        throw new AssertionError("no " + wallet + " " + asset + " account in " + reply);
    }

    // ---- errors -----------------------------------------------------------------------------------------

    @Test
    void badInputIsA400WithAStableCode() {
        String url = a.baseUrl() + "/api/v1/transfers";
        assertError(http.post(url, "not json"), 400, "INVALID_JSON");
        assertError(http.post(url, "[1,2]"), 400, "INVALID_JSON");
        assertError(http.post(url, transferBody("\"x\"", "FUNDING", "SPOT", "BTC", "\"1\"")), 400, "INVALID_USER_ID");
        assertError(http.post(url, transferBody("0", "FUNDING", "SPOT", "BTC", "\"1\"")), 400, "INVALID_USER_ID");
        assertError(http.post(url, transferBody("-3", "FUNDING", "SPOT", "BTC", "\"1\"")), 400, "INVALID_USER_ID");
        assertError(http.post(url, transferBody("1.5", "FUNDING", "SPOT", "BTC", "\"1\"")), 400, "INVALID_USER_ID");
        assertError(http.post(url, transferBody("99999999999999999999", "FUNDING", "SPOT", "BTC", "\"1\"")), 400, "INVALID_USER_ID");
        assertError(http.post(url, transferBody("1", "MARGIN", "SPOT", "BTC", "\"1\"")), 400, "UNKNOWN_WALLET");
        assertError(http.post(url, transferBody("1", "SPOT", "SPOT", "BTC", "\"1\"")), 400, "SAME_WALLET");
        assertError(http.post(url, transferBody("1", "FUNDING", "SPOT", "DOGE", "\"1\"")), 400, "UNKNOWN_ASSET");
        assertError(http.post(url, transferBody("1", "FUNDING", "SPOT", "BTC", "\"-1\"")), 400, "INVALID_AMOUNT");
        assertError(http.post(url, transferBody("1", "FUNDING", "SPOT", "BTC", "\"0\"")), 400, "INVALID_AMOUNT");
        assertError(http.post(url, transferBody("1", "FUNDING", "SPOT", "BTC", "true")), 400, "INVALID_AMOUNT");
        assertError(http.post(url, transferBody("1", "FUNDING", "SPOT", "BTC", "\"1e5\"")), 400, "INVALID_AMOUNT");
        assertError(http.post(url, transferBody("1", "FUNDING", "SPOT", "BTC", "\"0.123456789\"")), 400, "TOO_MANY_DECIMALS");
        assertError(http.post(url, transferBody("1", "FUNDING", "SPOT", "BTC", "0.123456789")), 400, "TOO_MANY_DECIMALS");
        assertError(http.post(url, transferBody("1", "FUNDING", "SPOT", "BTC", "\"100000000000\"")), 400, "AMOUNT_TOO_LARGE");
        assertError(http.post(url, transferBody("1", "FUNDING", "SPOT", "BTC", "1e400")), 400, "AMOUNT_TOO_LARGE");
        assertError(http.post(url, "{\"user_id\":1,\"from_wallet\":\"FUNDING\",\"to_wallet\":\"SPOT\",\"asset\":\"BTC\",\"amount\":\"1\",\"request_id\":\"a/b\"}"),
                400, "INVALID_ID");
        assertError(http.post(url, transferBody("1", "FUNDING", "SPOT", "BTC", "\"1\""), "Idempotency-Key", "k".repeat(200)), 400, "INVALID_ID");
        assertError(http.post(a.baseUrl() + "/wallet/deposit", "{\"user_id\":1,\"currency\":\"BTC\",\"amount\":\"1\"}"), 400, "INVALID_ID");
        assertError(http.get(a.baseUrl() + "/api/v1/users/abc/balances"), 400, "INVALID_USER_ID");
        assertError(http.get(a.baseUrl() + "/api/v1/users/0/balances"), 400, "INVALID_USER_ID");
        assertError(http.post(a.baseUrl() + "/api/v1/user/internal_transfer",
                "{\"from_account\":{\"account_type\":\"funding\",\"asset\":\"USDT\"},\"to_account\":{\"account_type\":\"spot\",\"user_id\":1,\"asset\":\"BTC\"},\"amount\":\"1\"}"),
                400, "ASSET_MISMATCH");
        Http.Reply legacy = http.get(a.baseUrl() + "/api/user/balance?user_id=x");
        assertError(legacy, 400, "INVALID_USER_ID");
        assertThat(legacy.json().get("status").asInt()).isEqualTo(-1);
        assertThat(legacy.json().get("msg").asText()).startsWith("INVALID_USER_ID: ");
    }

    @Test
    void unknownRoutesAreA404AndWrongMethodsA405AndHugeBodiesA413() {
        assertError(http.get(a.baseUrl() + "/nope"), 404, "NOT_FOUND");
        assertError(http.get(a.baseUrl() + "/api/v1/transfers/unknown-id?user_id=1"), 404, "NOT_FOUND");
        assertError(http.method("PUT", a.baseUrl() + "/api/v1/transfers"), 405, "METHOD_NOT_ALLOWED");
        assertError(http.method("DELETE", a.baseUrl() + "/health"), 405, "METHOD_NOT_ALLOWED");
        assertError(http.post(a.baseUrl() + "/api/v1/transfers", "{\"pad\":\"" + "x".repeat(20_000) + "\"}"), 413, "PAYLOAD_TOO_LARGE");
    }

    // ---- health and metrics -----------------------------------------------------------------------------

    @Test
    void healthIs200WhenRunningAndShowsEveryRegisteredComponent() {
        a.health.register("scylla-sink", () -> io.settlement.sink.Health.degraded("lagging 12 records"));
        try {
            Http.Reply health = http.get(a.baseUrl() + "/health");
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().get("streams").asText()).isEqualTo("RUNNING");
            assertThat(health.json().get("status").asText()).isEqualTo("DEGRADED");
            assertThat(health.json().get("components").get("scylla-sink").get("detail").asText()).isEqualTo("lagging 12 records");
            assertThat(health.json().get("components").get("scylla-sink").get("status").asText()).isEqualTo("DEGRADED");
        } finally {
            a.health.unregister("scylla-sink");
        }
        assertThat(http.get(a.baseUrl() + "/health").json().get("status").asText()).isEqualTo("UP");
    }

    @Test
    void healthIs503AndLookupsAre503WhileStreamsAreNotRunning() throws Exception {
        // given an instance whose streams never started
        Path stateDir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "not-started");
        try (ApiInstance idle = ApiInstance.create(broker, stateDir, PARTITIONS).startApi()) {
            // when asked, then
            Http.Reply health = http.get(idle.baseUrl() + "/health");
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.json().get("streams").asText()).isEqualTo("CREATED");
            assertThat(health.header("Retry-After")).isEqualTo("1");
            assertError(http.get(idle.baseUrl() + "/api/v1/transfers/x?user_id=1"), 503, "STORE_UNAVAILABLE");
        }
    }

    @Test
    void metricsArePrometheusTextWithKafkaStreamsAndHttpMeters() {
        http.get(a.baseUrl() + "/health");
        Http.Reply metrics = http.get(a.baseUrl() + "/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.header("Content-Type")).startsWith("text/plain");
        assertThat(metrics.raw().body()).contains("settlement_http_requests_seconds_count").contains("kafka_stream_");
    }

    /** Waits until the command is final: the submitting instance answers 200 PENDING until then. */
    private void awaitResult(ApiInstance asked, String path, String status) {
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            Http.Reply reply = http.get(asked.baseUrl() + path);
            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            assertThat(reply.json().get("status").asText()).as(reply.toString()).isNotEqualTo("PENDING");
        });
        Http.Reply reply = http.get(asked.baseUrl() + path);
        assertThat(reply.json().get("status").asText()).as(reply.toString()).isEqualTo(status);
    }

    private JsonNode balance(ApiInstance asked, long user, String wallet, String asset) {
        Http.Reply reply = http.get(asked.baseUrl() + "/api/v1/users/" + user + "/balances");
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        for (JsonNode row : reply.json().get("balances")) {
            if (row.get("wallet").asText().equals(wallet) && row.get("asset").asText().equals(asset)) {
                return row;
            }
        }
        throw new AssertionError("no " + wallet + " " + asset + " account in " + reply);
    }

    /** Prints p50/p99 of balance lookups answered locally and forwarded (a rough number, not an assertion). */
    private void measureLookupLatency(List<Long> users) {
        Map<Boolean, List<Long>> nanosByForwarded = new HashMap<>();
        for (int round = 0; round < 25; round++) {
            for (long user : users) {
                long started = System.nanoTime();
                Http.Reply reply = http.get(a.baseUrl() + "/api/v1/users/" + user + "/balances");
                long took = System.nanoTime() - started;
                assertThat(reply.status()).isEqualTo(200);
                boolean forwarded = !a.server().equals(reply.header(StoreLookup.SERVED_BY_HEADER));
                nanosByForwarded.computeIfAbsent(forwarded, k -> new ArrayList<>()).add(took);
            }
        }
        nanosByForwarded.forEach((forwarded, nanos) -> {
            nanos.sort(null);
            System.out.printf("balance lookup latency (%s, n=%d): p50 %.2f ms, p99 %.2f ms%n",
                    forwarded ? "forwarded" : "local", nanos.size(),
                    nanos.get(nanos.size() / 2) / 1e6, nanos.get((int) (nanos.size() * 0.99)) / 1e6);
        });
    }

    /** The invariants (docs/topology.md): no user bucket is negative; per asset, all accounts (system included) sum to zero. */
    private void assertLedgerInvariants() {
        Map<Integer, Long> sumByAsset = new HashMap<>();
        for (ApiInstance instance : List.of(a, b)) {
            org.apache.kafka.streams.state.ReadOnlyKeyValueStore<io.settlement.topology.balance.BalanceKey, io.settlement.topology.balance.Balance> store =
                    instance.streams.store(org.apache.kafka.streams.StoreQueryParameters.fromNameAndType(StoreNames.BALANCES,
                            org.apache.kafka.streams.state.QueryableStoreTypes.<io.settlement.topology.balance.BalanceKey, io.settlement.topology.balance.Balance>keyValueStore()));
            try (var iterator = store.all()) {
                iterator.forEachRemaining(entry -> {
                    var balance = entry.value;
                    if (entry.key.ownerId() != io.settlement.topology.balance.BalanceKey.SYSTEM_OWNER) {
                        assertThat(balance.available()).as("available of %s", entry.key).isNotNegative();
                        assertThat(balance.frozen()).as("frozen of %s", entry.key).isNotNegative();
                        assertThat(balance.pending()).as("pending of %s", entry.key).isNotNegative();
                    }
                    sumByAsset.merge(entry.key.assetId(), balance.available() + balance.frozen() + balance.pending(), Long::sum);
                });
            }
        }
        assertThat(sumByAsset).isNotEmpty();
        sumByAsset.forEach((asset, sum) -> assertThat(sum).as("sum of asset %d over all accounts", asset).isZero());
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private static String transferBody(String userId, String from, String to, String asset, String amount) {
        return "{\"user_id\":" + userId + ",\"from_wallet\":\"" + from + "\",\"to_wallet\":\"" + to
                + "\",\"asset\":\"" + asset + "\",\"amount\":" + amount + "}";
    }

    private static void assertError(Http.Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.code()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.json().get("message").asText()).isNotBlank();
    }

    private Http.Reply awaitStatus(String url, int status) {
        Http.Reply[] last = new Http.Reply[1];
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            last[0] = http.get(url);
            assertThat(last[0].status()).as(last[0].toString()).isEqualTo(status);
        });
        return last[0];
    }

    private void awaitBothRunning() {
        await().atMost(DEADLINE).until(() -> a.streams.state() == KafkaStreams.State.RUNNING
                && b.streams.state() == KafkaStreams.State.RUNNING
                && !a.streams.metadataForAllStreamsClients().isEmpty()
                && a.streams.metadataForAllStreamsClients().size() == 2);
    }

    /** A user whose partition (and so whose command statuses) {@code owner} holds. */
    private long userOwnedBy(ApiInstance owner, long from) {
        for (long user = from; ; user++) {
            var metadata = a.streams.queryMetadataForKey(StoreNames.COMMANDS, user,
                    new org.apache.kafka.common.serialization.LongSerializer());
            if (metadata.activeHost().equals(owner.settings.applicationServer())) {
                return user;
            }
        }
    }

    /**
     * Has the topology settle a command with that outcome, through real commands (its result is
     * then where lookups read it): an accepted transfer of a funded user, a transfer beyond what
     * the user has (INSUFFICIENT_AVAILABLE), a confirmation of no deposit (UNKNOWN_DEPOSIT).
     */
    private void settle(CommandKind kind, String id, long userId, ResultStatus status) {
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
        if (kind == CommandKind.DEPOSIT_CONFIRMED && status == ResultStatus.REJECTED) {
            a.publisher.publishBalanceOperation(new BalanceOperation(id, userId, now, new DepositConfirmed("no-such-" + id)));
        } else if (kind == CommandKind.INTERNAL_TRANSFER && status == ResultStatus.ACCEPTED) {
            a.publisher.publishBalanceOperation(new BalanceOperation("seed-" + id, userId, now, new Deposit("BTC", 1L)));
            // Two topics have no order between them: the transfer must not overtake the deposit that funds it.
            awaitResult(a, "/api/v1/commands/DEPOSIT/seed-" + id + "?user_id=" + userId, "ACCEPTED");
            a.publisher.publishTransfer(new TransferRequest(id, userId, Wallet.FUNDING, Wallet.SPOT, "BTC", 1L, now));
        } else if (kind == CommandKind.INTERNAL_TRANSFER) {
            a.publisher.publishTransfer(new TransferRequest(id, userId, Wallet.FUNDING, Wallet.SPOT, "BTC", Long.MAX_VALUE / 2, now));
        } else {
            throw new IllegalArgumentException("no way to settle " + kind + " " + status + " here");
        }
    }

    private TransferRequest transfer(ConsumerRecord<byte[], byte[]> record) {
        return topics.transferRequests().valueSerde().deserializer().deserialize(record.topic(), record.value());
    }

    private List<ConsumerRecord<byte[], byte[]>> readTransfersUntil(String sentinelRequestId) {
        List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(topics.transferRequests().name()));
            await().atMost(DEADLINE).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.stream().anyMatch(r -> transfer(r).getRequestId().equals(sentinelRequestId));
            });
        }
        return seen;
    }

    private List<BalanceOperation> readOperations(long userId, int count) {
        List<BalanceOperation> seen = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(topics.balanceOperations().name()));
            await().atMost(DEADLINE).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    BalanceOperation op = topics.balanceOperations().valueSerde().deserializer().deserialize(record.topic(), record.value());
                    if (op.getUserId() == userId) {
                        assertThat(record.partition()).isEqualTo(UserPartitioner.partitionOf(userId, PARTITIONS));
                        seen.add(op);
                    }
                }
                return seen.size() >= count;
            });
        }
        return seen;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** A publisher that keeps what it is given, and fails for request ids starting with "fail-". */
    record RecordingPublisher(List<TransferRequest> transfers) implements CommandPublisher {
        @Override
        public void publishTransfer(TransferRequest request) {
            if (request.getRequestId().startsWith("fail-")) {
                throw new PublishException("broker unreachable (test)", new RuntimeException());
            }
            transfers.add(request);
        }

        @Override
        public void publishBalanceOperation(BalanceOperation operation) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }

    /** A third HttpApi over a running instance's streams, not itself an application.server: it always forwards. */
    static final class ApiOnStreams implements AutoCloseable {
        final HttpApi api;
        final HttpApiConfig settings = HttpApiConfig.of(ApiInstance.HOST, ApiInstance.HOST, FreePorts.freePort());

        ApiOnStreams(KafkaStreams streams, CommandPublisher publisher) {
            api = HttpApi.start(settings, streams, Topics.create(io.settlement.contract.AvroSerdes.SINGLE_OBJECT),
                    Assets.defaults(), publisher, new HealthChecks(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                    TestTokens.SECURITY);
        }

        String baseUrl() {
            return "http://" + ApiInstance.HOST + ":" + settings.port();
        }

        @Override
        public void close() {
            api.close();
        }
    }
}
