package io.settlement.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerProcessTest {
    @TempDir
    Path dataDir;

    @Test
    void aBrokerInItsOwnJvmServesTheBenchAndEndsWithIt() throws Exception {
        // given the bench's cluster with its broker in a process of its own
        ProcessHandle child;
        try (BenchCluster cluster = BenchCluster.open(Optional.empty(), dataDir, true)) {
            // when a topic is created on it
            cluster.createTopics(Map.of("bench-probe", 2));

            // then it is there, the broker's CPU is counted, and the child is another process
            try (Admin admin = cluster.admin()) {
                Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertThat(names).contains("bench-probe");
            }
            assertThat(cluster.embedded()).isTrue();
            assertThat(cluster.description()).contains("its own JVM");
            assertThat(cluster.brokerProcessCpuNanos()).isPositive();
            child = cluster.brokerProcess().orElseThrow();
            assertThat(child.pid()).isNotEqualTo(ProcessHandle.current().pid());
            assertThat(child.isAlive()).isTrue();
        }

        // and when the cluster closes, the child has ended
        assertThat(child.isAlive()).isFalse();
    }
}
