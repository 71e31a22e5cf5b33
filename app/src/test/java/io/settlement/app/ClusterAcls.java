package io.settlement.app;

import io.settlement.contract.Topics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACLs each principal needs on a cluster whose authorizer denies what no ACL allows, as
 * docs/security.md ("A secured Kafka cluster") lists them as {@code kafka-acls.sh} commands; the
 * secured-cluster test ({@link SecuredClusterTest}) applies exactly these and nothing more. The application reads and writes the contract's topics and owns
 * everything prefixed with its {@code application.id} (internal topics, its consumer group,
 * its transactional ids); a wallet service only writes {@code balance.operations}; a results
 * reader only reads {@code settlement.results} in its own group.
 */
public final class ClusterAcls {
    private ClusterAcls() {}

    /** The settlement application (Kafka Streams, the HTTP API's publisher, the sinks). */
    public static List<AclBinding> application(String principal, Topics topics, String applicationId, List<String> sinkGroups) {
        List<AclBinding> acls = new ArrayList<>();
        for (String topic : topics.all()) {
            for (AclOperation operation : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE,
                    AclOperation.DESCRIBE_CONFIGS)) {
                acls.add(allow(principal, ResourceType.TOPIC, topic, PatternType.LITERAL, operation));
            }
        }
        // Kafka Streams' repartition and changelog topics, its group and transactional ids all start with the application id.
        acls.add(allow(principal, ResourceType.TOPIC, applicationId, PatternType.PREFIXED, AclOperation.ALL));
        acls.add(allow(principal, ResourceType.GROUP, applicationId, PatternType.PREFIXED, AclOperation.READ));
        acls.add(allow(principal, ResourceType.GROUP, applicationId, PatternType.PREFIXED, AclOperation.DESCRIBE));
        // With group.protocol=streams, run sets its own group's session timeout and heartbeat (StreamsGroupTimeouts).
        acls.add(allow(principal, ResourceType.GROUP, applicationId, PatternType.LITERAL, AclOperation.ALTER_CONFIGS));
        acls.add(allow(principal, ResourceType.TRANSACTIONAL_ID, applicationId, PatternType.PREFIXED, AclOperation.WRITE));
        acls.add(allow(principal, ResourceType.TRANSACTIONAL_ID, applicationId, PatternType.PREFIXED, AclOperation.DESCRIBE));
        for (String group : sinkGroups) {
            acls.add(allow(principal, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ));
        }
        return acls;
    }

    /** A wallet service: writes balance operations, nothing else. */
    public static List<AclBinding> walletService(String principal, Topics topics) {
        return List.of(
                allow(principal, ResourceType.TOPIC, topics.balanceOperations().name(), PatternType.LITERAL, AclOperation.WRITE),
                allow(principal, ResourceType.TOPIC, topics.balanceOperations().name(), PatternType.LITERAL, AclOperation.DESCRIBE));
    }

    /** A reader of results (a gateway, a notifier): reads settlement.results in its own group. */
    public static List<AclBinding> resultsReader(String principal, Topics topics, String group) {
        return List.of(
                allow(principal, ResourceType.TOPIC, topics.results().name(), PatternType.LITERAL, AclOperation.READ),
                allow(principal, ResourceType.TOPIC, topics.results().name(), PatternType.LITERAL, AclOperation.DESCRIBE),
                allow(principal, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ));
    }

    private static AclBinding allow(String principal, ResourceType type, String name, PatternType pattern, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }
}
