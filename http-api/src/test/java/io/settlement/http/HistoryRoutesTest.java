package io.settlement.http;

import io.settlement.testsupport.FreePorts;
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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
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

    @Test
    void givenHistoryCompleteUpToLater_whenBalancesAreAskedAsOfAnInstant_thenEachAccountIsAsOfItsLastChangeAtOrBeforeIt() {
        // given 7 changes one second apart (odd seqs FUNDING, even SPOT), complete up to 00:00:10
        // when asked as of 00:00:04.5 (and as of exactly 00:00:04, which includes the change stamped then)
        for (String asOf : List.of("2026-01-01T00:00:04.500Z", "2026-01-01T00:00:04Z", "2026-01-01T01:00:04%2B01:00",
                "2026-01-01T01:00:04+01:00")) {
            Http.Reply reply = http.get(base(withHistory) + "/api/v1/users/42/balances?as_of=" + asOf);
            // then FUNDING as after seq 3 and SPOT as after seq 4, with the seq and when it changed
            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            JsonNode balances = reply.json().get("balances");
            assertThat(balances).hasSize(2);
            assertThat(balances.get(0).get("wallet").asText()).isEqualTo("FUNDING");
            assertThat(balances.get(0).get("asset").asText()).isEqualTo("BTC");
            assertThat(balances.get(0).get("seq").asLong()).isEqualTo(3);
            assertThat(balances.get(0).get("available").asText()).isEqualTo("0.30000000");
            assertThat(balances.get(0).get("changed_at").asText()).isEqualTo("2026-01-01T00:00:03Z");
            assertThat(balances.get(1).get("wallet").asText()).isEqualTo("SPOT");
            assertThat(balances.get(1).get("seq").asLong()).isEqualTo(4);
            assertThat(reply.json().get("complete_until").asText()).isEqualTo("2026-01-01T00:00:10Z");
        }
    }

    @Test
    void givenAnInstantBeforeTheFirstChange_whenBalancesAreAskedAsOfIt_thenTheUserHasNoAccountsYet() {
        // given the first change at 00:00:01, when asked as of a moment before it
        Http.Reply reply = http.get(base(withHistory) + "/api/v1/users/42/balances?as_of=2026-01-01T00:00:00.999Z");
        // then 200 with no accounts, as the live route answers a user without any
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.json().get("balances")).isEmpty();
        assertThat(reply.json().get("as_of").asText()).isEqualTo("2026-01-01T00:00:00.999Z");
    }

    @Test
    void givenAnInstantLaterThanTheHistoryIsComplete_whenAsked_thenBothRoutesAre503NotCaughtUpWithTheGapAsRetryAfter() {
        // given history complete up to 00:00:10
        String api = base(withHistory);
        // when asked as of 3.2 s later, or for changes up to then
        Http.Reply asOf = http.get(api + "/api/v1/users/42/balances?as_of=2026-01-01T00:00:13.200Z");
        Http.Reply changes = http.get(api + "/api/v1/users/42/balances/history?asset=BTC&to=2026-01-01T00:00:13.200Z");
        // then 503 HISTORY_NOT_CAUGHT_UP, retry after the 4 s (rounded up) the history is missing
        assertError(asOf, 503, "HISTORY_NOT_CAUGHT_UP");
        assertThat(asOf.header("Retry-After")).isEqualTo("4");
        assertError(changes, 503, "HISTORY_NOT_CAUGHT_UP");
        // given a store that has recorded no progress yet, then the same code with the default Retry-After
        Optional<Instant> complete = history.completeUntil.getAndSet(Optional.empty());
        try {
            Http.Reply unknown = http.get(api + "/api/v1/users/42/balances?as_of=2026-01-01T00:00:01Z");
            assertError(unknown, 503, "HISTORY_NOT_CAUGHT_UP");
            assertThat(unknown.header("Retry-After")).isEqualTo("1");
        } finally {
            history.completeUntil.set(complete);
        }
        // and exactly the instant it is complete up to is answered
        assertThat(http.get(api + "/api/v1/users/42/balances?as_of=2026-01-01T00:00:10Z").status()).isEqualTo(200);
    }

    @Test
    void givenBadInstantsOrNoHistoryStore_whenAsked_thenInputIs400FirstAndAMissingStore503Unavailable() {
        String api = base(withHistory);
        for (String bad : List.of("yesterday", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "", "3026-01-01T00:00:00Z")) {
            assertError(http.get(api + "/api/v1/users/42/balances?as_of=" + bad), 400, "INVALID_INSTANT");
            assertError(http.get(api + "/api/v1/users/42/balances/history?asset=BTC&from=" + bad), 400, "INVALID_INSTANT");
        }
        assertError(http.get(api + "/api/v1/users/42/balances/history?asset=BTC&from=2026-01-01T00:00:02Z&to=2026-01-01T00:00:01Z"),
                400, "INVALID_INSTANT");
        assertError(http.get(api + "/api/v1/users/42/balances/history?from=2026-01-01T00:00:02Z"), 400, "UNKNOWN_ASSET");
        assertError(http.get(api + "/api/v1/users/42/balances/history?asset=BTC&limit=501"), 400, "INVALID_LIMIT");
        // given no history store (dev mode), then 503 HISTORY_UNAVAILABLE, after the input checks
        assertError(http.get(base(withoutHistory) + "/api/v1/users/42/balances?as_of=2026-01-01T00:00:01Z"), 503,
                "HISTORY_UNAVAILABLE");
        assertError(http.get(base(withoutHistory) + "/api/v1/users/42/balances/history?asset=BTC"), 503, "HISTORY_UNAVAILABLE");
        assertError(http.get(base(withoutHistory) + "/api/v1/users/42/balances?as_of=now"), 400, "INVALID_INSTANT");
    }

    @Test
    void givenAUserToken_whenItReadsAnotherUsersPastBalancesOrChanges_thenNotFoundButItsOwnAreAnswered() {
        Http user42 = Http.as(TestTokens.user(USER));
        Http user7 = Http.as(TestTokens.user(7));
        String api = base(withHistory);
        for (String path : List.of("/api/v1/users/42/balances?as_of=2026-01-01T00:00:05Z", "/api/v1/users/42/balances/history?asset=BTC")) {
            assertError(user7.get(api + path), 404, "NOT_FOUND");
            assertThat(user42.get(api + path).status()).isEqualTo(200);
            assertError(Http.anonymous().get(api + path), 401, "UNAUTHENTICATED");
        }
    }

    @Test
    void givenSevenChanges_whenTheHistoryIsPagedBetweenTwoInstants_thenEachChangeInRangeComesOnceOldestFirst() {
        // given 7 changes at 00:00:01..07, when paged 2 at a time from 00:00:02 to 00:00:06 (both included)
        List<Long> seqs = new ArrayList<>();
        String url = base(withHistory) + "/api/v1/users/42/balances/history?asset=BTC&from=2026-01-01T00:00:02Z"
                + "&to=2026-01-01T00:00:06Z&limit=2";
        int pages = 0;
        while (url != null) {
            Http.Reply reply = http.get(url);
            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            reply.json().get("changes").forEach(change -> seqs.add(change.get("seq").asLong()));
            JsonNode next = reply.json().get("next_url");
            url = next.isNull() ? null : base(withHistory) + next.asText();
            pages++;
        }
        // then seqs 2..6, once each, oldest first, over 3 pages
        assertThat(seqs).containsExactly(2L, 3L, 4L, 5L, 6L);
        assertThat(pages).isEqualTo(3);
        // and without a to, the page ends where the history is complete, and its next_url says so
        Http.Reply open = http.get(base(withHistory) + "/api/v1/users/42/balances/history?asset=BTC&limit=3");
        assertThat(open.json().get("to").asText()).isEqualTo("2026-01-01T00:00:10Z");
        assertThat(open.json().get("next_url").asText()).contains("&to=2026-01-01T00:00:10Z");
        assertThat(open.json().get("changes").get(0).get("seq").asLong()).isEqualTo(1);
    }

    private static void assertError(Http.Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.code()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.json().get("message").asText()).isNotBlank();
    }

    private HttpApi start(Optional<History> store) {
        HttpApiConfig settings = HttpApiConfig.of(ApiInstance.HOST, ApiInstance.HOST, FreePorts.freePort());
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
        final AtomicReference<Optional<Instant>> completeUntil =
                new AtomicReference<>(Optional.of(Instant.parse("2026-01-01T00:00:10Z")));
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

        @Override
        public Optional<Instant> completeUntil() {
            if (down.get()) {
                throw new UnavailableException("no replica answered (test)", null);
            }
            return completeUntil.get();
        }

        /** Each account's line with the greatest (created_at, seq) at or before the instant: the definition the port states. */
        @Override
        public List<AccountBalance> balancesAsOf(long userId, List<Integer> assetIds, Instant asOf) {
            Map<String, LedgerLine> newest = new LinkedHashMap<>();
            ledger.stream().filter(l -> l.userId() == userId && assetIds.contains(l.assetId()) && !l.createdAt().isAfter(asOf))
                    .sorted(Comparator.comparing(LedgerLine::createdAt).thenComparingLong(LedgerLine::seq))
                    .forEach(l -> newest.put(l.wallet() + "/" + l.assetId(), l));
            return newest.values().stream().map(l -> new AccountBalance(userId, l.wallet(), l.assetId(), l.seq(), l.available(),
                    l.frozen(), l.pending(), l.createdAt())).toList();
        }

        @Override
        public Page<LedgerLine> changes(long userId, int assetId, Instant from, Instant to, int limit, String cursor) {
            List<LedgerLine> lines = ledger.stream().filter(l -> l.userId() == userId && l.assetId() == assetId
                            && !l.createdAt().isBefore(from) && !l.createdAt().isAfter(to))
                    .sorted(Comparator.comparing(LedgerLine::createdAt).thenComparingLong(LedgerLine::seq)).toList();
            return page("changes-" + userId + "-" + assetId + "-" + from + "-" + to, lines, limit, cursor);
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
