package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.errors.NotControllerException;
import org.junit.jupiter.api.Test;

/** Only the restarted controller's early-registration refusal is dropped; every other ControllerApis error still shows. */
class EarlyControllerRegistrationTest {
    private final LoggerContext context = new LoggerContext();
    private final EarlyControllerRegistration filter = new EarlyControllerRegistration();
    /** As Kafka 4.4.0 logs it (shortened): the request, then the refusal wrapped by the controller's future. */
    private static final String MESSAGE = "[ControllerApis nodeId=1] Unexpected error handling request RequestHeader(apiKey=CONTROLLER_REGISTRATION, "
            + "apiVersion=0, clientId=1, correlationId=0, headerVersion=2) -- ControllerRegistrationRequestData(controllerId=1, ...)";

    @Test
    void dropsTheRefusedEarlyControllerRegistrationOnly() {
        var controllerApis = context.getLogger(EarlyControllerRegistration.LOGGER);
        var refused = new CompletionException(new NotControllerException("The active controller appears to be node 1."));
        long before = EarlyControllerRegistration.dropped();

        assertThat(decide(null, controllerApis, Level.ERROR, MESSAGE, null, refused)).isEqualTo(FilterReply.DENY);
        assertThat(EarlyControllerRegistration.dropped()).isEqualTo(before + 1);
        // another request, another exception, another logger or level: left alone
        assertThat(decide(null, controllerApis, Level.ERROR, MESSAGE.replace("CONTROLLER_REGISTRATION", "CREATE_TOPICS"), null, refused))
                .isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide(null, controllerApis, Level.ERROR, MESSAGE, null, new CompletionException(new IllegalStateException("disk"))))
                .isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide(null, context.getLogger("kafka.server.KafkaApis"), Level.ERROR, MESSAGE, null, refused)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide(null, controllerApis, Level.WARN, MESSAGE, null, refused)).isEqualTo(FilterReply.NEUTRAL);
    }

    /** What the console appender's filter answers for an event logged so. */
    private FilterReply decide(Object marker, ch.qos.logback.classic.Logger logger, Level level, String format, Object[] params, Throwable t) {
        return filter.decide(new ch.qos.logback.classic.spi.LoggingEvent(getClass().getName(), logger, level, format, t, params));
    }
}
