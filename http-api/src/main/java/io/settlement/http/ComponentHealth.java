package io.settlement.http;

/** The health of one part of the service beside the topology (a sink, a producer), as {@code GET /health} shows it. */
public record ComponentHealth(boolean healthy, String detail) {
    public static ComponentHealth up(String detail) {
        return new ComponentHealth(true, detail);
    }

    public static ComponentHealth down(String detail) {
        return new ComponentHealth(false, detail);
    }
}
