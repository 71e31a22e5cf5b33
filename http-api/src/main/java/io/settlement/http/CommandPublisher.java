package io.settlement.http;

import io.settlement.avro.BalanceOperation;
import io.settlement.avro.TransferRequest;

/**
 * Publishes the commands the HTTP API accepts on behalf of clients. Each call returns once the
 * record is acknowledged, or throws {@link PublishException} (the command may or may not have been
 * written; a retry with the same id is safe because the topology is idempotent per id and content).
 */
public interface CommandPublisher extends AutoCloseable {
    /** Writes {@code request} to {@code transfer.requests}, keyed and partitioned by its user id. */
    void publishTransfer(TransferRequest request);

    /** Writes {@code operation} to {@code balance.operations}, keyed and partitioned by its user id. */
    void publishBalanceOperation(BalanceOperation operation);

    @Override
    void close();

    /** The command could not be published within the publisher's timeout. */
    final class PublishException extends RuntimeException {
        public PublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
