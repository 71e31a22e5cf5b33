package io.settlement.sink.tigerbeetle;

import io.micrometer.core.instrument.Counter;
import io.settlement.retry.RetryPolicy;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the TigerBeetle sink waits for an answer: a request TigerBeetle did not answer
 * ({@link LedgerUnavailableException}) is sent again as the sink's {@link RetryPolicy} says (a pause
 * that doubles per attempt, up to {@code retryAttemptsMax} attempts); then it counts as unanswered. Every id is deterministic, so
 * sending a request again is safe. Remembers the last failure as the sink's problem until an
 * answer comes.
 */
final class LedgerRetries {
    private static final Logger log = LoggerFactory.getLogger(LedgerRetries.class);

    private final RetryPolicy policy;
    private final RetryPolicy.Pause pause;
    private final BooleanSupplier closing;
    private final Counter retries;
    private volatile String problem;

    LedgerRetries(RetryPolicy policy, RetryPolicy.Pause pause, BooleanSupplier closing, Counter retries) {
        this.policy = policy;
        this.pause = pause;
        this.closing = closing;
        this.retries = retries;
    }

    /** Why the last request failed, while no later one was answered; null when TigerBeetle answers. */
    String problem() {
        return problem;
    }

    /** {@code call} until it answers; empty when every attempt failed (or the sink is closing). */
    <T> Optional<T> call(String operation, Supplier<T> call) {
        return call(operation, call, call);
    }

    /**
     * As {@link #call(String, Supplier)}, where the first attempt is {@code first} (waiting for a
     * request already sent) and the later ones {@code again} (sending it again).
     */
    <T> Optional<T> call(String operation, Supplier<T> first, Supplier<T> again) {
        for (int attempt = 1; attempt <= policy.attemptsMax() && !closing.getAsBoolean(); attempt++) {
            try {
                T answer = (attempt == 1 ? first : again).get();
                problem = null;
                return Optional.of(answer);
            } catch (LedgerUnavailableException e) {
                problem = operation + " attempt " + attempt + "/" + policy.attemptsMax() + " failed: " + e.getMessage();
                log.warn("TigerBeetle {}", problem);
                if (!policy.retriesAfter(attempt)) {
                    break;
                }
                retries.increment();
                try {
                    policy.pauseAfter(attempt, pause);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return Optional.empty();
    }
}
