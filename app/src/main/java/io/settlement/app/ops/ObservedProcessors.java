package io.settlement.app.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settlement.avro.SettlementResult;
import io.settlement.topology.RecordIds;
import io.settlement.topology.SettlementTopology;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.ProcessorWrapper;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.WrappedFixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.WrappedProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Wraps every processor of the topology (Kafka Streams' {@code processor.wrapper.class}) without
 * touching one: around each {@code process()} the record's ids are in the logging context
 * ({@link RecordIds}), so every line a processor writes names the command, its kind, the user
 * and the trade; and the processor that reads {@code settlement.results} into the status store
 * counts each result as {@code settlement_results_total{kind, status, reason}}, once per result
 * committed to the topic.
 *
 * <p>The meter registry comes in the Streams configuration under {@value #METER_REGISTRY_CONFIG}
 * (an object, not a string); without it the counts stay in a private registry.
 */
public final class ObservedProcessors implements ProcessorWrapper {
    /** The Streams configuration key holding the {@link MeterRegistry} instance. */
    public static final String METER_REGISTRY_CONFIG = "settlement.meter.registry";
    /** The processor whose input is every committed result. */
    static final String RESULTS_PROCESSOR = SettlementTopology.COMMAND_STATUS_PROCESSOR;

    private MeterRegistry registry = new SimpleMeterRegistry();

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(METER_REGISTRY_CONFIG) instanceof MeterRegistry configured) {
            registry = configured;
        }
    }

    @Override
    public <KIn, VIn, KOut, VOut> WrappedProcessorSupplier<KIn, VIn, KOut, VOut> wrapProcessorSupplier(
            String processorName, ProcessorSupplier<KIn, VIn, KOut, VOut> supplier) {
        ResultCounter counter = processorName.equals(RESULTS_PROCESSOR) ? new ResultCounter(registry) : null;
        return new WrappedProcessorSupplier<>() {
            @Override
            public Processor<KIn, VIn, KOut, VOut> get() {
                return new ObservedProcessor<>(supplier.get(), counter);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return supplier.stores();
            }
        };
    }

    @Override
    public <KIn, VIn, VOut> WrappedFixedKeyProcessorSupplier<KIn, VIn, VOut> wrapFixedKeyProcessorSupplier(
            String processorName, FixedKeyProcessorSupplier<KIn, VIn, VOut> supplier) {
        return new WrappedFixedKeyProcessorSupplier<>() {
            @Override
            public FixedKeyProcessor<KIn, VIn, VOut> get() {
                return new ObservedFixedKeyProcessor<>(supplier.get());
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return supplier.stores();
            }
        };
    }

    /** {@code settlement_results_total} by kind, status and reason (none for an accepted command). */
    static final class ResultCounter {
        private final MeterRegistry registry;
        private final Map<String, Counter> counters = new ConcurrentHashMap<>();

        ResultCounter(MeterRegistry registry) {
            this.registry = registry;
        }

        void count(Object value) {
            if (!(value instanceof SettlementResult result)) {
                return;
            }
            String kind = String.valueOf(result.getKind());
            String status = String.valueOf(result.getStatus());
            String reason = result.getReason() == null ? "none" : result.getReason().name();
            counters.computeIfAbsent(kind + '|' + status + '|' + reason, key -> Counter.builder("settlement.results")
                    .description("results committed to settlement.results, by command kind, status and reason")
                    .tag("kind", kind).tag("status", status).tag("reason", reason)
                    .register(registry)).increment();
        }
    }

    /** Runs {@code processing} with the ids of {@code value} in the logging context. */
    static void withIds(Object value, Runnable processing) {
        boolean identified = RecordIds.put(value);
        try {
            processing.run();
        } finally {
            if (identified) {
                RecordIds.clear();
            }
        }
    }

    private static final class ObservedProcessor<KIn, VIn, KOut, VOut> implements Processor<KIn, VIn, KOut, VOut> {
        private final Processor<KIn, VIn, KOut, VOut> delegate;
        private final ResultCounter counter;

        ObservedProcessor(Processor<KIn, VIn, KOut, VOut> delegate, ResultCounter counter) {
            this.delegate = delegate;
            this.counter = counter;
        }

        @Override
        public void init(ProcessorContext<KOut, VOut> context) {
            delegate.init(context);
        }

        @Override
        public void process(Record<KIn, VIn> record) {
            withIds(record.value(), () -> {
                delegate.process(record);
                if (counter != null) {
                    counter.count(record.value());
                }
            });
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    private static final class ObservedFixedKeyProcessor<KIn, VIn, VOut> implements FixedKeyProcessor<KIn, VIn, VOut> {
        private final FixedKeyProcessor<KIn, VIn, VOut> delegate;

        ObservedFixedKeyProcessor(FixedKeyProcessor<KIn, VIn, VOut> delegate) {
            this.delegate = delegate;
        }

        @Override
        public void init(FixedKeyProcessorContext<KIn, VOut> context) {
            delegate.init(context);
        }

        @Override
        public void process(FixedKeyRecord<KIn, VIn> record) {
            withIds(record.value(), () -> delegate.process(record));
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
