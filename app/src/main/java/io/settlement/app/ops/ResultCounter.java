package io.settlement.app.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.avro.SettlementResult;
import io.settlement.topology.ResultObserver;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code settlement_results_total{kind, status, reason}} (reason {@code none} for an accepted
 * command): told by the topology of every result it writes to settlement.results (the balance
 * processor's and the trade coordinator's), on the stream threads.
 */
public final class ResultCounter implements ResultObserver {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public ResultCounter(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void resultWritten(SettlementResult result) {
        String kind = String.valueOf(result.getKind());
        String status = String.valueOf(result.getStatus());
        String reason = result.getReason() == null ? "none" : result.getReason().name();
        counters.computeIfAbsent(kind + '|' + status + '|' + reason, key -> Counter.builder("settlement.results")
                .description("results written to settlement.results, by command kind, status and reason")
                .tag("kind", kind).tag("status", status).tag("reason", reason)
                .register(registry)).increment();
    }
}
