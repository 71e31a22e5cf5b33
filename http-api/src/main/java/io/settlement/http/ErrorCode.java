package io.settlement.http;

/**
 * The stable error codes of the HTTP API, each with its HTTP status. Clients switch on the code,
 * never on the message. Adding a code is compatible; renaming one is not.
 */
public enum ErrorCode {
    /** The body is not JSON, or not a JSON object, gives a field twice, or has a number whose exponent no decimal holds. */
    INVALID_JSON(400),
    /** The HTTP request itself is malformed (an encoded NUL or ambiguous segment in the URI, a bad request line): refused before routing. */
    MALFORMED_REQUEST(400),
    /** The body has a field the route does not read. */
    UNKNOWN_FIELD(400),
    /** The amount is missing, not a decimal, zero or negative. */
    INVALID_AMOUNT(400),
    /** The amount has more decimal places than the asset's scale. */
    TOO_MANY_DECIMALS(400),
    /** The amount in minor units does not fit in a signed 64-bit integer. */
    AMOUNT_TOO_LARGE(400),
    /** The asset code is not configured. */
    UNKNOWN_ASSET(400),
    /** The wallet is not FUNDING or SPOT. */
    UNKNOWN_WALLET(400),
    /** A transfer from a wallet to itself. */
    SAME_WALLET(400),
    /** The two sides of a transfer on the original gateway's route name different assets. */
    ASSET_MISMATCH(400),
    /** The user id is missing, not an integer, or not > 0. */
    INVALID_USER_ID(400),
    /** A command id (request_id, transaction_id, Idempotency-Key, path id) is missing, too long or has characters outside [A-Za-z0-9._~-]. */
    INVALID_ID(400),
    /** The command kind is not one of the CommandKind names. */
    UNKNOWN_KIND(400),
    /** {@code GET /api/v1/commands/{id}} needs a qualified {@code KIND:id}. */
    UNQUALIFIED_COMMAND_ID(400),
    /** A page size ({@code limit}) outside 1..500, or not an integer. */
    INVALID_LIMIT(400),
    /** A paging cursor that is malformed or was not issued by the same query. */
    INVALID_CURSOR(400),
    /** An instant ({@code as_of}, {@code from}, {@code to}) that is not an RFC 3339 date-time with an offset, lies more than a minute in the future, or a {@code from} after its {@code to}. */
    INVALID_INSTANT(400),
    /** An {@code X-Settlement-After-Command} header that is not {@code KIND:user_id:id} of a user's command. */
    INVALID_COMMAND_KEY(400),
    /** No bearer token, or one that is malformed, wrongly signed, expired, not yet valid, or for another issuer or audience. */
    UNAUTHENTICATED(401),
    /** A valid token whose role may not do this (a user token depositing, or submitting for another user). */
    FORBIDDEN(403),
    /** No such id (or no result yet), or no such route; also another user's data, to a user token. */
    NOT_FOUND(404),
    /** No snapshot of the proof of liabilities is stored with this id. */
    UNKNOWN_SNAPSHOT(404),
    /** The user has no leaf in the snapshot (in the asset asked for): nothing was owed to it at the snapshot's cut. */
    NOT_IN_SNAPSHOT(404),
    /** The route exists for another method. */
    METHOD_NOT_ALLOWED(405),
    /** The same request id (or Idempotency-Key) was submitted here before with different content. */
    ID_CONFLICT(409),
    /** The request body is larger than the limit. */
    PAYLOAD_TOO_LARGE(413),
    /** The request line or headers are larger than the server accepts (16 KB). */
    HEADERS_TOO_LARGE(431),
    /** This principal sent more POSTs than its rate limit: retry after Retry-After. */
    RATE_LIMITED(429),
    /** A bug; the log has the stack trace. */
    INTERNAL_ERROR(500),
    /** The store is rebalancing or restoring, or no instance owns the key right now: retry after Retry-After. */
    STORE_UNAVAILABLE(503),
    /** The instance that owns the key did not answer in time: retry after Retry-After. */
    FORWARD_FAILED(503),
    /** No history store (history, proofs of liabilities) is configured on this instance, or it did not answer: retry after Retry-After (if configured). */
    HISTORY_UNAVAILABLE(503),
    /** A read as of an instant later than the history store is complete up to (the sink lags, or has recorded no progress yet): retry after Retry-After. */
    HISTORY_NOT_CAUGHT_UP(503),
    /** The command could not be written to Kafka in time; it may or may not have been published: retry with the same id. */
    PUBLISH_FAILED(503),
    /** A read-your-writes lookup ({@code X-Settlement-After-Command}) whose command is not applied yet on the owning instance; retry after Retry-After. */
    NOT_YET_APPLIED(503);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** Whether the client should retry after {@code Retry-After}. */
    public boolean retryable() {
        return httpStatus == 503 || httpStatus == 429;
    }
}
