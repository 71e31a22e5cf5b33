package io.settlement.app.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.avro.SettlementResult;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code settlement_results_total{kind, status, reason}} (reason {@code none} for an accepted
 * command): one count per result it is given. {@link CommittedResults} gives it each result it
 * reads committed from settlement.results, so a result of an aborted transaction is never counted.
 */
public final class ResultCounter {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public ResultCounter(MeterRegistry registry) {
        this.registry = registry;
    }

    public void count(SettlementResult result) {
        String kind = String.valueOf(result.getKind());
        String status = String.valueOf(result.getStatus());
        String reason = result.getReason() == null ? "none" : result.getReason().name();
        counters.computeIfAbsent(kind + '|' + status + '|' + reason, key -> Counter.builder("settlement.results")
                .description("results committed to settlement.results, by command kind, status and reason")
                .tag("kind", kind).tag("status", status).tag("reason", reason)
                .register(registry)).increment();
    }
}
