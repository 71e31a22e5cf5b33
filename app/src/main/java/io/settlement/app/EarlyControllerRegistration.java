package io.settlement.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps one known, harmless ERROR of the embedded broker's restart out of the user's log:
 * {@code kafka.server.ControllerApis} logging "Unexpected error handling request
 * RequestHeader(apiKey=CONTROLLER_REGISTRATION ...)" with a {@code NotControllerException} ("The
 * active controller appears to be node 1").
 *
 * <p>Why it happens (Kafka 4.4.0, one process that is broker and KRaft controller, started again on
 * its data): the Raft layer knows from its log that this node was the leader, and wins the new
 * election within milliseconds; the node's controller registration (KIP-919) is sent to that leader
 * as soon as the replayed metadata shows a metadata version. The controller itself only becomes
 * active once it has replayed its log up to the new epoch, up to a second or more later on a busy
 * machine. A registration arriving in between is refused {@code NOT_CONTROLLER}, and
 * {@code ControllerApis} logs the refusal at ERROR with a stack trace although the registration
 * manager retries it and it succeeds right after the activation. Measured on this machine: none in
 * seven restarts after SIGKILL on a quiet machine, one in each of four beside two busy CPU loops. A fresh
 * data directory has no previous leader, so the registration waits for the election and this
 * never happens there.
 *
 * <p>Only that logger, that request and that exception are dropped; any other error of
 * {@code ControllerApis}, and a registration failing for another reason, still shows.
 */
public final class EarlyControllerRegistration extends Filter<ILoggingEvent> {
    static final String LOGGER = "kafka.server.ControllerApis";
    static final String REQUEST = "apiKey=CONTROLLER_REGISTRATION";
    static final String EXCEPTION = "org.apache.kafka.common.errors.NotControllerException";

    private static final AtomicLong DROPPED = new AtomicLong();

    /** How many such errors were kept out of the log in this process. */
    public static long dropped() {
        return DROPPED.get();
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
        String format = event.getMessage();
        if (event.getThrowableProxy() == null || event.getLevel() != Level.ERROR || format == null
                || !LOGGER.equals(event.getLoggerName()) || !format.contains(REQUEST)) {
            return FilterReply.NEUTRAL;
        }
        for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
            if (EXCEPTION.equals(cause.getClassName())) {
                DROPPED.incrementAndGet();
                return FilterReply.DENY;
            }
        }
        return FilterReply.NEUTRAL;
    }
}
