package io.settlement.app.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.settlement.topology.RecordIds;
import java.util.Map;
import java.util.Set;
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
 * and the trade. (Results are counted from the committed topic by {@link CommittedResults}, not here:
 * a processor runs again for a transaction that aborted.)
 *
 * <p>{@value #METER_REGISTRY_CONFIG} is the Streams configuration key under which the app passes its
 * meter registry (an object, not a string) to the producer interceptor that counts dead letters.
 */
public final class ObservedProcessors implements ProcessorWrapper {
    /** The Streams configuration key holding the {@link MeterRegistry} instance. */
    public static final String METER_REGISTRY_CONFIG = "settlement.meter.registry";
    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure: the wrapper only puts ids into the logging context
    }

    @Override
    public <KIn, VIn, KOut, VOut> WrappedProcessorSupplier<KIn, VIn, KOut, VOut> wrapProcessorSupplier(
            String processorName, ProcessorSupplier<KIn, VIn, KOut, VOut> supplier) {
        return new WrappedProcessorSupplier<>() {
            @Override
            public Processor<KIn, VIn, KOut, VOut> get() {
                return new ObservedProcessor<>(supplier.get());
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

        ObservedProcessor(Processor<KIn, VIn, KOut, VOut> delegate) {
            this.delegate = delegate;
        }

        @Override
        public void init(ProcessorContext<KOut, VOut> context) {
            delegate.init(context);
        }

        @Override
        public void process(Record<KIn, VIn> record) {
            withIds(record.value(), () -> delegate.process(record));
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
