package io.settlement.sink;

import java.util.Objects;

/**
 * How one part of the service is doing, as {@code GET /health} shows it: the Kafka Streams
 * client, each sink, anything else the app registers. One type for all of them.
 *
 * <ul>
 *   <li>{@code UP}: working (a sink that is not configured is UP too, and says so);</li>
 *   <li>{@code DEGRADED}: running but not keeping up: a sink's database is not answering, a
 *       partition halted, the group has not assigned it yet; it catches up when it can;</li>
 *   <li>{@code DOWN}: not working: stopped, or not started yet.</li>
 * </ul>
 *
 * @param status what the part can do now
 * @param detail one line for people: its state, its progress and every problem
 */
public record Health(Status status, String detail) {
    public enum Status { UP, DEGRADED, DOWN }

    public Health {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
    }

    public static Health up(String detail) {
        return new Health(Status.UP, detail);
    }

    public static Health degraded(String detail) {
        return new Health(Status.DEGRADED, detail);
    }

    public static Health down(String detail) {
        return new Health(Status.DOWN, detail);
    }

    /** Only UP is healthy: anything else makes the service's overall status {@code DEGRADED}. */
    public boolean healthy() {
        return status == Status.UP;
    }
}
