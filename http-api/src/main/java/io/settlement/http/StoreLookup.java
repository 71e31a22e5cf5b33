package io.settlement.http;

import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.function.IntConsumer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a lookup where its key lives (DESIGN.md section 7). The owner of a key is found with
 * {@link KafkaStreams#queryMetadataForKey} and the serializer of the store's source topic (Long
 * for balances, String for command-status and trades), so the partition is the one the default
 * partitioner gives, which is also the contract's {@code UserPartitioner} (KAFKA-14070: the stores
 * are keyed like their source topics). The active instance answers from its local store
 * partition; any other instance forwards the request unchanged to the active host's
 * {@code application.server}, marking it with {@link #FORWARDED_BY_HEADER} and carrying the
 * caller's own bearer token, which the owner verifies and checks for ownership again. A forwarded request
 * is never forwarded again: if the receiver is not the owner (ownership moved in between) it
 * answers 503, so there are no loops. Only active stores answer (no stale standby reads), so a
 * lookup never shows an older state than one answered a moment before.
 */
final class StoreLookup {
    /** Set on a forwarded request to the forwarding instance's application.server. */
    static final String FORWARDED_BY_HEADER = "X-Settlement-Forwarded-By";
    /** Set on every store answer to the application.server of the instance that read its store. */
    static final String SERVED_BY_HEADER = "X-Settlement-Served-By";

    private static final Logger log = LoggerFactory.getLogger(StoreLookup.class);

    private final KafkaStreams streams;
    private final HttpApiSettings settings;
    private final HttpClient client;
    private final MeterRegistry registry;

    StoreLookup(KafkaStreams streams, HttpApiSettings settings, MeterRegistry registry) {
        this.streams = streams;
        this.settings = settings;
        this.registry = registry;
        this.client = HttpClient.newBuilder()
                .connectTimeout(settings.forwardConnectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /**
     * Answers {@code ctx} for {@code key} of {@code store}: locally through {@code localAnswer}
     * (given the key's partition; it writes the response or throws {@link ApiError}) or by
     * forwarding. {@code notFound}, if not null, replaces a NOT_FOUND answer (local or forwarded),
     * for ids this instance knows as submitted but not yet settled.
     */
    <K> void answer(Context ctx, String store, K key, Serializer<K> keySerializer, IntConsumer localAnswer, Runnable notFound) {
        KeyQueryMetadata owner = ownerOf(store, key, keySerializer);
        if (owner.activeHost().equals(settings.applicationServer())) {
            count("local");
            ctx.header(SERVED_BY_HEADER, settings.applicationServerConfig());
            try {
                localAnswer.accept(owner.partition());
            } catch (InvalidStateStoreException e) {
                throw unavailable(store, e);
            } catch (ApiError e) {
                if (e.code() != ErrorCode.NOT_FOUND || notFound == null) {
                    throw e;
                }
                notFound.run();
            }
            return;
        }
        String forwardedBy = ctx.header(FORWARDED_BY_HEADER);
        if (forwardedBy != null) {
            count("not_owner");
            throw new ApiError(ErrorCode.STORE_UNAVAILABLE, "forwarded by " + forwardedBy + " but " + store
                    + " partition " + owner.partition() + " is owned by " + owner.activeHost() + " now (rebalance under way)");
        }
        forward(ctx, owner.activeHost(), notFound);
    }

    /** The local store partition that holds a key, for a {@code localAnswer}. */
    <K, V> ReadOnlyKeyValueStore<K, V> localStore(String store, int partition) {
        return streams.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.<K, V>keyValueStore())
                .withPartition(partition));
    }

    private <K> KeyQueryMetadata ownerOf(String store, K key, Serializer<K> keySerializer) {
        KeyQueryMetadata owner;
        try {
            owner = streams.queryMetadataForKey(store, key, keySerializer);
        } catch (StreamsException | IllegalStateException e) {
            // StreamsNotStartedException, UnknownStateStoreException (store not in this topology yet), ...
            throw unavailable(store, e);
        }
        if (owner == null || KeyQueryMetadata.NOT_AVAILABLE.equals(owner)
                || owner.activeHost() == null || HostInfo.unavailable().equals(owner.activeHost())) {
            count("unavailable");
            throw new ApiError(ErrorCode.STORE_UNAVAILABLE, "no instance owns " + store + " for this key right now (rebalance under way)");
        }
        return owner;
    }

    private ApiError unavailable(String store, Exception e) {
        count("unavailable");
        return new ApiError(ErrorCode.STORE_UNAVAILABLE, "store " + store + " is not queryable now: " + e.getMessage(), e);
    }

    private void forward(Context ctx, HostInfo owner, Runnable notFound) {
        String query = ctx.queryString();
        URI target = URI.create("http://" + owner.host() + ':' + owner.port() + ctx.req().getRequestURI()
                + (query == null || query.isEmpty() ? "" : "?" + query));
        HttpRequest request = HttpRequest.newBuilder(target)
                .timeout(settings.forwardRequestTimeout())
                .header(FORWARDED_BY_HEADER, settings.applicationServerConfig())
                .header("Authorization", ctx.header("Authorization"))
                .header("Accept", "application/json")
                .GET()
                .build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            count("forward_failed");
            log.debug("forwarding {} to {} failed", target, owner, e);
            throw new ApiError(ErrorCode.FORWARD_FAILED, "the owning instance " + owner + " did not answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(ErrorCode.FORWARD_FAILED, "interrupted while forwarding to " + owner, e);
        }
        count("forwarded");
        if (response.statusCode() == 404 && notFound != null) {
            notFound.run();
            return;
        }
        ctx.status(response.statusCode());
        response.headers().firstValue("Content-Type").ifPresent(ctx::contentType);
        response.headers().firstValue("Retry-After").ifPresent(value -> ctx.header("Retry-After", value));
        response.headers().firstValue(SERVED_BY_HEADER).ifPresent(value -> ctx.header(SERVED_BY_HEADER, value));
        ctx.result(response.body());
    }

    private void count(String outcome) {
        registry.counter("settlement.http.lookups", "outcome", outcome).increment();
    }
}
