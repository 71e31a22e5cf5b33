package io.settlement.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuByPartTest {

    @Test
    void threadsAreToldApartByTheirNames() {
        assertThat(CpuByPart.partOf("bench-settlement-1a2b-StreamThread-1")).isEqualTo(CpuByPart.STREAMS);
        assertThat(CpuByPart.partOf("kafka-producer-network-thread | bench-settlement-1a2b-StreamThread-1-producer")).isEqualTo(CpuByPart.STREAMS);
        assertThat(CpuByPart.partOf("kafka-producer-network-thread | producer-1")).isEqualTo(CpuByPart.HARNESS);
        assertThat(CpuByPart.partOf("kafka-admin-client-thread | bench-settlement-1a2b-9f-admin")).isEqualTo(CpuByPart.STREAMS);
        assertThat(CpuByPart.partOf("bench-settlement-1a2b-9f-StateUpdater-1")).isEqualTo(CpuByPart.STREAMS);
        assertThat(CpuByPart.partOf("kafka-admin-client-thread | adminclient-3")).isEqualTo(CpuByPart.HARNESS);
        assertThat(CpuByPart.partOf("bench-result-collector")).isEqualTo(CpuByPart.HARNESS);
        assertThat(CpuByPart.partOf("main")).isEqualTo(CpuByPart.HARNESS);
        assertThat(CpuByPart.partOf("data-plane-kafka-request-handler-0")).isEqualTo(CpuByPart.BROKER);
        assertThat(CpuByPart.partOf("quorum-controller-1-event-handler")).isEqualTo(CpuByPart.BROKER);
        assertThat(CpuByPart.partOf("Common-Cleaner")).isEqualTo(CpuByPart.OTHER);
    }

    @Test
    void theSharesOfARunAddUpToTheWholeAndNameWhoWorked() {
        // given a snapshot, then work on this (main) thread
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        CpuByPart parts = CpuByPart.start(os.getProcessCpuTime());
        long sum = 0;
        for (long i = 0; i < 200_000_000L; i++) {
            sum += i ^ (sum >>> 3);
        }

        // when the shares are read
        Map<String, Double> shares = parts.shares(os.getProcessCpuTime(), 0);

        // then every part is there, they add up to one, and the harness (main) did most of it
        assertThat(sum).isNotZero();
        assertThat(shares).containsOnlyKeys(CpuByPart.BROKER, CpuByPart.STREAMS, CpuByPart.HARNESS, CpuByPart.OTHER, CpuByPart.JIT, CpuByPart.JVM);
        assertThat(shares.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(0.01));
        assertThat(shares.get(CpuByPart.HARNESS)).isGreaterThan(0.5);
    }
}
