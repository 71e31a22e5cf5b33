package io.settlement.sink.scylla;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.metadata.Metadata;
import com.datastax.oss.driver.api.core.metadata.TokenMap;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Which writes may share an unlogged batch without making its coordinator forward them: those whose
 * partitions are stored on the same replicas. On a single node that is every write; on a cluster,
 * the replica set the driver's token map gives for the write's partition key; without a token map
 * (metadata off), only the writes of the same partition.
 */
final class ReplicaGroups {
    private static final Object THE_ONLY_NODE = new Object();

    private final Optional<TokenMap> tokens;
    private final boolean singleNode;

    private ReplicaGroups(Optional<TokenMap> tokens, boolean singleNode) {
        this.tokens = tokens;
        this.singleNode = singleNode;
    }

    /** The groups as of the session's current view of the cluster. */
    static ReplicaGroups of(CqlSession session) {
        Metadata metadata = session.getMetadata();
        return new ReplicaGroups(metadata.getTokenMap(), metadata.getNodes().size() == 1);
    }

    /** The group of {@code write}: equal for writes whose partitions have the same replicas. */
    Object of(RowWrite write) {
        if (singleNode) {
            return THE_ONLY_NODE;
        }
        ByteBuffer routingKey = write.statement().getRoutingKey();
        if (tokens.isPresent() && routingKey != null && write.statement().getRoutingKeyspace() != null) {
            return tokens.get().getReplicas(write.statement().getRoutingKeyspace(), routingKey);
        }
        return write.partition();
    }
}
