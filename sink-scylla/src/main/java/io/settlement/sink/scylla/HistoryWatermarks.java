package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How far the history tables are complete ({@code history_watermarks}, docs/scylla.md "How far the
 * history is complete"). The sink records, per partition of {@code balance.events}, its progress:
 * the later of the {@code created_at} of the last event it wrote and its own clock when it last
 * found the partition read to its end. A reader takes the minimum over every partition and steps
 * back {@link #GRACE}: every balance event stamped at or before that instant is in the tables.
 *
 * <p>Why the grace: an event is stamped with the engine's wall clock when it is applied, but
 * becomes visible to a {@code read_committed} consumer only when its transaction commits, at most
 * the producer's {@code transaction.timeout.ms} later (10 s in Kafka Streams with exactly-once; the
 * broker aborts a longer one). So the end of a partition at time t may still miss an event stamped
 * up to 10 s before t, and one instance's clock may run behind another's after a task moves (or
 * after an NTP step): the grace covers both, 10 s plus 5 s of skew.
 */
public final class HistoryWatermarks {
    /** How far behind its recorded progress the history is taken as complete: transaction timeout plus clock skew. */
    public static final Duration GRACE = Duration.ofSeconds(15);

    private final PreparedStatement progress;
    private final PreparedStatement read;

    public HistoryWatermarks(CqlSession session, String keyspace) {
        this.progress = session.prepare("UPDATE " + keyspace + ".history_watermarks USING TIMESTAMP ?"
                + " SET progress_at = ?, partitions = ? WHERE topic = ? AND partition = ?");
        this.read = session.prepare("SELECT partition, progress_at, partitions FROM " + keyspace
                + ".history_watermarks WHERE topic = ?");
    }

    /**
     * The upserts recording {@code progressAt} per partition of {@code topic}, written with the
     * progress as their timestamp (microseconds) so that the latest progress wins: an older one,
     * from a replay or from the previous owner of the partition, changes nothing.
     */
    List<RowWrite> record(String topic, int partitions, Map<Integer, Instant> progressAt) {
        List<RowWrite> writes = new ArrayList<>();
        progressAt.forEach((partition, at) -> {
            long micros = Math.multiplyExact(at.toEpochMilli(), 1000L);
            writes.add(new RowWrite("history_watermarks", topic, progress.bind(micros, at, partitions, topic, partition)));
        });
        return writes;
    }

    /**
     * The instant up to which the history of {@code topic} is complete: the minimum progress over
     * all of its partitions, minus {@link #GRACE}, truncated to milliseconds (the stamps' unit).
     * Empty while a partition has no progress yet (a sink that has not read it to its end nor
     * written any of its events), since then nothing is known of that partition.
     */
    public Optional<Instant> completeUntil(CqlSession session, String topic) {
        Map<Integer, Instant> progressAt = new HashMap<>();
        int partitions = 0;
        for (Row row : session.execute(read.bind(topic))) {
            progressAt.put(row.getInt("partition"), row.getInstant("progress_at"));
            partitions = Math.max(partitions, row.getInt("partitions"));
        }
        if (partitions == 0) {
            return Optional.empty();
        }
        Instant least = null;
        for (int partition = 0; partition < partitions; partition++) {
            Instant at = progressAt.get(partition);
            if (at == null) {
                return Optional.empty();
            }
            least = least == null || at.isBefore(least) ? at : least;
        }
        return Optional.of(least.minus(GRACE).truncatedTo(ChronoUnit.MILLIS));
    }
}
