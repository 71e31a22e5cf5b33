package io.settlement.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.settlement.testsupport.FreePorts;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settlement.avro.BalanceOperation;
import io.settlement.avro.TransferRequest;
import io.settlement.contract.AvroSerdes;
import io.settlement.contract.Topics;
import io.settlement.topology.Assets;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hundreds of hostile requests through a real HTTP client: malformed JSON, wrong types, missing
 * and extra fields, huge, negative, exponent and over-scale amounts, unicode and control
 * characters in ids, 1 MB bodies, and missing, expired, wrongly signed, unsigned and other-user
 * tokens. Each must get its own 4xx and stable code, and none may publish a command. The API
 * runs over a KafkaStreams that is never started: every case is answered before a store is read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileHttpCorpusTest {
    static final long USER = 42;
    static final long OTHER = 43;

    /** One hostile request and the answer it must get; {@code authorization} null sends no header. */
    record Case(String kind, String method, String path, String body, String authorization, int status, String code,
                String idempotencyKey) {
        Case(String kind, String method, String path, String body, String authorization, int status, String code) {
            this(kind, method, path, body, authorization, status, code, null);
        }

        Case withHeader(String key) {
            return new Case(kind, method, path, body, authorization, status, code, key);
        }
    }

    final List<Object> published = new CopyOnWriteArrayList<>();
    KafkaStreams streams;
    HttpApi api;
    String base;

    @BeforeAll
    void startAnApiOverStreamsThatNeverStart() throws Exception {
        streams = ApiInstance.neverStarted("hostile-http-test");
        HttpApiConfig settings = HttpApiConfig.of(ApiInstance.HOST, ApiInstance.HOST, FreePorts.freePort());
        api = HttpApi.start(settings, streams, Topics.create(AvroSerdes.SINGLE_OBJECT), Assets.defaults(), new Recording(published),
                new HealthChecks(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), TestTokens.SECURITY, Optional.empty());
        base = "http://" + ApiInstance.HOST + ":" + api.port();
    }

    @AfterAll
    void stop() {
        if (api != null) {
            api.close();
        }
        if (streams != null) {
            streams.close(Duration.ofSeconds(10));
        }
    }

    @Test
    void everyHostileRequestGetsItsOwn4xxCodeAndNonePublishesACommand() throws Exception {
        // given the corpus
        List<Case> corpus = new ArrayList<>();
        corpus.addAll(badTokens());
        corpus.addAll(otherUsersAndWrongRoles());
        corpus.addAll(malformedJson());
        corpus.addAll(wrongTypesMissingAndExtraFields());
        corpus.addAll(hostileAmounts());
        corpus.addAll(unreadableNumbersAndRepeatedFields());
        corpus.addAll(hostileIds());
        corpus.addAll(hostileQueries());
        corpus.addAll(hugeBodies());

        // when each is sent, then each gets exactly its answer, a JSON error with a stable code
        List<String> wrong = new ArrayList<>();
        Map<String, Integer> counts = new TreeMap<>();
        for (Case c : corpus) {
            Http.Reply reply = send(c);
            counts.merge(c.kind(), 1, Integer::sum);
            if (reply.status() != c.status() || !c.code().equals(reply.code())) {
                wrong.add(c.method() + " " + abbreviate(c.path()) + " body " + abbreviate(String.valueOf(c.body()))
                        + ": expected " + c.status() + " " + c.code() + ", got " + abbreviate(reply.toString()));
            }
        }
        System.out.println("Hostile HTTP corpus: " + corpus.size() + " requests, by kind " + counts);
        assertThat(wrong).as("requests answered otherwise than expected").isEmpty();
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(200);
        // and not one of them published a command
        assertThat(published).isEmpty();

        // and the same routes still take a good request (the corpus did not just break them)
        Http.Reply good = Http.as(TestTokens.user(USER)).post(base + "/api/v1/transfers", transfer(Map.of()));
        assertThat(good.status()).as(good.toString()).isEqualTo(202);
        assertThat(published).hasSize(1);
    }

    @Test
    void aNumberBeyondAnIntExponentOrARepeatedFieldIsAnInvalidJsonThatNamesNoJavaType() {
        // given a user token and a service token
        Http user = Http.as(TestTokens.user(USER));
        Http service = Http.as(TestTokens.service());
        int publishedBefore = published.size();

        // when an amount's exponent does not fit in an int, and an amount is given twice
        Http.Reply exponent = user.post(base + "/api/v1/transfers", transfer(Map.of("amount", new Raw("1e2147483648"))));
        Http.Reply repeated = service.post(base + "/wallet/deposit",
                "{\"user_id\":42,\"currency\":\"BTC\",\"amount\":\"1\",\"amount\":\"2\",\"transaction_id\":\"tx-1\"}");

        // then both are a 400 INVALID_JSON that says what is wrong, in words rather than a Java exception
        assertThat(exponent.status()).as(exponent.toString()).isEqualTo(400);
        assertThat(exponent.code()).isEqualTo("INVALID_JSON");
        assertThat(exponent.json().get("message").asText()).contains("exponent").doesNotContain("java", "Exception");
        assertThat(repeated.status()).as(repeated.toString()).isEqualTo(400);
        assertThat(repeated.code()).isEqualTo("INVALID_JSON");
        assertThat(repeated.json().get("message").asText()).contains("Duplicate field", "amount").doesNotContain("java", "Exception");
        // and neither published a command
        assertThat(published).hasSize(publishedBefore);
    }

    @Test
    void aRefusedTokensAnswerSaysWhyItWasRefused() throws Exception {
        // given a token signed with another key, and one that expired two hours ago
        TokenMinter otherKey = new TokenMinter("another-secret-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8),
                TestTokens.ISSUER, TestTokens.AUDIENCE);
        String wrongKey = otherKey.user(USER, Duration.ofHours(1));
        String expired = TestTokens.MINTER.mint(Long.toString(USER), null, Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1));
        String expiredAt = SignedJWT.parse(expired).getJWTClaimsSet().getExpirationTime().toInstant().toString();

        // when each is sent
        Http.Reply signature = Http.as(wrongKey).get(base + "/api/v1/users/" + USER + "/balances");
        Http.Reply late = Http.as(expired).get(base + "/api/v1/users/" + USER + "/balances");

        // then each is a 401 whose message gives the cause, and nothing of the server's internals
        assertThat(signature.status()).isEqualTo(401);
        assertThat(signature.json().get("message").asText()).contains("signature invalid").doesNotContain("Exception", "java.");
        assertThat(late.status()).isEqualTo(401);
        assertThat(late.json().get("message").asText()).contains("expired at " + expiredAt).doesNotContain("Exception", "java.");
    }

    @Test
    void aPrincipalOverItsPostRateIsA429WithRetryAfterAndOthersAreNotSlowed() {
        // given an API that allows each principal a burst of 3 POSTs, refilled at 1 per second
        HttpApiConfig settings = HttpApiConfig.of(ApiInstance.HOST, ApiInstance.HOST, FreePorts.freePort());
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        List<Object> sent = new CopyOnWriteArrayList<>();
        try (HttpApi limited = HttpApi.start(settings, streams, Topics.create(AvroSerdes.SINGLE_OBJECT), Assets.defaults(),
                new Recording(sent), new HealthChecks(), registry, TestTokens.SECURITY.withPostLimit(1, 3), Optional.empty())) {
            String url = "http://" + ApiInstance.HOST + ":" + limited.port() + "/api/v1/transfers";
            Http user = Http.as(TestTokens.user(USER));
            // when one user posts 5 transfers at once
            List<Integer> statuses = new ArrayList<>();
            Http.Reply last = null;
            for (int i = 0; i < 5; i++) {
                last = user.post(url, transfer(Map.of("request_id", "burst-" + i)));
                statuses.add(last.status());
            }
            // then the first 3 are accepted and the rest are 429 RATE_LIMITED with Retry-After
            assertThat(statuses).containsExactly(202, 202, 202, 429, 429);
            assertThat(last.code()).isEqualTo("RATE_LIMITED");
            assertThat(Integer.parseInt(last.header("Retry-After"))).isPositive();
            assertThat(sent).hasSize(3);
            // and another user is not slowed by it, and the refusals are counted
            Http.Reply other = Http.as(TestTokens.user(OTHER)).post(url, transfer(Map.of("user_id", OTHER)));
            assertThat(other.status()).as(other.toString()).isEqualTo(202);
            assertThat(registry.counter("settlement.http.rate.limited", "role", "USER").count()).isEqualTo(2.0);
            Http.Reply metrics = Http.as(TestTokens.operator()).get("http://" + ApiInstance.HOST + ":" + limited.port() + "/metrics");
            assertThat(metrics.raw().body()).contains("settlement_http_rate_limited_total").contains("settlement_http_auth_refused_total");
        }
    }

    @Test
    void theRateLimitsBucketsAreBoundedWhateverTheNumberOfPrincipals() {
        // given buckets for at most 100 principals
        PostRateLimit limit = new PostRateLimit(1, 1, 100);
        // when 10,000 principals post once each, and the first posts again
        for (int i = 0; i < 10_000; i++) {
            assertThat(limit.acquire("USER:" + i, 0)).isZero();
        }
        // then only the 100 most recent are remembered (a forgotten principal starts with a full bucket)
        assertThat(limit.principals()).isEqualTo(100);
        assertThat(limit.acquire("USER:0", 0)).isZero();
        assertThat(limit.acquire("USER:9999", 0)).isPositive();
    }

    // ---- tokens -----------------------------------------------------------------------------------------

    private List<Case> badTokens() throws Exception {
        Instant now = Instant.now();
        TokenMinter otherKey = new TokenMinter("another-secret-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8),
                TestTokens.ISSUER, TestTokens.AUDIENCE);
        TokenMinter otherIssuer = new TokenMinter(TestTokens.SECRET, "someone-else", TestTokens.AUDIENCE);
        TokenMinter otherAudience = new TokenMinter(TestTokens.SECRET, TestTokens.ISSUER, "another-api");
        String valid = TestTokens.user(USER);
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("no header", null);
        refused.put("empty", "");
        refused.put("basic", "Basic dXNlcjpwYXNz");
        refused.put("bearer only", "Bearer");
        refused.put("garbage", "Bearer not-a-jwt");
        refused.put("three garbage parts", "Bearer a.b.c");
        refused.put("expired", "Bearer " + TestTokens.MINTER.mint(Long.toString(USER), null, now.minus(Duration.ofHours(2)), Duration.ofHours(1)));
        refused.put("expired beyond the skew", "Bearer " + TestTokens.MINTER.mint(Long.toString(USER), null,
                now.minus(Duration.ofMinutes(10)), Duration.ofMinutes(8)));
        refused.put("wrong key", "Bearer " + otherKey.user(USER, Duration.ofHours(1)));
        refused.put("wrong issuer", "Bearer " + otherIssuer.user(USER, Duration.ofHours(1)));
        refused.put("wrong audience", "Bearer " + otherAudience.user(USER, Duration.ofHours(1)));
        refused.put("unsigned alg none", "Bearer " + new PlainJWT(claims(Long.toString(USER), null)).serialize());
        refused.put("RS256 with an unknown key", "Bearer " + rsaSigned(claims(Long.toString(USER), null)));
        refused.put("tampered payload", "Bearer " + tamper(valid));
        refused.put("signature cut off", "Bearer " + valid.substring(0, valid.lastIndexOf('.') + 1));
        refused.put("user sub not a number", "Bearer " + TestTokens.MINTER.mint("alice", null, now, Duration.ofHours(1)));
        refused.put("user sub zero", "Bearer " + TestTokens.MINTER.mint("0", null, now, Duration.ofHours(1)));
        refused.put("unknown scope", "Bearer " + TestTokens.MINTER.mint("alice", "settlement:admin", now, Duration.ofHours(1)));
        refused.put("9 KB token", "Bearer " + "a".repeat(9 * 1024));
        refused.put("not yet valid", "Bearer " + notYetValid());
        List<Case> cases = new ArrayList<>();
        for (Map.Entry<String, String> token : refused.entrySet()) {
            cases.add(new Case("token", "GET", "/api/v1/users/" + USER + "/balances", null, token.getValue(), 401, "UNAUTHENTICATED"));
            cases.add(new Case("token", "POST", "/api/v1/transfers", transfer(Map.of()), token.getValue(), 401, "UNAUTHENTICATED"));
            cases.add(new Case("token", "POST", "/wallet/deposit", deposit(Map.of()), token.getValue(), 401, "UNAUTHENTICATED"));
            cases.add(new Case("token", "GET", "/metrics", null, token.getValue(), 401, "UNAUTHENTICATED"));
            cases.add(new Case("token", "GET", "/nope", null, token.getValue(), 401, "UNAUTHENTICATED"));
        }
        return cases;
    }

    private List<Case> otherUsersAndWrongRoles() {
        String user = "Bearer " + TestTokens.user(USER);
        String service = "Bearer " + TestTokens.service();
        String operator = "Bearer " + TestTokens.operator();
        return List.of(
                new Case("ownership", "GET", "/api/v1/users/" + OTHER + "/balances", null, user, 404, "NOT_FOUND"),
                new Case("ownership", "GET", "/api/v1/users/" + OTHER + "/ledger?asset=BTC", null, user, 404, "NOT_FOUND"),
                new Case("ownership", "GET", "/api/v1/users/" + OTHER + "/trades", null, user, 404, "NOT_FOUND"),
                new Case("ownership", "GET", "/api/user/balance?user_id=" + OTHER, null, user, 404, "NOT_FOUND"),
                new Case("ownership", "GET", "/api/v1/transfers/tr-1?user_id=" + OTHER, null, user, 404, "NOT_FOUND"),
                new Case("ownership", "GET", "/api/v1/user/internal_transfer/tr-1?user_id=" + OTHER, null, user, 404, "NOT_FOUND"),
                new Case("ownership", "GET", "/api/v1/commands/DEPOSIT/d-1?user_id=" + OTHER, null, user, 404, "NOT_FOUND"),
                new Case("ownership", "GET", "/api/v1/commands/DEPOSIT:" + OTHER + ":d-1", null, user, 404, "NOT_FOUND"),
                new Case("ownership", "GET", "/api/v1/commands/TRADE/t-1", null, user, 403, "FORBIDDEN"),
                new Case("ownership", "GET", "/metrics", null, user, 403, "FORBIDDEN"),
                new Case("ownership", "POST", "/api/v1/transfers", transfer(Map.of("user_id", OTHER)), user, 403, "FORBIDDEN"),
                new Case("ownership", "POST", "/api/v1/user/internal_transfer", gatewayTransfer(OTHER), user, 403, "FORBIDDEN"),
                new Case("ownership", "POST", "/wallet/deposit", deposit(Map.of()), user, 403, "FORBIDDEN"),
                new Case("ownership", "POST", "/wallet/deposit/confirm", "{\"user_id\":42,\"transaction_id\":\"tx-1\"}", user, 403, "FORBIDDEN"),
                new Case("ownership", "POST", "/api/v1/transfers", transfer(Map.of()), operator, 403, "FORBIDDEN"),
                new Case("ownership", "POST", "/wallet/deposit", deposit(Map.of()), operator, 403, "FORBIDDEN"),
                new Case("ownership", "GET", "/api/v1/transfers/tr-1", null, service, 400, "INVALID_USER_ID"),
                new Case("ownership", "GET", "/api/v1/commands/DEPOSIT/d-1", null, operator, 400, "INVALID_USER_ID"),
                new Case("ownership", "GET", "/api/user/balance", null, user, 400, "INVALID_USER_ID"));
    }

    // ---- bodies -----------------------------------------------------------------------------------------

    private List<Case> malformedJson() {
        List<String> bodies = List.of("", " ", "not json", "{", "}", "[1,2]", "\"a string\"", "42", "null", "true",
                "{\"user_id\":}", "{'user_id':42}", "{\"user_id\":42,}", "{\"user_id\":42}{}", "{\"user_id\":42", "\u0000",
                "{\"user_id\":NaN}", "{\"user_id\":Infinity}", "{\"user_id\":0x10}", "{\"user_id\":042}", "/* c */ {}",
                "\uFEFF{}", "[".repeat(5_000), "{\"a\":".repeat(2_000), "{\"user_id\":42 \"asset\":\"BTC\"}", "{user_id:42}");
        List<Case> cases = new ArrayList<>();
        for (String body : bodies) {
            cases.add(new Case("malformed JSON", "POST", "/api/v1/transfers", body, "Bearer " + TestTokens.user(USER), 400, "INVALID_JSON"));
            cases.add(new Case("malformed JSON", "POST", "/wallet/deposit", body, "Bearer " + TestTokens.service(), 400, "INVALID_JSON"));
        }
        return cases;
    }

    private List<Case> wrongTypesMissingAndExtraFields() {
        String user = "Bearer " + TestTokens.user(USER);
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put("user_id", "INVALID_USER_ID");
        codes.put("from_wallet", "UNKNOWN_WALLET");
        codes.put("to_wallet", "UNKNOWN_WALLET");
        codes.put("asset", "UNKNOWN_ASSET");
        codes.put("amount", "INVALID_AMOUNT");
        codes.put("request_id", "INVALID_ID");
        List<Object> wrongValues = List.of(true, List.of(), Map.of(), "zzz", -1);
        List<Case> cases = new ArrayList<>();
        for (Map.Entry<String, String> field : codes.entrySet()) {
            for (Object value : wrongValues) {
                if (field.getKey().equals("request_id") && value.equals("zzz")) {
                    continue; // a valid id
                }
                cases.add(new Case("wrong type", "POST", "/api/v1/transfers", transfer(Map.of(field.getKey(), value)), user, 400,
                        field.getKey().equals("amount") && value.equals(-1) ? "INVALID_AMOUNT" : field.getValue()));
            }
            if (!field.getKey().equals("request_id")) {
                cases.add(new Case("missing field", "POST", "/api/v1/transfers", transferWithout(field.getKey()), user, 400, field.getValue()));
                cases.add(new Case("missing field", "POST", "/api/v1/transfers", transfer(Map.of(field.getKey(), NULL)), user, 400, field.getValue()));
            }
        }
        for (String extra : List.of("memo", "fee", "USER_ID", "amount ", "__proto__", "user_id\u0000")) {
            cases.add(new Case("extra field", "POST", "/api/v1/transfers", transfer(Map.of(extra, 1)), user, 400, "UNKNOWN_FIELD"));
            cases.add(new Case("extra field", "POST", "/wallet/deposit", deposit(Map.of(extra, 1)), "Bearer " + TestTokens.service(), 400, "UNKNOWN_FIELD"));
        }
        cases.add(new Case("missing field", "POST", "/wallet/deposit", deposit(Map.of("transaction_id", NULL)), "Bearer " + TestTokens.service(), 400, "INVALID_ID"));
        cases.add(new Case("missing field", "POST", "/wallet/deposit/confirm", "{\"user_id\":42}", "Bearer " + TestTokens.service(), 400, "INVALID_ID"));
        cases.add(new Case("missing field", "POST", "/wallet/deposit/confirm", "{\"transaction_id\":\"tx-1\"}", "Bearer " + TestTokens.service(), 400, "INVALID_USER_ID"));
        cases.add(new Case("wrong type", "POST", "/api/v1/user/internal_transfer", "{\"from_account\":\"funding\",\"to_account\":{},\"amount\":\"1\"}",
                user, 400, "INVALID_JSON"));
        return cases;
    }

    private List<Case> hostileAmounts() {
        Map<Object, String> amounts = new LinkedHashMap<>();
        for (String text : List.of("-1", "0", "0.00000000", "1e5", "1E5", "+1", "1,5", "1.5.5", ".5", "5.", "NaN", "Infinity",
                "0x10", "\u0661\u0662", "\uFF11", "", "   ", "1 000", "1_000", "\u00A01")) {
            amounts.put(text, "INVALID_AMOUNT");
        }
        amounts.put("0.000000001", "TOO_MANY_DECIMALS");
        amounts.put("0." + "0".repeat(40) + "1", "TOO_MANY_DECIMALS");
        amounts.put("99999999999", "AMOUNT_TOO_LARGE");
        amounts.put("92233720368.54775808", "AMOUNT_TOO_LARGE");
        amounts.put("1".repeat(49), "AMOUNT_TOO_LARGE");
        amounts.put("9".repeat(30), "AMOUNT_TOO_LARGE");
        amounts.put(new Raw("-1"), "INVALID_AMOUNT");
        amounts.put(new Raw("0"), "INVALID_AMOUNT");
        amounts.put(new Raw("-0"), "INVALID_AMOUNT");
        amounts.put(new Raw("-1e5"), "INVALID_AMOUNT");
        amounts.put(new Raw("0.000000001"), "TOO_MANY_DECIMALS");
        amounts.put(new Raw("1e900000000"), "AMOUNT_TOO_LARGE");
        amounts.put(new Raw("1e2147483647"), "AMOUNT_TOO_LARGE");
        amounts.put(new Raw("1E+400"), "AMOUNT_TOO_LARGE");
        amounts.put(new Raw("1e18"), "AMOUNT_TOO_LARGE");
        amounts.put(new Raw("123456789012345678901234567890"), "AMOUNT_TOO_LARGE");
        amounts.put(new Raw("1e-900000000"), "TOO_MANY_DECIMALS");
        amounts.put(new Raw("1e-2147483647"), "TOO_MANY_DECIMALS");
        amounts.put(new Raw("9".repeat(900)), "AMOUNT_TOO_LARGE");
        List<Case> cases = new ArrayList<>();
        for (Map.Entry<Object, String> amount : amounts.entrySet()) {
            cases.add(new Case("amount", "POST", "/api/v1/transfers", transfer(Map.of("amount", amount.getKey())),
                    "Bearer " + TestTokens.user(USER), 400, amount.getValue()));
            cases.add(new Case("amount", "POST", "/wallet/deposit", deposit(Map.of("amount", amount.getKey())),
                    "Bearer " + TestTokens.service(), 400, amount.getValue()));
        }
        return cases;
    }

    /**
     * Numbers whose exponent is beyond an int (no {@code BigDecimal} holds them) anywhere in a body,
     * and a field given twice, on every route that reads a JSON body: the body cannot be read as one
     * unambiguous object, so it is refused before any field is looked at.
     */
    private List<Case> unreadableNumbersAndRepeatedFields() {
        String user = "Bearer " + TestTokens.user(USER);
        String service = "Bearer " + TestTokens.service();
        List<Case> cases = new ArrayList<>();
        for (String number : List.of("1e2147483648", "1e-2147483649", "-1e2147483648", "1E+99999999999")) {
            Raw raw = new Raw(number);
            for (String field : List.of("amount", "user_id", "memo")) {
                cases.add(new Case("unreadable number", "POST", "/api/v1/transfers", transfer(Map.of(field, raw)), user, 400, "INVALID_JSON"));
                cases.add(new Case("unreadable number", "POST", "/wallet/deposit", deposit(Map.of(field, raw)), service, 400, "INVALID_JSON"));
            }
            cases.add(new Case("unreadable number", "POST", "/wallet/deposit/confirm",
                    "{\"user_id\":" + number + ",\"transaction_id\":\"tx-1\"}", service, 400, "INVALID_JSON"));
            cases.add(new Case("unreadable number", "POST", "/api/v1/user/internal_transfer",
                    gatewayTransfer(USER).replace("\"amount\":\"1\"", "\"amount\":" + number), user, 400, "INVALID_JSON"));
        }
        String repeatedAmount = transfer(Map.of()).replace("\"amount\":\"0.5\"", "\"amount\":\"1\",\"amount\":\"2\"");
        cases.add(new Case("repeated field", "POST", "/api/v1/transfers", repeatedAmount, user, 400, "INVALID_JSON"));
        cases.add(new Case("repeated field", "POST", "/api/v1/transfers",
                transfer(Map.of()).replace("{", "{\"user_id\":" + OTHER + ","), user, 400, "INVALID_JSON"));
        cases.add(new Case("repeated field", "POST", "/wallet/deposit",
                deposit(Map.of()).replace("\"amount\":\"1.5\"", "\"amount\":\"1.5\",\"amount\":\"1000\""), service, 400, "INVALID_JSON"));
        cases.add(new Case("repeated field", "POST", "/wallet/deposit/confirm",
                "{\"user_id\":42,\"transaction_id\":\"tx-1\",\"transaction_id\":\"tx-2\"}", service, 400, "INVALID_JSON"));
        cases.add(new Case("repeated field", "POST", "/api/v1/user/internal_transfer",
                gatewayTransfer(USER).replace("\"amount\":\"1\"", "\"amount\":\"1\",\"amount\":\"2\""), user, 400, "INVALID_JSON"));
        cases.add(new Case("repeated field", "POST", "/api/v1/user/internal_transfer",
                gatewayTransfer(USER).replace("\"account_type\":\"spot\"", "\"account_type\":\"spot\",\"account_type\":\"funding\""),
                user, 400, "INVALID_JSON"));
        return cases;
    }

    private List<Case> hostileIds() {
        List<String> ids = List.of("a/b", "a b", "\u00e9t\u00e9", "\u65e5\u672c", "\u0000", "line\nbreak", "tab\t", "\u202Ertl",
                "\uD83D\uDE00", "x".repeat(129), "", "a:b", "a%2Fb", "<script>", "a;DROP", "a\\b", "\"q\"");
        List<Case> cases = new ArrayList<>();
        for (String id : ids) {
            cases.add(new Case("id", "POST", "/api/v1/transfers", transfer(Map.of("request_id", id)), "Bearer " + TestTokens.user(USER), 400, "INVALID_ID"));
            cases.add(new Case("id", "POST", "/wallet/deposit", deposit(Map.of("transaction_id", id)), "Bearer " + TestTokens.service(), 400, "INVALID_ID"));
        }
        for (String path : List.of("x".repeat(129), "a%0Ab", "%1B%5B31m", "%7F")) {
            cases.add(new Case("id", "GET", "/api/v1/transfers/" + path, null, "Bearer " + TestTokens.user(USER), 400, "INVALID_ID"));
            cases.add(new Case("id", "GET", "/api/v1/trades/" + path, null, "Bearer " + TestTokens.user(USER), 400, "INVALID_ID"));
        }
        for (String path : List.of("%00", "abc%00", "%00%00")) {
            cases.add(new Case("id", "GET", "/api/v1/transfers/" + path, null, "Bearer " + TestTokens.user(USER), 400, "MALFORMED_REQUEST"));
        }
        cases.add(new Case("id", "POST", "/api/v1/transfers", transferWithout("request_id"), "Bearer " + TestTokens.user(USER), 400, "INVALID_ID")
                .withHeader("k".repeat(200)));
        return cases;
    }

    private List<Case> hostileQueries() {
        String user = "Bearer " + TestTokens.user(USER);
        String operator = "Bearer " + TestTokens.operator();
        return List.of(
                new Case("query", "GET", "/api/v1/users/abc/balances", null, operator, 400, "INVALID_USER_ID"),
                new Case("query", "GET", "/api/v1/users/0/balances", null, operator, 400, "INVALID_USER_ID"),
                new Case("query", "GET", "/api/v1/users/-1/balances", null, operator, 400, "INVALID_USER_ID"),
                new Case("query", "GET", "/api/v1/users/99999999999999999999/balances", null, operator, 400, "INVALID_USER_ID"),
                new Case("query", "GET", "/api/v1/transfers/tr-1?user_id=abc", null, operator, 400, "INVALID_USER_ID"),
                new Case("query", "GET", "/api/v1/transfers/tr-1?user_id=-1", null, operator, 400, "INVALID_USER_ID"),
                new Case("query", "GET", "/api/v1/users/42/ledger", null, user, 400, "UNKNOWN_ASSET"),
                new Case("query", "GET", "/api/v1/users/42/ledger?asset=DOGE", null, user, 400, "UNKNOWN_ASSET"),
                new Case("query", "GET", "/api/v1/users/42/ledger?asset=BTC&limit=abc", null, user, 400, "INVALID_LIMIT"),
                new Case("query", "GET", "/api/v1/users/42/ledger?asset=BTC&limit=0", null, user, 400, "INVALID_LIMIT"),
                new Case("query", "GET", "/api/v1/users/42/ledger?asset=BTC&limit=100000", null, user, 400, "INVALID_LIMIT"),
                new Case("query", "GET", "/api/v1/users/42/trades?limit=99999999999999999999", null, user, 400, "INVALID_LIMIT"),
                new Case("query", "GET", "/api/v1/users/42/trades?cursor=%21%21%21", null, user, 400, "INVALID_CURSOR"),
                new Case("query", "GET", "/api/v1/users/42/trades?cursor=" + "a".repeat(5_000), null, user, 400, "INVALID_CURSOR"),
                new Case("query", "GET", "/api/v1/commands/NOPE/x?user_id=42", null, user, 400, "UNKNOWN_KIND"),
                new Case("query", "GET", "/api/v1/commands/x", null, user, 400, "UNQUALIFIED_COMMAND_ID"),
                new Case("query", "PUT", "/api/v1/transfers", null, user, 405, "METHOD_NOT_ALLOWED"),
                new Case("query", "DELETE", "/api/v1/users/42/balances", null, user, 405, "METHOD_NOT_ALLOWED"),
                new Case("query", "GET", "/api/v2/anything", null, user, 404, "NOT_FOUND"));
    }

    private List<Case> hugeBodies() {
        String megabyte = "{\"pad\":\"" + "x".repeat(1024 * 1024) + "\"}";
        String service = "Bearer " + TestTokens.service();
        String user = "Bearer " + TestTokens.user(USER);
        return List.of(
                new Case("1 MB body", "POST", "/api/v1/transfers", megabyte, user, 413, "PAYLOAD_TOO_LARGE"),
                new Case("1 MB body", "POST", "/wallet/deposit", megabyte, service, 413, "PAYLOAD_TOO_LARGE"),
                new Case("1 MB body", "POST", "/wallet/deposit/confirm", megabyte, service, 413, "PAYLOAD_TOO_LARGE"),
                new Case("1 MB body", "POST", "/api/v1/user/internal_transfer", megabyte, user, 413, "PAYLOAD_TOO_LARGE"),
                new Case("1 MB body", "POST", "/api/v1/transfers", "[" + "1,".repeat(512 * 1024) + "1]", user, 413, "PAYLOAD_TOO_LARGE"),
                new Case("1 MB body", "POST", "/api/v1/transfers", megabyte, null, 401, "UNAUTHENTICATED"),
                new Case("1 MB body", "GET", "/api/v1/users/42/balances", null, "Bearer " + "a".repeat(20 * 1024), 431, "HEADERS_TOO_LARGE"));
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /** A JSON null value in a body map (Map.of refuses nulls). */
    private static final Object NULL = new Raw("null");

    /** A value written into the JSON as it is (numbers Java cannot hold). */
    private record Raw(String json) {}

    private static String transfer(Map<String, Object> changes) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("request_id", "tr-1");
        body.put("user_id", USER);
        body.put("from_wallet", "FUNDING");
        body.put("to_wallet", "SPOT");
        body.put("asset", "BTC");
        body.put("amount", "0.5");
        body.putAll(changes);
        return json(body);
    }

    private static String transferWithout(String field) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user_id", USER);
        body.put("from_wallet", "FUNDING");
        body.put("to_wallet", "SPOT");
        body.put("asset", "BTC");
        body.put("amount", "0.5");
        body.remove(field);
        return json(body);
    }

    private static String deposit(Map<String, Object> changes) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user_id", USER);
        body.put("currency", "BTC");
        body.put("amount", "1.5");
        body.put("transaction_id", "tx-1");
        body.putAll(changes);
        return json(body);
    }

    private static String gatewayTransfer(long userId) {
        return "{\"from_account\":{\"account_type\":\"funding\",\"asset\":\"USDT\"},\"to_account\":{\"account_type\":\"spot\",\"user_id\":"
                + userId + ",\"asset\":\"USDT\"},\"amount\":\"1\"}";
    }

    private static String json(Map<String, Object> body) {
        return body.entrySet().stream().map(e -> quote(e.getKey()) + ":" + value(e.getValue())).collect(Collectors.joining(",", "{", "}"));
    }

    private static String value(Object value) {
        if (value instanceof Raw raw) {
            return raw.json();
        }
        if (value instanceof String text) {
            return quote(text);
        }
        if (value instanceof List<?>) {
            return "[]";
        }
        if (value instanceof Map<?, ?>) {
            return "{}";
        }
        return String.valueOf(value);
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private static JWTClaimsSet claims(String subject, String scope) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder().issuer(TestTokens.ISSUER).audience(TestTokens.AUDIENCE)
                .subject(subject).issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofHours(1))));
        if (scope != null) {
            builder.claim("scope", scope);
        }
        return builder.build();
    }

    private static String rsaSigned(JWTClaimsSet claims) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
        jwt.sign(new RSASSASigner(generator.generateKeyPair().getPrivate()));
        return jwt.serialize();
    }

    private static String notYetValid() throws Exception {
        Instant later = Instant.now().plus(Duration.ofHours(1));
        JWTClaimsSet claims = new JWTClaimsSet.Builder(claims(Long.toString(USER), null)).notBeforeTime(Date.from(later))
                .expirationTime(Date.from(later.plus(Duration.ofHours(1)))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(TestTokens.SECRET));
        return jwt.serialize();
    }

    /** The same signature over a payload that now names the service scope. */
    private static String tamper(String token) {
        String[] parts = token.split("\\.");
        String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String forged = payload.replace("\"sub\"", "\"scope\":\"settlement:service\",\"sub\"");
        return parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(forged.getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
    }

    private Http.Reply send(Case c) {
        Http http = Http.anonymous();
        List<String> headers = new ArrayList<>();
        if (c.authorization() != null) {
            headers.add("Authorization");
            headers.add(c.authorization());
        }
        if (c.idempotencyKey() != null) {
            headers.add("Idempotency-Key");
            headers.add(c.idempotencyKey());
        }
        String[] array = headers.toArray(String[]::new);
        String url = base + c.path();
        switch (c.method()) {
            case "GET":
                return http.get(url, array);
            case "POST":
                return http.post(url, c.body(), array);
            default:
                return http.method(c.method(), url, array);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 160 ? text : text.substring(0, 160) + "...";
    }

    /** Records what would have been published: the corpus must leave it empty. */
    static final class Recording implements CommandPublisher {
        private final List<Object> published;

        Recording(List<Object> published) {
            this.published = published;
        }

        @Override
        public void publishTransfer(TransferRequest request) {
            published.add(request);
        }

        @Override
        public void publishBalanceOperation(BalanceOperation operation) {
            published.add(operation);
        }

        @Override
        public void close() {}
    }
}
