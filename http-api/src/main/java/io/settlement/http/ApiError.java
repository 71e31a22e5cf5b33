package io.settlement.http;

/**
 * A request that cannot be answered with data: bad input, an unknown id, or a store or peer that
 * is not available right now. Thrown by the route handlers and turned into the one error shape
 * {@code {"code": ..., "message": ...}} by {@link HttpApi}.
 */
public final class ApiError extends RuntimeException {
    private final ErrorCode code;

    public ApiError(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ApiError(ErrorCode code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
