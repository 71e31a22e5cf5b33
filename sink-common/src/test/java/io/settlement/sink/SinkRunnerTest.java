package io.settlement.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SinkRunnerTest {
    private static final Duration WITHIN = Duration.ofSeconds(20);

    @Test
    void aSinkWhoseStartFailsIsReportedStartingWithTheFailureAndRunsOnceItCanStart() {
        // given a database that refuses the first connection
        FakeSink sink = new FakeSink(1);

        // when the runner starts the sink
        try (SinkRunner runner = SinkRunner.start(sink)) {
            // then it reports the failure while it waits to try again, and the sink's own state once it runs
            await().atMost(WITHIN).until(() -> runner.health().detail().contains("connection refused"));
            assertThat(runner.health()).isEqualTo(Health.down(
                    "STARTING: cannot start against db:1 (java.lang.IllegalStateException: connection refused); retrying"));
            await().atMost(WITHIN).until(runner::started);
            assertThat(runner.health()).isEqualTo(Health.up("UP, lag 0, rows written 0"));
            assertThat(sink.attempts.get()).isEqualTo(2);
        }
        // and closing the runner stops the sink
        assertThat(sink.closed).isTrue();
    }

    @Test
    void aDegradedSinkIsUnhealthyWithItsProblemsAndProgress() {
        // given a running sink with a halted partition
        FakeSink sink = new FakeSink(0);
        sink.health = Health.degraded("halted journal-3 at offset 7");
        sink.progress = new Sink.Progress(12, 1284, "rows");

        try (SinkRunner runner = SinkRunner.start(sink)) {
            await().atMost(WITHIN).until(runner::started);

            // when / then
            assertThat(runner.health()).isEqualTo(Health.degraded("DEGRADED, lag 12, rows written 1284: halted journal-3 at offset 7"));
            assertThat(runner.health().healthy()).isFalse();
        }
    }

    @Test
    void closingWhileTheStartKeepsFailingStopsTrying() {
        // given a database that never answers
        FakeSink sink = new FakeSink(Integer.MAX_VALUE);
        SinkRunner runner = SinkRunner.start(sink);
        await().atMost(WITHIN).until(() -> sink.attempts.get() >= 1);

        // when
        runner.close();
        int attemptsAtClose = sink.attempts.get();

        // then no start is attempted afterwards (the next one would come after the 1 s backoff)
        await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(3)).until(() -> sink.attempts.get() == attemptsAtClose);
        assertThat(runner.started()).isFalse();
    }

    /** A sink whose first {@code failures} starts fail. */
    private static final class FakeSink implements Sink {
        final AtomicInteger attempts = new AtomicInteger();
        final int failures;
        volatile Health health = Health.up("");
        volatile Progress progress = new Progress(0, 0, "rows");
        volatile boolean closed;

        FakeSink(int failures) {
            this.failures = failures;
        }

        @Override
        public String name() {
            return "test-sink";
        }

        @Override
        public String target() {
            return "db:1";
        }

        @Override
        public void start() {
            if (attempts.incrementAndGet() <= failures) {
                throw new IllegalStateException("connection refused");
            }
        }

        @Override
        public Health health() {
            return health;
        }

        @Override
        public Progress progress() {
            return progress;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
