package io.settlement.bench;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The engine's own ceiling: an exactly-once topology that reads each record and writes one
 * record per input, with no store and no deserialization. Run on the same broker, partitions,
 * settings and record bytes as the settlement topology, it tells what share of the engine's
 * capacity settlement itself costs, which holds on a noisy machine as on a quiet one.
 */
final class PassThroughCeiling {
    static final String INPUT = "bench.ceiling.in";
    static final String OUTPUT = "bench.ceiling.out";

    private PassThroughCeiling() {}

    static Topology topology(String input, String output) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("ceiling-in"))
                .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("ceiling-out"));
        return builder.build();
    }
}
