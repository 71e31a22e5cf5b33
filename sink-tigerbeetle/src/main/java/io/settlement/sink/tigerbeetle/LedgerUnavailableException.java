package io.settlement.sink.tigerbeetle;

/**
 * TigerBeetle did not answer a request (timeout, evicted or shut-down client). Transient: the
 * same request may be sent again, because every account and transfer id is deterministic.
 */
public final class LedgerUnavailableException extends RuntimeException {
    public LedgerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
