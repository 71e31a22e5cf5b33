package io.settlement.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * Keeps one known, harmless broker ERROR out of the user's log: {@code kafka.server.ReplicaManager}
 * logging "Error processing append operation" with an {@code OutOfOrderSequenceException}, which
 * the embedded broker of {@code dev} writes a few dozen times per few hundred trades.
 *
 * <p>Why it happens: with transactions (KIP-890, transactions v2) a produce request to a partition
 * not yet in the transaction is verified with the transaction coordinator; while the coordinator
 * still writes the markers of the producer's previous transaction it answers
 * {@code CONCURRENT_TRANSACTIONS}, a retriable error, for the first batch. The producer has
 * further batches for the same partition in flight (up to five), with higher sequence numbers;
 * the broker rejects them with {@code OUT_OF_ORDER_SEQUENCE_NUMBER} because the first one is
 * missing, and logs each at ERROR with a stack trace. The producer retries the first batch and then
 * the others, in order; nothing is lost, duplicated or aborted (the exactly-once tests count one
 * result per command). The broker logs a client's retriable rejection as its own error.
 *
 * <p>Only that logger and that exception are dropped, and the producer's own WARN for the retried
 * {@code CONCURRENT_TRANSACTIONS} answer ({@code Sender}: "Got error produce response ... retrying
 * ... Error: CONCURRENT_TRANSACTIONS"); every other broker error and producer warning still shows.
 * The first broker error dropped is noted once at INFO, and {@link #dropped()} counts both kinds.
 *
 * <p>A filter of the console appender, not a turbo filter: logback asks every turbo filter on
 * every level check, {@code isTraceEnabled()} included, which the Kafka clients and Streams make
 * several times per record (a profile of the benchmark found it at 4.5% of the stream thread).
 * An appender filter sees only the events that passed their logger's level.
 */
public final class RetriedSequenceErrors extends Filter<ILoggingEvent> {
    static final String BROKER_LOGGER = "kafka.server.ReplicaManager";
    static final String EXCEPTION = "org.apache.kafka.common.errors.OutOfOrderSequenceException";
    /** The producer's side of the same event: a WARN per batch it retries after CONCURRENT_TRANSACTIONS. */
    static final String PRODUCER_LOGGER = "org.apache.kafka.clients.producer.internals.Sender";
    static final String CONCURRENT_TRANSACTIONS = "CONCURRENT_TRANSACTIONS";

    private static final AtomicLong DROPPED = new AtomicLong();

    /** How many such errors were kept out of the log in this process. */
    public static long dropped() {
        return DROPPED.get();
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
        Level level = event.getLevel();
        String logger = event.getLoggerName();
        String format = event.getMessage();
        Object[] params = event.getArgumentArray();
        if (level == Level.WARN && PRODUCER_LOGGER.equals(logger) && format != null
                && format.startsWith("Got error produce response") && params != null && params.length > 0
                && CONCURRENT_TRANSACTIONS.equals(String.valueOf(params[params.length - 1]))) {
            DROPPED.incrementAndGet();
            return FilterReply.DENY;
        }
        if (event.getThrowableProxy() == null || level != Level.ERROR || !BROKER_LOGGER.equals(logger)
                || !EXCEPTION.equals(event.getThrowableProxy().getClassName())) {
            return FilterReply.NEUTRAL;
        }
        if (DROPPED.incrementAndGet() == 1) {
            LoggerFactory.getLogger(RetriedSequenceErrors.class).info("The broker rejected an out-of-order batch that the "
                    + "producer retries (CONCURRENT_TRANSACTIONS first); such broker errors are harmless and no longer logged (docs/running.md)");
        }
        return FilterReply.DENY;
    }
}
