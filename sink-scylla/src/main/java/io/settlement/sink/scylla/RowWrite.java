package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.cql.BoundStatement;

/**
 * One upsert of the sink, with the partition it lands in ({@code table} plus its partition key
 * values), so that a batch keeps a partition's writes together and counts its partitions.
 */
public record RowWrite(String table, Object partitionKey, BoundStatement statement) {
    /** The partition: equal for writes to the same partition of the same table. */
    public Object partition() {
        return java.util.List.of(table, partitionKey);
    }
}
