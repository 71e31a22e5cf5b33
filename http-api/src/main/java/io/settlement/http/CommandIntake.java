package io.settlement.http;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.CommandKind;
import io.settlement.avro.TransferRequest;
import io.settlement.contract.CommandKeys;
import io.settlement.topology.balance.ResultRules;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Publishes the commands clients submit over HTTP, once per id. A transfer's request id is the
 * client's {@code request_id}, or derived from the {@code Idempotency-Key} header and the user
 * ({@link #requestIdFor}), or fresh; so a retry with the same key gets the same id on any
 * instance. A retry this instance remembers is answered without publishing again; any other
 * duplicate is published and settled once by the topology's idempotency.
 */
final class CommandIntake {
    /** What happened to a submitted command. */
    enum Submission { PUBLISHED, ALREADY_SUBMITTED }

    private final CommandPublisher publisher;
    private final RecentSubmissions recent;

    CommandIntake(CommandPublisher publisher, RecentSubmissions recent) {
        this.publisher = publisher;
        this.recent = recent;
    }

    /**
     * The request id of a transfer: the client's own, else a name-based UUID of the user and the
     * Idempotency-Key (the same on every instance, and two users' keys never collide), else a
     * random UUID.
     */
    static String requestIdFor(Optional<String> clientRequestId, Optional<String> idempotencyKey, long userId) {
        if (clientRequestId.isPresent()) {
            return clientRequestId.get();
        }
        return idempotencyKey
                .map(key -> "idem-" + UUID.nameUUIDFromBytes(("transfer\n" + userId + "\n" + key).getBytes(StandardCharsets.UTF_8)))
                .orElseGet(() -> UUID.randomUUID().toString());
    }

    Submission submitTransfer(TransferRequest request) {
        String key = CommandKeys.of(CommandKind.INTERNAL_TRANSFER, request.getUserId(), request.getRequestId());
        String fingerprint = request.getUserId() + "|" + request.getFromWallet() + "|" + request.getToWallet()
                + "|" + request.getAsset() + "|" + request.getAmount();
        return submit(key, fingerprint, false, () -> publisher.publishTransfer(request));
    }

    /**
     * A balance operation. One that may overtake what it names (a deposit confirmation before its
     * deposit) is published again on every retry: its first attempt may have been rejected
     * without claiming its id ({@link ResultRules}), and only a new attempt can apply it.
     */
    Submission submitBalanceOperation(CommandKind kind, BalanceOperation operation) {
        String key = CommandKeys.of(kind, operation.getUserId(), operation.getCommandId());
        String fingerprint = operation.getUserId() + "|" + operation.getOperation();
        return submit(key, fingerprint, ResultRules.mayComeEarly(kind), () -> publisher.publishBalanceOperation(operation));
    }

    /** Whether this instance submitted {@code commandKey} lately (a missing result then means "pending"). */
    boolean submittedHere(String commandKey) {
        return recent.contains(commandKey);
    }

    static Instant now() {
        return Instant.ofEpochMilli(System.currentTimeMillis());
    }

    private Submission submit(String commandKey, String fingerprint, boolean publishRetries, Runnable publish) {
        Optional<String> known = recent.fingerprintOf(commandKey);
        if (known.isPresent()) {
            if (!known.get().equals(fingerprint)) {
                throw new ApiError(ErrorCode.ID_CONFLICT, commandKey + " was submitted before with other content");
            }
            if (!publishRetries) {
                return Submission.ALREADY_SUBMITTED;
            }
        }
        try {
            publish.run();
        } catch (CommandPublisher.PublishException e) {
            throw new ApiError(ErrorCode.PUBLISH_FAILED, e.getMessage() + "; retry with the same id", e);
        }
        recent.remember(commandKey, fingerprint);
        return Submission.PUBLISHED;
    }
}
