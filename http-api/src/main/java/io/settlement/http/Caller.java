package io.settlement.http;

import java.util.Optional;

/**
 * Who sent a request, from its verified bearer token (docs/security.md). A {@link Role#USER}
 * token's subject is the user id: it reads and moves only that user's money. A
 * {@link Role#SERVICE} token (the wallet service, the order gateway) submits commands and reads
 * statuses for any user. An {@link Role#OPERATOR} token reads anything and {@code /metrics},
 * and submits nothing.
 *
 * @param subject the token's {@code sub}
 * @param role what the token may do
 */
public record Caller(String subject, Role role) {
    /** What a token may do, from its {@code scope} claim. */
    public enum Role { USER, SERVICE, OPERATOR }

    /** The user a user token speaks for; empty for service and operator tokens. */
    Optional<Long> userId() {
        return role == Role.USER ? Optional.of(Long.parseLong(subject)) : Optional.empty();
    }

    /** The name the rate limit counts under: one bucket per subject and role. */
    String principal() {
        return role.name() + ':' + subject;
    }

    /**
     * Reading {@code userId}'s data: a user token naming another user is 404, exactly what a
     * user that does not exist answers, so it learns nothing about other users.
     */
    void checkMayRead(long userId) {
        if (role == Role.USER && Long.parseLong(subject) != userId) {
            throw new ApiError(ErrorCode.NOT_FOUND, "no user " + userId);
        }
    }

    /** Submitting a transfer for {@code userId}: a user token only for itself, a service for anyone. */
    void checkMaySubmitFor(long userId) {
        if (role == Role.OPERATOR) {
            throw new ApiError(ErrorCode.FORBIDDEN, "an operator token submits no commands");
        }
        if (role == Role.USER && Long.parseLong(subject) != userId) {
            throw new ApiError(ErrorCode.FORBIDDEN, "a user token submits commands only for its own user id " + subject);
        }
    }

    /** Deposits and their confirmations come from the wallet service only. */
    void checkService(String what) {
        if (role != Role.SERVICE) {
            throw new ApiError(ErrorCode.FORBIDDEN, what + " needs a service token (scope " + JwtAuthenticator.SCOPE_SERVICE + ")");
        }
    }

    /** Reads across users ({@code /metrics}, trade command statuses). */
    void checkServiceOrOperator(String what) {
        if (role == Role.USER) {
            throw new ApiError(ErrorCode.FORBIDDEN, what + " needs a service or operator token");
        }
    }
}
