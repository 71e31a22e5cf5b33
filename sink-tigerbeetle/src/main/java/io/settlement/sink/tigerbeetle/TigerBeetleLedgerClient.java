package io.settlement.sink.tigerbeetle;

import com.tigerbeetle.AccountBatch;
import com.tigerbeetle.Client;
import com.tigerbeetle.ClientClosedException;
import com.tigerbeetle.CreateAccountResultBatch;
import com.tigerbeetle.CreateTransferResultBatch;
import com.tigerbeetle.IdBatch;
import com.tigerbeetle.PacketStatus;
import com.tigerbeetle.RequestException;
import com.tigerbeetle.TransferBatch;
import com.tigerbeetle.TransferFlags;
import com.tigerbeetle.UInt128;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link LedgerClient} over the real {@code com.tigerbeetle.Client} (which loads its native
 * library when constructed). The TigerBeetle client retries a request by itself until the cluster
 * answers; this class bounds each request by {@code requestTimeoutMs} so the sink can back off,
 * report and keep its consumer alive. An evicted client is replaced by a new one before the next
 * request.
 *
 * <p>How many events one request may carry is the cluster's setting, not a constant: 8190 for a
 * production replica, about a quarter of that for one started with {@code --development} (2032
 * lookups measured on 0.16.30). The client cannot ask, so this class learns it: a request the
 * cluster refuses as {@code TooMuchData} is sent again in smaller slices (never splitting a linked
 * chain), and the smaller size is kept for later requests. Slices already answered are not sent
 * again; the answers are merged back into the indexes of the caller's request.
 *
 * <p>{@link #sendAccounts} and {@link #sendTransfers} hand a request to the client and return;
 * the client queues it behind the ones sent before, and {@link Pending#await()} waits for its
 * answer with the same deadline and errors as the waiting calls. A request larger than the size
 * learnt so far, or one the cluster refuses as too large, goes the waiting way, in slices.
 */
public final class TigerBeetleLedgerClient implements LedgerClient {
    private static final Logger log = LoggerFactory.getLogger(TigerBeetleLedgerClient.class);

    private final Supplier<Client> connect;
    private final long requestTimeoutMs;
    private Client client;
    /** The most accounts or transfers (128 bytes each) one request carries, learnt from {@code TooMuchData}. */
    private final Limit writes = new Limit();
    /** The most ids (16 bytes each) one lookup carries, learnt the same way. */
    private final Limit lookups = new Limit();

    private static final class Limit {
        int eventsPerRequest = LedgerMapping.EVENTS_PER_REQUEST_MAX;
    }

    /** A request handed to {@code client}: its reply, and the client, to tell a closed one from a replaced one. */
    private record Sent<T>(Client client, CompletableFuture<T> reply) {}

    public TigerBeetleLedgerClient(long clusterId, List<String> replicaAddresses, long requestTimeoutMs) {
        if (replicaAddresses.isEmpty()) {
            throw new IllegalArgumentException("no TigerBeetle replica addresses");
        }
        if (requestTimeoutMs <= 0) {
            throw new IllegalArgumentException("requestTimeoutMs must be > 0");
        }
        String[] addresses = replicaAddresses.toArray(String[]::new);
        this.connect = () -> new Client(UInt128.asBytes(clusterId), addresses);
        this.requestTimeoutMs = requestTimeoutMs;
        this.client = connect.get();
    }

    @Override
    public synchronized List<AccountError> createAccounts(AccountBatch accounts) {
        List<AccountError> errors = new ArrayList<>();
        sliced(writes, accounts.getLength(), index -> false, (from, to) -> {
            Sent<CreateAccountResultBatch> sent = send(client -> client.createAccountsAsync(slice(accounts, from, to)));
            errors.addAll(accountErrors(await("create_accounts", sent), from));
        });
        return errors;
    }

    @Override
    public synchronized List<TransferError> createTransfers(TransferBatch transfers) {
        List<TransferError> errors = new ArrayList<>();
        sliced(writes, transfers.getLength(), index -> {
            transfers.setPosition(index);
            return TransferFlags.hasLinked(transfers.getFlags());
        }, (from, to) -> {
            Sent<CreateTransferResultBatch> sent = send(client -> client.createTransfersAsync(slice(transfers, from, to)));
            errors.addAll(transferErrors(await("create_transfers", sent), from));
        });
        return errors;
    }

    @Override
    public Pending<List<AccountError>> sendAccounts(AccountBatch accounts) {
        return sendWhole(accounts.getLength(), client -> client.createAccountsAsync(accounts), "create_accounts",
                results -> accountErrors(results, 0), () -> createAccounts(accounts));
    }

    @Override
    public Pending<List<TransferError>> sendTransfers(TransferBatch transfers) {
        return sendWhole(transfers.getLength(), client -> client.createTransfersAsync(transfers), "create_transfers",
                results -> transferErrors(results, 0), () -> createTransfers(transfers));
    }

    /**
     * Sends a batch of {@code events} as one request now and returns how to wait for its errors; a
     * batch larger than a request takes, or one the cluster refuses as too large, is sent in slices
     * by the waiting call instead ({@code sliced}), which learns how many events a request takes.
     */
    private <T, E> Pending<List<E>> sendWhole(int events, Function<Client, CompletableFuture<T>> request, String operation,
            Function<T, List<E>> errors, Supplier<List<E>> sliced) {
        Sent<T> sent;
        synchronized (this) {
            if (events > writes.eventsPerRequest) {
                return sliced::get;
            }
            sent = send(request);
        }
        return () -> {
            try {
                return errors.apply(await(operation, sent));
            } catch (TooMuchData e) {
                return sliced.get();
            }
        };
    }

    private static List<AccountError> accountErrors(CreateAccountResultBatch results, int first) {
        List<AccountError> errors = new ArrayList<>(results.getLength());
        while (results.next()) {
            errors.add(new AccountError(first + results.getIndex(), results.getResult()));
        }
        return errors;
    }

    private static List<TransferError> transferErrors(CreateTransferResultBatch results, int first) {
        List<TransferError> errors = new ArrayList<>(results.getLength());
        while (results.next()) {
            errors.add(new TransferError(first + results.getIndex(), results.getResult()));
        }
        return errors;
    }

    @Override
    public synchronized List<LedgerBalance> lookupAccounts(List<LedgerId> ids) {
        List<LedgerBalance> found = new ArrayList<>(ids.size());
        sliced(lookups, ids.size(), index -> false, (from, to) -> {
            IdBatch request = new IdBatch(to - from);
            for (LedgerId id : ids.subList(from, to)) {
                request.add(id.bytes());
            }
            AccountBatch accounts = await("lookup_accounts", send(client -> client.lookupAccountsAsync(request)));
            while (accounts.next()) {
                found.add(new LedgerBalance(LedgerId.of(accounts.getId()), accounts.getLedger(), accounts.getCode(),
                        accounts.getFlags(), accounts.getDebitsPending(), accounts.getDebitsPosted(),
                        accounts.getCreditsPending(), accounts.getCreditsPosted()));
            }
        });
        return found;
    }

    /** The most accounts or transfers this client now puts in one request (learnt from the cluster's refusals). */
    public synchronized int writesPerRequest() {
        return writes.eventsPerRequest;
    }

    private interface Send {
        void send(int from, int to);
    }

    /**
     * Sends events {@code [0, count)} in slices of at most {@code limit} events that never end
     * inside a chain ({@code linked} says whether an event links to the next); on {@code TooMuchData}
     * the slice size shrinks and the rest is sliced again.
     */
    private void sliced(Limit limit, int count, java.util.function.IntPredicate linked, Send send) {
        int from = 0;
        boolean learnt = false;
        while (from < count) {
            int to = Math.min(count, from + limit.eventsPerRequest);
            while (to < count && to > from && linked.test(to - 1)) {
                to--;
            }
            if (to == from) {
                // One chain longer than a request: send it whole, the cluster decides.
                to = from + 1;
                while (to < count && linked.test(to - 1)) {
                    to++;
                }
            }
            try {
                send.send(from, to);
                from = to;
                if (learnt) {
                    log.info("TigerBeetle refused larger requests: this client sends at most {} events per request from now on",
                            limit.eventsPerRequest);
                    learnt = false;
                }
            } catch (TooMuchData e) {
                int smaller = (to - from) * 7 / 8;
                if (smaller < 1 || to - from <= 1) {
                    throw new IllegalStateException(e.getMessage() + ": even " + (to - from) + " event(s) are too many", e);
                }
                log.debug("TigerBeetle refused {} events in one request ({}); trying {}", to - from, e.getMessage(), smaller);
                limit.eventsPerRequest = Math.min(limit.eventsPerRequest, smaller);
                learnt = true;
            }
        }
    }

    private static AccountBatch slice(AccountBatch all, int from, int to) {
        if (from == 0 && to == all.getLength()) {
            return all;
        }
        AccountBatch part = new AccountBatch(to - from);
        for (int i = from; i < to; i++) {
            all.setPosition(i);
            part.add();
            part.setId(all.getId());
            part.setUserData128(all.getUserData128());
            part.setUserData64(all.getUserData64());
            part.setUserData32(all.getUserData32());
            part.setLedger(all.getLedger());
            part.setCode(all.getCode());
            part.setFlags(all.getFlags());
            part.setTimestamp(all.getTimestamp());
        }
        return part;
    }

    private static TransferBatch slice(TransferBatch all, int from, int to) {
        if (from == 0 && to == all.getLength()) {
            return all;
        }
        TransferBatch part = new TransferBatch(to - from);
        for (int i = from; i < to; i++) {
            all.setPosition(i);
            part.add();
            part.setId(all.getId());
            part.setDebitAccountId(all.getDebitAccountId());
            part.setCreditAccountId(all.getCreditAccountId());
            part.setAmount(all.getAmount());
            part.setPendingId(all.getPendingId());
            part.setUserData128(all.getUserData128());
            part.setUserData64(all.getUserData64());
            part.setUserData32(all.getUserData32());
            part.setTimeout(all.getTimeout());
            part.setLedger(all.getLedger());
            part.setCode(all.getCode());
            part.setFlags(all.getFlags());
            part.setTimestamp(all.getTimestamp());
        }
        return part;
    }

    /** The cluster refused a request as larger than it takes. */
    private static final class TooMuchData extends RuntimeException {
        TooMuchData(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    private Client client() {
        if (client == null) {
            client = connect.get();
        }
        return client;
    }

    /** Hands a request to the client; what the client throws at once is the reply's failure, for {@link #await}. */
    private synchronized <T> Sent<T> send(Function<Client, CompletableFuture<T>> request) {
        Client used = client();
        try {
            return new Sent<>(used, request.apply(used));
        } catch (RuntimeException e) {
            return new Sent<>(used, CompletableFuture.failedFuture(e));
        }
    }

    private <T> T await(String operation, Sent<T> sent) {
        try {
            return sent.reply().get(requestTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new LedgerUnavailableException(operation + ": no answer within " + requestTimeoutMs + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException(operation + ": interrupted", e);
        } catch (ExecutionException e) {
            throw translate(operation, e.getCause(), sent.client());
        }
    }

    private RuntimeException translate(String operation, Throwable cause, Client sentOn) {
        if (cause instanceof RequestException request) {
            PacketStatus status = PacketStatus.fromValue(request.getStatus());
            switch (status) {
                case TooMuchData -> {
                    return new TooMuchData(operation + ": " + status, cause);
                }
                case ClientEvicted, ClientShutdown -> {
                    log.warn("{}: TigerBeetle client {}; reconnecting before the next request", operation, status);
                    closeIfCurrent(sentOn);
                    return new LedgerUnavailableException(operation + ": " + status, cause);
                }
                default -> {
                    // Release mismatch, too much data, invalid operation: retrying cannot help.
                    return new IllegalStateException(operation + ": TigerBeetle refused the request: " + status, cause);
                }
            }
        }
        if (cause instanceof ClientClosedException) {
            if (replaced(sentOn)) {
                // Sent before an eviction closed that client: a new one sends it again.
                return new LedgerUnavailableException(operation + ": sent on a client closed since", cause);
            }
            return new IllegalStateException(operation + ": the TigerBeetle client is closed", cause);
        }
        return new IllegalStateException(operation + ": unexpected client failure", cause);
    }

    /** Closes the client a request went out on if it is still the current one (another request's eviction may have replaced it). */
    private synchronized void closeIfCurrent(Client sentOn) {
        if (client == sentOn) {
            close();
        }
    }

    private synchronized boolean replaced(Client sentOn) {
        return client != sentOn;
    }
}
