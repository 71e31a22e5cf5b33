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
import com.tigerbeetle.UInt128;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link LedgerClient} over the real {@code com.tigerbeetle.Client} (which loads its native
 * library when constructed, so tests never construct this class). The TigerBeetle client retries
 * a request by itself until the cluster answers; this class bounds each request by
 * {@code requestTimeoutMs} so the sink can back off, report and keep its consumer alive. An
 * evicted client is replaced by a new one before the next request.
 */
public final class TigerBeetleLedgerClient implements LedgerClient {
    private static final Logger log = LoggerFactory.getLogger(TigerBeetleLedgerClient.class);

    private final Supplier<Client> connect;
    private final long requestTimeoutMs;
    private Client client;

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
        CreateAccountResultBatch results = await("create_accounts", client().createAccountsAsync(accounts));
        List<AccountError> errors = new ArrayList<>(results.getLength());
        while (results.next()) {
            errors.add(new AccountError(results.getIndex(), results.getResult()));
        }
        return errors;
    }

    @Override
    public synchronized List<TransferError> createTransfers(TransferBatch transfers) {
        CreateTransferResultBatch results = await("create_transfers", client().createTransfersAsync(transfers));
        List<TransferError> errors = new ArrayList<>(results.getLength());
        while (results.next()) {
            errors.add(new TransferError(results.getIndex(), results.getResult()));
        }
        return errors;
    }

    @Override
    public synchronized List<LedgerBalance> lookupAccounts(List<LedgerId> ids) {
        List<LedgerBalance> found = new ArrayList<>(ids.size());
        for (int from = 0; from < ids.size(); from += LedgerMapping.EVENTS_PER_REQUEST_MAX) {
            List<LedgerId> chunk = ids.subList(from, Math.min(ids.size(), from + LedgerMapping.EVENTS_PER_REQUEST_MAX));
            IdBatch request = new IdBatch(chunk.size());
            for (LedgerId id : chunk) {
                request.add(id.bytes());
            }
            AccountBatch accounts = await("lookup_accounts", client().lookupAccountsAsync(request));
            while (accounts.next()) {
                found.add(new LedgerBalance(LedgerId.of(accounts.getId()), accounts.getLedger(), accounts.getCode(),
                        accounts.getFlags(), accounts.getDebitsPending(), accounts.getDebitsPosted(),
                        accounts.getCreditsPending(), accounts.getCreditsPosted()));
            }
        }
        return found;
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

    private <T> T await(String operation, CompletableFuture<T> reply) {
        try {
            return reply.get(requestTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new LedgerUnavailableException(operation + ": no answer within " + requestTimeoutMs + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException(operation + ": interrupted", e);
        } catch (ExecutionException e) {
            throw translate(operation, e.getCause());
        } catch (ClientClosedException e) {
            throw new IllegalStateException(operation + ": the TigerBeetle client is closed", e);
        }
    }

    private RuntimeException translate(String operation, Throwable cause) {
        if (cause instanceof RequestException request) {
            PacketStatus status = PacketStatus.fromValue(request.getStatus());
            switch (status) {
                case ClientEvicted, ClientShutdown -> {
                    log.warn("{}: TigerBeetle client {}; reconnecting before the next request", operation, status);
                    close();
                    return new LedgerUnavailableException(operation + ": " + status, cause);
                }
                default -> {
                    // Release mismatch, too much data, invalid operation: retrying cannot help.
                    return new IllegalStateException(operation + ": TigerBeetle refused the request: " + status, cause);
                }
            }
        }
        if (cause instanceof ClientClosedException) {
            return new IllegalStateException(operation + ": the TigerBeetle client is closed", cause);
        }
        return new IllegalStateException(operation + ": unexpected client failure", cause);
    }
}
