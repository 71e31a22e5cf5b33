package io.settlement.http;

import io.settlement.sink.History;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.TransferRequest;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.topology.Assets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The history routes through a real HTTP client against an in-memory {@link History} (the real
 * ScyllaDB-backed one is tested end to end in the app module). No broker: the history routes do
 * not touch Kafka Streams, so the API runs over a KafkaStreams that is never started.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HistoryRoutesTest {
    static final long USER = 42;
    static final int BTC = 1;

    final Http http = new Http();
    final InMemoryHistory history = new InMemoryHistory();
    KafkaStreams streams;
    HttpApi withHistory;
    HttpApi withoutHistory;

    @BeforeAll
    void startTwoApis() throws Exception {
        streams = ApiInstance.neverStarted("history-routes-test");
        withHistory = start(Optional.of(history));
        withoutHistory = start(Optional.empty());
        for (int seq = 1; seq <= 7; seq++) {
            history.ledger.add(new History.LedgerLine(USER, seq % 2 == 0 ? "SPOT" : "FUNDING", BTC, seq,
                    seq * 10_000_000L, 0, 0, 10_000_000L, 0, 0, "DEPOSIT", "d-" + seq, "DEPOSIT:d-" + seq,
                    Instant.parse("2026-01-01T00:00:00Z").plusSeconds(seq)));
        }
        history.trades.add(new History.UserTrade(USER, "t-2", "BUYER", "USDT", 500_000_000L, "BTC", 10_000_000L, 10_000L,
                null, Instant.parse("2026-01-01T00:00:01Z"), Instant.parse("2026-01-01T00:00:02Z"), null, "SETTLED"));
        history.trades.add(new History.UserTrade(USER, "t-1", "SELLER", "BTC", 5_000L, null, null, null, 5_000L,
                Instant.parse("2026-01-01T00:00:00Z"), null, Instant.parse("2026-01-01T00:00:03Z"), "REFUNDED"));
    }

    @AfterAll
    void stop() {
        withHistory.close();
        withoutHistory.close();
        streams.close(Duration.ofSeconds(5));
    }

    @Test
    void theLedgerIsPagedNewestFirstWithAmountsAtTheAssetsScaleUntilTheLastPage() {
        // given 7 balance changes of BTC
        // when the client follows next_url with limit 3
        List<Long> seqs = new ArrayList<>();
        String url = base(withHistory) + "/api/v1/users/42/ledger?asset=btc&limit=3";
        int pages = 0;
        JsonNode first = null;
        while (url != null) {
            Http.Reply reply = http.get(url);
            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            first = first == null ? reply.json() : first;
            reply.json().get("entries").forEach(entry -> seqs.add(entry.get("seq").asLong()));
            JsonNode next = reply.json().get("next_url");
            url = next.isNull() ? null : base(withHistory) + next.asText();
            pages++;
        }
        // then every line came once, newest first, over 3 pages, amounts as decimal strings at scale 8
        assertThat(seqs).containsExactly(7L, 6L, 5L, 4L, 3L, 2L, 1L);
        assertThat(pages).isEqualTo(3);
        assertThat(first.get("user_id").asLong()).isEqualTo(USER);
        assertThat(first.get("asset").asText()).isEqualTo("BTC");
        JsonNode newest = first.get("entries").get(0);
        assertThat(newest.get("wallet").asText()).isEqualTo("FUNDING");
        assertThat(newest.get("available").asText()).isEqualTo("0.70000000");
        assertThat(newest.get("delta_available").asText()).isEqualTo("0.10000000");
        assertThat(newest.get("frozen").asText()).isEqualTo("0.00000000");
        assertThat(newest.get("event_type").asText()).isEqualTo("DEPOSIT");
        assertThat(newest.get("cause_command_id").asText()).isEqualTo("d-7");
        assertThat(newest.get("created_at").asText()).isEqualTo("2026-01-01T00:00:07Z");
        assertThat(first.get("next_cursor").asText()).isNotBlank();
        assertThat(history.lastAssetId).isEqualTo(BTC);
    }

    @Test
    void aUsersTradesShowEachSideWithAmountsInTheirOwnAssetsScale() {
        // given a settled buy and a refunded sell
        // when the trades are read with the default limit
        Http.Reply reply = http.get(base(withHistory) + "/api/v1/users/42/trades");
        // then both sides are there, amounts at the scale of the asset they are in, unapplied legs null
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(history.lastLimit).isEqualTo(HistoryRoutes.LIMIT_DEFAULT);
        JsonNode trades = reply.json().get("trades");
        assertThat(trades).hasSize(2);
        JsonNode bought = trades.get(0);
        assertThat(bought.get("trade_id").asText()).isEqualTo("t-2");
        assertThat(bought.get("status").asText()).isEqualTo("SETTLED");
        assertThat(bought.get("paid").asText()).isEqualTo("500.000000");
        assertThat(bought.get("received").asText()).isEqualTo("0.10000000");
        assertThat(bought.get("fee").asText()).isEqualTo("0.00010000");
        assertThat(bought.get("refunded").isNull()).isTrue();
        JsonNode refunded = trades.get(1);
        assertThat(refunded.get("status").asText()).isEqualTo("REFUNDED");
        assertThat(refunded.get("paid").asText()).isEqualTo("0.00005000");
        assertThat(refunded.get("refunded").asText()).isEqualTo("0.00005000");
        assertThat(refunded.get("received").isNull()).isTrue();
        assertThat(refunded.get("credited_at").isNull()).isTrue();
        assertThat(reply.json().get("next_cursor").isNull()).isTrue();
    }

    @Test
    void aLimitOutsideOneTo500OrABadCursorOrAssetOrUserIsA400() {
        String api = base(withHistory);
        for (String limit : List.of("0", "501", "-1", "ten", "2.5", "")) {
            assertError(http.get(api + "/api/v1/users/42/ledger?asset=BTC&limit=" + limit), 400, "INVALID_LIMIT");
            assertError(http.get(api + "/api/v1/users/42/trades?limit=" + limit), 400, "INVALID_LIMIT");
        }
        assertThat(http.get(api + "/api/v1/users/42/trades?limit=500").status()).isEqualTo(200);
        assertThat(http.get(api + "/api/v1/users/42/ledger?asset=BTC&limit=1").status()).isEqualTo(200);
        assertError(http.get(api + "/api/v1/users/42/ledger?asset=BTC&cursor=not%20base64!"), 400, "INVALID_CURSOR");
        assertError(http.get(api + "/api/v1/users/42/trades?cursor=" + "A".repeat(History.CURSOR_CHARS_MAX + 1)), 400, "INVALID_CURSOR");
        assertError(http.get(api + "/api/v1/users/42/trades?cursor=Zm9yZ2Vk"), 400, "INVALID_CURSOR"); // the store refuses it
        assertError(http.get(api + "/api/v1/users/42/ledger?asset=DOGE"), 400, "UNKNOWN_ASSET");
        assertError(http.get(api + "/api/v1/users/42/ledger"), 400, "UNKNOWN_ASSET");
        assertError(http.get(api + "/api/v1/users/0/ledger?asset=BTC"), 400, "INVALID_USER_ID");
        assertError(http.get(api + "/api/v1/users/abc/trades"), 400, "INVALID_USER_ID");
    }

    @Test
    void withoutAHistoryStoreOrWhileItIsDownTheRoutesAre503HistoryUnavailable() {
        // given an API started without a history store
        for (String path : List.of("/api/v1/users/42/ledger?asset=BTC", "/api/v1/users/42/trades")) {
            // when asked, then 503 with Retry-After
            Http.Reply reply = http.get(base(withoutHistory) + path);
            assertError(reply, 503, "HISTORY_UNAVAILABLE");
            assertThat(reply.header("Retry-After")).isEqualTo("1");
        }
        // input is still checked first
        assertError(http.get(base(withoutHistory) + "/api/v1/users/42/trades?limit=0"), 400, "INVALID_LIMIT");
        // given a store that does not answer, then the same 503
        history.down.set(true);
        try {
            assertError(http.get(base(withHistory) + "/api/v1/users/42/trades"), 503, "HISTORY_UNAVAILABLE");
        } finally {
            history.down.set(false);
        }
        assertThat(http.get(base(withHistory) + "/api/v1/users/42/trades").status()).isEqualTo(200);
    }

    private static void assertError(Http.Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.code()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.json().get("message").asText()).isNotBlank();
    }

    private HttpApi start(Optional<History> store) {
        HttpApiSettings settings = HttpApiSettings.of(ApiInstance.HOST, ApiInstance.HOST, ApiInstance.freePort());
        return HttpApi.start(settings, streams, Topics.create(AvroSerdes.SINGLE_OBJECT), Assets.defaults(), new NoPublisher(),
                new HealthChecks(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), TestTokens.SECURITY, store);
    }

    private static String base(HttpApi api) {
        return "http://" + ApiInstance.HOST + ":" + api.port();
    }

    /** Pages over lists; a cursor is base64url("query:offset"), and one of another query is refused. */
    static final class InMemoryHistory implements History {
        final List<LedgerLine> ledger = new ArrayList<>();
        final List<UserTrade> trades = new ArrayList<>();
        final AtomicBoolean down = new AtomicBoolean();
        volatile int lastLimit;
        volatile int lastAssetId;

        @Override
        public Page<LedgerLine> ledger(long userId, int assetId, int limit, String cursor) {
            lastAssetId = assetId;
            List<LedgerLine> lines = ledger.stream().filter(l -> l.userId() == userId && l.assetId() == assetId)
                    .sorted((x, y) -> y.createdAt().compareTo(x.createdAt())).toList();
            return page("ledger-" + userId + "-" + assetId, lines, limit, cursor);
        }

        @Override
        public Page<UserTrade> trades(long userId, int limit, String cursor) {
            return page("trades-" + userId, trades.stream().filter(t -> t.userId() == userId).toList(), limit, cursor);
        }

        private <T> Page<T> page(String query, List<T> rows, int limit, String cursor) {
            lastLimit = limit;
            if (down.get()) {
                throw new UnavailableException("no replica answered (test)", null);
            }
            int from = 0;
            if (cursor != null) {
                String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
                if (!text.startsWith(query + ":")) {
                    throw new InvalidCursorException("not a cursor of " + query, null);
                }
                from = Integer.parseInt(text.substring(query.length() + 1));
            }
            int to = Math.min(rows.size(), from + limit);
            Optional<String> next = to < rows.size()
                    ? Optional.of(Base64.getUrlEncoder().withoutPadding().encodeToString((query + ":" + to).getBytes(StandardCharsets.UTF_8)))
                    : Optional.empty();
            return new Page<>(rows.subList(from, to), next);
        }
    }

    static final class NoPublisher implements CommandPublisher {
        @Override
        public void publishTransfer(TransferRequest request) {
            throw new UnsupportedOperationException("no commands in this test");
        }

        @Override
        public void publishBalanceOperation(BalanceOperation operation) {
            throw new UnsupportedOperationException("no commands in this test");
        }

        @Override
        public void close() {}
    }
}
