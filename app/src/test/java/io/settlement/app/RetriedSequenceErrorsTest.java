package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.junit.jupiter.api.Test;

/** Only the broker's retried out-of-order-sequence ERROR is dropped; every other error still shows. */
class RetriedSequenceErrorsTest {
    private final LoggerContext context = new LoggerContext();
    private final RetriedSequenceErrors filter = new RetriedSequenceErrors();

    @Test
    void dropsTheReplicaManagersOutOfOrderSequenceErrorOnly() {
        // given the broker's logger and another one
        var replicaManager = context.getLogger(RetriedSequenceErrors.BROKER_LOGGER);
        var other = context.getLogger("kafka.server.KafkaApis");
        var outOfOrder = new OutOfOrderSequenceException("Out of order sequence number for producer 1");
        long before = RetriedSequenceErrors.dropped();

        // when / then the retried rejection is dropped and counted
        assertThat(decide(null, replicaManager, Level.ERROR, "Error processing append operation", null, outOfOrder))
                .isEqualTo(FilterReply.DENY);
        assertThat(RetriedSequenceErrors.dropped()).isEqualTo(before + 1);
        // and any other exception, logger or level is left alone
        assertThat(decide(null, replicaManager, Level.ERROR, "Error processing append operation", null,
                new IllegalStateException("disk"))).isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide(null, other, Level.ERROR, "x", null, outOfOrder)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide(null, replicaManager, Level.WARN, "x", null, outOfOrder)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide(null, replicaManager, Level.ERROR, "x", null, null)).isEqualTo(FilterReply.NEUTRAL);
    }

    @Test
    void dropsTheProducersRetriedConcurrentTransactionsWarningOnly() {
        // given the producer's sender logger
        var sender = context.getLogger(RetriedSequenceErrors.PRODUCER_LOGGER);
        String format = "Got error produce response with correlation id {} on topic-partition {}, retrying ({} attempts left). Error: {}";

        // when / then its retry after CONCURRENT_TRANSACTIONS is dropped, any other error is not
        assertThat(decide(null, sender, Level.WARN, format, new Object[] {623, "settlement.results-3", 2147483646, "CONCURRENT_TRANSACTIONS"}, null))
                .isEqualTo(FilterReply.DENY);
        assertThat(decide(null, sender, Level.WARN, format, new Object[] {623, "settlement.results-3", 2147483646, "NOT_LEADER_OR_FOLLOWER"}, null))
                .isEqualTo(FilterReply.NEUTRAL);
    }

    /** What the console appender's filter answers for an event logged so. */
    private FilterReply decide(Object marker, ch.qos.logback.classic.Logger logger, Level level, String format, Object[] params, Throwable t) {
        return filter.decide(new ch.qos.logback.classic.spi.LoggingEvent(getClass().getName(), logger, level, format, t, params));
    }
}
