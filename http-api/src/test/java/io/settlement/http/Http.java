package io.settlement.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * A real HTTP client (java.net.http) for the tests, answering status, headers and the parsed JSON
 * body; every answer is checked against the API's OpenAPI document ({@link OpenApiContract}). Every
 * request carries {@code Authorization: Bearer} with this client's token (a service token unless
 * {@link #as} says otherwise; none for {@link #anonymous()}), unless the request sets its own
 * Authorization header.
 */
final class Http {
    record Reply(int status, HttpResponse<String> raw, JsonNode json) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        String code() {
            return json == null || json.get("code") == null ? null : json.get("code").asText();
        }

        @Override
        public String toString() {
            return status + " " + raw.body();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final String token;

    Http() {
        this(TestTokens.service());
    }

    private Http(String token) {
        this.token = token;
    }

    /** A client sending {@code token} (a raw JWT). */
    static Http as(String token) {
        return new Http(token);
    }

    /** A client sending no token. */
    static Http anonymous() {
        return new Http(null);
    }

    Reply get(String url, String... headers) {
        return send(builder(url, headers).GET());
    }

    Reply post(String url, String body, String... headers) {
        return send(builder(url, headers).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Reply method(String method, String url, String... headers) {
        return send(builder(url, headers).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    private HttpRequest.Builder builder(String url, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
        boolean ownAuthorization = false;
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
            ownAuthorization |= headers[i].equalsIgnoreCase("Authorization");
        }
        if (token != null && !ownAuthorization) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    /** Attempts of one request whose answer the connection lost (see {@link #exchange}). */
    static final int LOST_ANSWER_ATTEMPTS_MAX = 3;

    /**
     * Sends, and sends again (at most {@link #LOST_ANSWER_ATTEMPTS_MAX} times) when the connection
     * closed before any answer arrived: Jetty answers a body over its limit with 413 and closes at
     * once, and a client still writing that body may lose the answer with the connection.
     */
    private static HttpResponse<String> exchange(HttpRequest request) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                boolean lost = e.getMessage() != null && e.getMessage().contains("received no bytes");
                if (!lost || attempt == LOST_ANSWER_ATTEMPTS_MAX) {
                    throw e;
                }
            }
        }
    }

    private Reply send(HttpRequest.Builder builder) {
        try {
            HttpResponse<String> response = exchange(builder.build());
            JsonNode json = null;
            String type = response.headers().firstValue("Content-Type").orElse("");
            if (type.startsWith("application/json")) {
                json = JSON.readTree(response.body());
            }
            // Every answer of the integration tests must match what openapi.yaml documents for it.
            List<String> problems = OpenApiContract.DOCUMENT.problems(response.request().method(), response.request().uri().getPath(),
                    response.statusCode(), type, json);
            if (!problems.isEmpty()) {
                throw new AssertionError("the answer does not match openapi.yaml: " + problems + "; body: " + response.body());
            }
            return new Reply(response.statusCode(), response, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
