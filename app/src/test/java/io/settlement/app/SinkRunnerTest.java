package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settlement.http.ComponentHealth;
import io.settlement.sink.SinkHealth;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SinkRunnerTest {
    private static final Duration WITHIN = Duration.ofSeconds(20);

    @Test
    void aSinkWhoseStartFailsIsReportedStartingWithTheFailureAndRunsOnceItCanStart() {
        // given a database that refuses the first connection
        AtomicInteger attempts = new AtomicInteger();
        FakeSink sink = new FakeSink();

        // when the runner starts the sink
        try (SinkRunner runner = SinkRunner.start("test-sink", "db:1", () -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("connection refused");
            }
            return sink;
        })) {
            // then it reports the failure while it waits to try again, and the sink's own state once it runs
            await().atMost(WITHIN).until(() -> attempts.get() >= 1 && runner.health().detail().contains("connection refused"));
            assertThat(runner.health()).isEqualTo(ComponentHealth.down(
                    "STARTING: cannot start against db:1 (java.lang.IllegalStateException: connection refused); retrying"));
            await().atMost(WITHIN).until(() -> runner.running() != null);
            assertThat(runner.health()).isEqualTo(ComponentHealth.up("UP, lag 0"));
            assertThat(attempts.get()).isEqualTo(2);
        }
        // and closing the runner stops the sink
        assertThat(sink.closed).isTrue();
    }

    @Test
    void aDegradedSinkIsUnhealthyWithItsProblems() {
        // given a running sink with a halted partition
        FakeSink sink = new FakeSink();
        sink.state = SinkHealth.State.DEGRADED;
        sink.problems = List.of("halted journal-3 at offset 7");

        try (SinkRunner runner = SinkRunner.start("test-sink", "db:1", () -> sink)) {
            await().atMost(WITHIN).until(() -> runner.running() != null);

            // when / then
            assertThat(runner.health()).isEqualTo(ComponentHealth.down("DEGRADED, lag 0: halted journal-3 at offset 7"));
        }
    }

    @Test
    void closingWhileTheStartKeepsFailingStopsTrying() {
        // given a database that never answers
        AtomicInteger attempts = new AtomicInteger();
        SinkRunner runner = SinkRunner.start("test-sink", "db:1", () -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("no route to host");
        });
        await().atMost(WITHIN).until(() -> attempts.get() >= 1);

        // when
        runner.close();
        int attemptsAtClose = attempts.get();

        // then no start is attempted afterwards (the next one would come after the 1 s backoff)
        await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(3)).until(() -> attempts.get() == attemptsAtClose);
        assertThat(runner.running()).isNull();
    }

    @Test
    void aSinkThatIsNotConfiguredIsHealthyAndSaysSo() {
        assertThat(Sinks.off("scylla.contact-points"))
                .isEqualTo(ComponentHealth.up("OFF: not configured (scylla.contact-points is empty)"));
    }

    private static final class FakeSink implements SinkRunner.RunningSink {
        volatile SinkHealth.State state = SinkHealth.State.UP;
        volatile List<String> problems = List.of();
        volatile boolean closed;

        @Override
        public String progress() {
            return "lag 0";
        }

        @Override
        public State state() {
            return state;
        }

        @Override
        public List<String> problems() {
            return problems;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
