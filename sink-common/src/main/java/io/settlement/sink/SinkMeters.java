package io.settlement.sink;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The meters every sink reports, under one name per question and the tag {@code sink} (for
 * example {@code scylla}, {@code tigerbeetle}), so one dashboard panel and one alert rule cover
 * them all (docs/operations.md lists them):
 * <ul>
 *   <li>{@code settlement_sink_lag_records}: records in the assigned partitions not yet read;</li>
 *   <li>{@code settlement_sink_lag_seconds}: over partitions that still have records to read, the
 *       longest time since the last record the sink wrote there was appended (an upper bound of
 *       how late the sink's database is); 0 when caught up;</li>
 *   <li>{@code settlement_sink_halted_partitions}: partitions halted at a record the sink will
 *       not skip;</li>
 *   <li>{@code settlement_sink_records_total}: records written and committed.</li>
 * </ul>
 * The sink's thread updates them ({@link #observeLag}, {@link #written}); the scrape reads them.
 * The sink's consumer's own metrics are bound too ({@code kafka_consumer_*}, tag {@code sink}),
 * until {@link #close()}.
 */
public final class SinkMeters implements AutoCloseable {
    private final Clock clock;
    private final Counter records;
    private final KafkaClientMetrics consumerMetrics;
    private final Map<TopicPartition, Long> lagRecords = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> lastWrittenTimestampMs = new ConcurrentHashMap<>();

    /**
     * @param consumer the sink's consumer, whose client metrics are bound
     * @param halted   the sink's halted partitions (read at each scrape)
     */
    public SinkMeters(MeterRegistry registry, String sink, Consumer<?, ?> consumer, Map<TopicPartition, ?> halted) {
        this(registry, sink, consumer, halted, Clock.systemUTC());
    }

    SinkMeters(MeterRegistry registry, String sink, Consumer<?, ?> consumer, Map<TopicPartition, ?> halted, Clock clock) {
        this.clock = clock;
        Tags tags = Tags.of("sink", sink);
        this.consumerMetrics = new KafkaClientMetrics(consumer, tags);
        consumerMetrics.bindTo(registry);
        this.records = Counter.builder("settlement.sink.records").tags(tags)
                .description("records the sink wrote and committed").register(registry);
        Gauge.builder("settlement.sink.lag.records", this, SinkMeters::lagRecords).tags(tags)
                .description("records in the sink's assigned partitions not yet read").register(registry);
        Gauge.builder("settlement.sink.lag.seconds", this, SinkMeters::lagSeconds).tags(tags)
                .description("longest time since the last written record was appended, over partitions with records to read")
                .register(registry);
        Gauge.builder("settlement.sink.halted.partitions", halted, Map::size).tags(tags)
                .description("partitions halted at a record the sink will not skip").register(registry);
    }

    /** The sink wrote and committed {@code count} records, the last of {@code partition} appended at {@code timestampMs}. */
    public void written(TopicPartition partition, long timestampMs, int count) {
        lastWrittenTimestampMs.put(partition, timestampMs);
        records.increment(count);
    }

    /** Records written and committed since the sink started. */
    public long written() {
        return (long) records.count();
    }

    /** Reads the consumer's lag of every assigned partition, as of its last fetch; forgets partitions no longer assigned. */
    public void observeLag(Consumer<?, ?> consumer) {
        Collection<TopicPartition> assigned = consumer.assignment();
        lagRecords.keySet().retainAll(assigned);
        lastWrittenTimestampMs.keySet().retainAll(assigned);
        for (TopicPartition partition : assigned) {
            OptionalLong lag = consumer.currentLag(partition);
            if (lag.isPresent()) {
                lagRecords.put(partition, lag.getAsLong());
            }
        }
    }

    /** Records not yet read over the assigned partitions, as of the last {@link #observeLag}. */
    public long lagRecords() {
        return lagRecords.values().stream().mapToLong(Long::longValue).sum();
    }

    /** See the class comment; a partition with records to read and none written yet counts from its first observation. */
    public double lagSeconds() {
        long now = clock.millis();
        long longestMs = 0;
        for (Map.Entry<TopicPartition, Long> entry : lagRecords.entrySet()) {
            if (entry.getValue() > 0) {
                long since = lastWrittenTimestampMs.computeIfAbsent(entry.getKey(), partition -> now);
                longestMs = Math.max(longestMs, now - since);
            }
        }
        return longestMs / 1000.0;
    }

    /** Stops following the consumer's metrics (its thread of Micrometer's Kafka binder). */
    @Override
    public void close() {
        consumerMetrics.close();
    }
}
