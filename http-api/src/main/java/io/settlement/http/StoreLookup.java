package io.settlement.http;

import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.topology.RunningStores;
import io.settlement.topology.SettlementConfig;
import io.settlement.topology.StoreNames;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.LagInfo;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a lookup where its key lives. The owner of a key is found with
 * {@link KafkaStreams#queryMetadataForKey} and the serializer of the store's source topic (Long
 * for balances and a command's status, String for trades), so the partition is the one the default
 * partitioner gives, which is also the contract's {@code UserPartitioner} (KAFKA-14070: the stores
 * are keyed like their source topics). The active instance answers from its local store
 * partition; any other instance forwards the request unchanged to the active host's
 * {@code application.server}, marking it with {@link #FORWARDED_BY_HEADER} and carrying the
 * caller's own bearer token, which the owner verifies and checks for ownership again. A forwarded
 * request is never forwarded again, so there are no loops.
 *
 * <p>Every read is of committed state only ({@link SettlementConfig#INTERACTIVE_QUERY_ISOLATION}):
 * the stores are transactional, so a write whose transaction may still abort is never shown.
 *
 * <p><b>Failover.</b> When the active replica cannot answer (its instance is dead and the group
 * has not noticed yet, or the partition is being restored after a rebalance), the lookup is
 * answered from a standby replica: this instance's own if it hosts one, else the first standby
 * host that answers ({@link #STANDBY_READ_HEADER} asks it to read its replica). Such an answer
 * may be stale: it carries {@link #STALE_HEADER}{@code : true} and {@link #LAG_HEADER} with the
 * replica's changelog lag in records at the moment of the read. A client that must not see an
 * older state than the active one sends {@link #ACTIVE_ONLY_HEADER}{@code : true} and gets 503
 * instead.
 */
final class StoreLookup {
    /** Set on a forwarded request to the forwarding instance's application.server. */
    static final String FORWARDED_BY_HEADER = "X-Settlement-Forwarded-By";
    /** Set on every store answer to the application.server of the instance that read its store. */
    static final String SERVED_BY_HEADER = "X-Settlement-Served-By";
    /** Sent by a client ({@code true}) that wants an answer from the active replica or none. */
    static final String ACTIVE_ONLY_HEADER = "X-Settlement-Active-Only";
    /** Sent on a forwarded request that may be answered from the receiver's standby replica. */
    static final String STANDBY_READ_HEADER = "X-Settlement-Standby-Read";
    /** {@code true} on an answer read from a replica that is not the running active one: it may be behind. */
    static final String STALE_HEADER = "X-Settlement-Stale";
    /** On a stale answer: how many changelog records the replica was behind when it was read (-1 unknown). */
    static final String LAG_HEADER = "X-Settlement-Replica-Lag";

    /** How long a read-your-writes lookup waits for its write to be applied (below the forward timeout). */
    static final long READ_YOUR_WRITES_WAIT_MS = 2_000;
    private static final long READ_YOUR_WRITES_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** How a user id routes to its partition: the serializer of the user-keyed topics. */
    private static final Serializer<Long> USER_KEYS = new org.apache.kafka.common.serialization.LongSerializer();

    private static final Logger log = LoggerFactory.getLogger(StoreLookup.class);

    /** Where a local answer reads: a partition of the active store, or of any local replica (possibly stale). */
    record LocalRead(int partition, boolean anyReplica) {}

    /** Writes the answer for a key from a local store partition, or throws {@link ApiError}. */
    @FunctionalInterface
    interface LocalAnswer {
        void answer(LocalRead read);
    }

    private final KafkaStreams streams;
    private final HttpApiConfig settings;
    private final HttpClient client;
    private final MeterRegistry registry;
    private final RunningStores running;

    StoreLookup(KafkaStreams streams, HttpApiConfig settings, MeterRegistry registry, RunningStores running) {
        this.streams = streams;
        this.settings = settings;
        this.registry = registry;
        this.running = running;
        this.client = HttpClient.newBuilder()
                .connectTimeout(settings.forwardConnectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /**
     * Answers {@code ctx} for {@code key} of {@code store}: locally through {@code localAnswer}
     * or by forwarding, from the active replica or, when it cannot answer and the client allows
     * it, from a standby. {@code notFound}, if not null, replaces a NOT_FOUND answer (local or
     * forwarded), for ids this instance knows as submitted but not yet settled.
     */
    <K> void answer(Context ctx, String store, K key, Serializer<K> keySerializer, LocalAnswer localAnswer, Runnable notFound) {
        // A read-your-writes lookup is answered by the active replica only: a standby may not have the write yet.
        boolean activeOnly = "true".equalsIgnoreCase(ctx.header(ACTIVE_ONLY_HEADER)) || ctx.header(WrittenCommand.REQUEST_HEADER) != null;
        String forwardedBy = ctx.header(FORWARDED_BY_HEADER);
        boolean standbyRequested = "true".equalsIgnoreCase(ctx.header(STANDBY_READ_HEADER));
        KeyQueryMetadata owner = ownerOf(store, key, keySerializer);
        if (forwardedBy != null && standbyRequested) {
            answerFromLocalReplica(ctx, store, owner.partition(), localAnswer, notFound,
                    new ApiError(ErrorCode.STORE_UNAVAILABLE, "no replica of " + store + " partition " + owner.partition() + " here"));
            return;
        }
        if (owner.activeHost().equals(settings.applicationServer())) {
            try {
                answerLocally(ctx, store, new LocalRead(owner.partition(), false), localAnswer, notFound);
                count("local");
            } catch (ApiError e) {
                if (e.code() != ErrorCode.STORE_UNAVAILABLE || activeOnly || forwardedBy != null) {
                    throw e;
                }
                answerFromStandby(ctx, store, owner, localAnswer, notFound, e);
            }
            return;
        }
        if (forwardedBy != null) {
            count("not_owner");
            throw new ApiError(ErrorCode.STORE_UNAVAILABLE, "forwarded by " + forwardedBy + " but " + store
                    + " partition " + owner.partition() + " is owned by " + owner.activeHost() + " now (rebalance under way)");
        }
        try {
            HttpResponse<String> response = forward(ctx, owner.activeHost(), false);
            if (response.statusCode() == 503 && !activeOnly) {
                answerFromStandby(ctx, store, owner, localAnswer, notFound,
                        new ApiError(ErrorCode.STORE_UNAVAILABLE, "the active replica at " + owner.activeHost() + " answered 503"));
                return;
            }
            count("forwarded");
            relay(ctx, response, notFound);
        } catch (ApiError e) {
            if (e.code() != ErrorCode.FORWARD_FAILED || activeOnly) {
                throw e;
            }
            answerFromStandby(ctx, store, owner, localAnswer, notFound, e);
        }
    }

    /**
     * The local store partition that holds a key, for a {@link LocalAnswer}: the active one once its
     * task runs ({@link RunningStores}), or for {@link LocalRead#anyReplica()} any local replica
     * (standby, or an active one still restoring). Either way only committed state is read.
     */
    <K, V> ReadOnlyKeyValueStore<K, V> localStore(String store, LocalRead read) {
        if (!read.anyReplica() && !running.running(store, read.partition())) {
            // Kafka Streams would read it: an active task not running yet, its stores each at its own point.
            throw new InvalidStateStoreException(store + " partition " + read.partition() + " has no running task here (restoring or not started)");
        }
        StoreQueryParameters<ReadOnlyKeyValueStore<K, V>> parameters = StoreQueryParameters
                .fromNameAndType(store, QueryableStoreTypes.<K, V>keyValueStore())
                .withPartition(read.partition());
        if (read.anyReplica()) {
            parameters = parameters.enableStaleStores();
        }
        return streams.store(parameters).readOnly(SettlementConfig.INTERACTIVE_QUERY_ISOLATION);
    }

    private void answerLocally(Context ctx, String store, LocalRead read, LocalAnswer localAnswer, Runnable notFound) {
        ctx.header(SERVED_BY_HEADER, settings.applicationServerConfig());
        try {
            String afterCommand = ctx.header(WrittenCommand.REQUEST_HEADER);
            if (afterCommand != null && !read.anyReplica()) {
                awaitApplied(WrittenCommand.parse(afterCommand), store, read.partition());
            }
            localAnswer.answer(read);
        } catch (InvalidStateStoreException e) {
            throw unavailable(store, e);
        } catch (ApiError e) {
            if (e.code() != ErrorCode.NOT_FOUND || notFound == null) {
                throw e;
            }
            notFound.run();
        }
    }

    /**
     * Returns once this instance's active replica of {@code partition} has committed {@code command}
     * and {@code store} holds it: once the command is in the committed {@code commands} store (every
     * command of a partition is remembered there in the same transaction as its balances, and that
     * store commits after the balances: see {@code BalanceStores.NAMES}) and that partition of both
     * {@code store} and {@code commands} runs here ({@link RunningStores}), waiting up
     * to {@link #READ_YOUR_WRITES_WAIT_MS}. A command of a user on another partition cannot change
     * what this one holds, so it is met at once.
     *
     * @throws ApiError NOT_YET_APPLIED when the wait ran out, STORE_UNAVAILABLE when the partition is not active here
     */
    private void awaitApplied(WrittenCommand command, String store, int partition) {
        if (ownerOf(StoreNames.COMMANDS, command.userId(), USER_KEYS).partition() != partition) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READ_YOUR_WRITES_WAIT_MS);
        String key = command.key();
        while (true) {
            if (running.running(store, partition) && running.running(StoreNames.COMMANDS, partition)) {
                try {
                    ReadOnlyKeyValueStore<String, Object> commands = localStore(StoreNames.COMMANDS, new LocalRead(partition, false));
                    if (commands.get(key) != null) {
                        count("read_your_writes");
                        return;
                    }
                } catch (InvalidStateStoreException e) {
                    throw unavailable(StoreNames.COMMANDS, e);
                }
            }
            if (System.nanoTime() > deadline) {
                count("not_yet_applied");
                throw new ApiError(ErrorCode.NOT_YET_APPLIED, key + " is not applied yet after " + READ_YOUR_WRITES_WAIT_MS + " ms; retry");
            }
            LockSupport.parkNanos(READ_YOUR_WRITES_POLL_NANOS); // a polling interval: the condition is the committed read above
        }
    }

    /** The active replica could not answer ({@code cause}): a standby answers, marked stale, or {@code cause} stands. */
    private void answerFromStandby(Context ctx, String store, KeyQueryMetadata owner, LocalAnswer localAnswer,
            Runnable notFound, ApiError cause) {
        if (owner.standbyHosts().contains(settings.applicationServer())) {
            answerFromLocalReplica(ctx, store, owner.partition(), localAnswer, notFound, cause);
            return;
        }
        for (HostInfo standby : owner.standbyHosts()) {
            if (standby.equals(owner.activeHost())) {
                continue;
            }
            HttpResponse<String> response;
            try {
                response = forward(ctx, standby, true);
            } catch (ApiError failed) {
                continue;
            }
            if (response.statusCode() != 503) {
                count("standby_forwarded");
                relay(ctx, response, notFound);
                return;
            }
        }
        // The metadata may be older than the local tasks (standby just assigned): try them too.
        answerFromLocalReplica(ctx, store, owner.partition(), localAnswer, notFound, cause);
    }

    private void answerFromLocalReplica(Context ctx, String store, int partition, LocalAnswer localAnswer,
            Runnable notFound, ApiError cause) {
        long lag = replicaLag(store, partition);
        try {
            ctx.header(STALE_HEADER, "true");
            ctx.header(LAG_HEADER, String.valueOf(lag));
            answerLocally(ctx, store, new LocalRead(partition, true), localAnswer, notFound);
            count("standby_local");
        } catch (ApiError e) {
            if (e.code() != ErrorCode.STORE_UNAVAILABLE) {
                throw e;
            }
            ctx.removeHeader(STALE_HEADER);
            ctx.removeHeader(LAG_HEADER);
            throw cause;
        }
    }

    /** The changelog lag of this instance's replica of a store partition, in records; -1 when unknown. */
    private long replicaLag(String store, int partition) {
        try {
            Map<Integer, LagInfo> lags = streams.allLocalStorePartitionLags().get(store);
            LagInfo lag = lags == null ? null : lags.get(partition);
            return lag == null ? -1 : lag.offsetLag();
        } catch (StreamsException | IllegalStateException e) {
            return -1;
        }
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

    private HttpResponse<String> forward(Context ctx, HostInfo target, boolean standbyRead) {
        String query = ctx.queryString();
        URI uri = URI.create("http://" + target.host() + ':' + target.port() + ctx.req().getRequestURI()
                + (query == null || query.isEmpty() ? "" : "?" + query));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(settings.forwardRequestTimeout())
                .header(FORWARDED_BY_HEADER, settings.applicationServerConfig())
                .header("Authorization", ctx.header("Authorization"))
                .header("Accept", "application/json")
                .GET();
        if (standbyRead) {
            request.header(STANDBY_READ_HEADER, "true");
        }
        String afterCommand = ctx.header(WrittenCommand.REQUEST_HEADER);
        if (afterCommand != null) {
            request.header(WrittenCommand.REQUEST_HEADER, afterCommand);
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            count("forward_failed");
            log.debug("forwarding {} to {} failed", uri, target, e);
            throw new ApiError(ErrorCode.FORWARD_FAILED, "the owning instance " + target + " did not answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(ErrorCode.FORWARD_FAILED, "interrupted while forwarding to " + target, e);
        }
    }

    private static void relay(Context ctx, HttpResponse<String> response, Runnable notFound) {
        if (response.statusCode() == 404 && notFound != null) {
            notFound.run();
            return;
        }
        ctx.status(response.statusCode());
        for (String header : new String[] {"Content-Type", "Retry-After", SERVED_BY_HEADER, STALE_HEADER, LAG_HEADER}) {
            response.headers().firstValue(header).ifPresent(value -> ctx.header(header, value));
        }
        ctx.result(response.body());
    }

    private void count(String outcome) {
        registry.counter("settlement.http.lookups", "outcome", outcome).increment();
    }
}
