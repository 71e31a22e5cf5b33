package io.settlement.app;

import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_APPLICATION;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

class StreamsFailurePolicyTest {
    private final StreamsFailurePolicy policy = new StreamsFailurePolicy(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));

    @Test
    void brokenInvariantStopsEveryInstance() {
        Throwable bug = new StreamsException(new IllegalStateException("balance about to go negative"));

        assertThat(policy.handle(bug)).isEqualTo(SHUTDOWN_APPLICATION);
    }

    @Test
    void retriableErrorReplacesTheThreadAFewTimesThenStopsThisInstance() {
        Throwable timeout = new StreamsException(new TimeoutException("broker away"));

        for (int i = 0; i < StreamsFailurePolicy.THREAD_REPLACEMENTS_MAX; i++) {
            assertThat(policy.handle(timeout)).isEqualTo(REPLACE_THREAD);
        }
        assertThat(policy.handle(timeout)).isEqualTo(SHUTDOWN_CLIENT);
    }

    @Test
    void anyOtherErrorStopsThisInstance() {
        assertThat(policy.handle(new StreamsException("disk full"))).isEqualTo(SHUTDOWN_CLIENT);
    }
}
