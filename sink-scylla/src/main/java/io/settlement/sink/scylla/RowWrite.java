package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.cql.BoundStatement;

/**
 * One upsert of the sink, with the partition it lands in ({@code table} plus its partition key
 * values), so that writes to the same partition can travel as one unlogged batch.
 */
public record RowWrite(String table, Object partitionKey, BoundStatement statement) {
    /** The grouping key of a single-partition batch. */
    public Object partition() {
        return java.util.List.of(table, partitionKey);
    }
}
