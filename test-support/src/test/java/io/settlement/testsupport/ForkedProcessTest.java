package io.settlement.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForkedProcessTest {
    @TempDir
    Path dir;

    @Test
    void aProcessThatPrintsItsReadyLineIsReadyAndItsOutputIsCaptured() {
        try (ForkedProcess java = ForkedProcess.start("java", List.of(ForkedProcess.java(), "-version"), null, dir.resolve("java.log"))) {
            java.awaitLine("version", Duration.ofSeconds(60));
            assertThat(java.waitForExit(Duration.ofSeconds(60))).isTrue();
            assertThat(java.exitValue()).isZero();
            assertThat(java.tail(5)).contains("version");
        }
    }

    @Test
    void aProcessThatEndsBeforeItIsReadyFailsWithItsOutput() {
        ForkedProcess java = ForkedProcess.start("java", List.of(ForkedProcess.java(), "-no-such-option"), null, dir.resolve("bad.log"));
        assertThatThrownBy(() -> java.awaitLine("never printed", Duration.ofSeconds(60)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("exited with").hasMessageContaining("-no-such-option");
    }

    @Test
    void aSecondStartAppendingToTheSameLogSeesOnlyItsOwnOutput() {
        Path log = dir.resolve("twice.log");
        ForkedProcess first = ForkedProcess.start("java", List.of(ForkedProcess.java(), "-version"), null, log);
        assertThat(first.waitForExit(Duration.ofSeconds(60))).isTrue();
        ForkedProcess second = ForkedProcess.start("java", List.of(ForkedProcess.java(), "-no-such-option"), null, log);
        assertThat(second.waitForExit(Duration.ofSeconds(60))).isTrue();
        assertThat(first.output()).contains("version");
        assertThat(second.output()).contains("-no-such-option").doesNotContain("version \"");
    }

    @Test
    void freePortsAreFreeAndDistinctWhereAsked() {
        int port = FreePorts.freePort();
        assertThat(FreePorts.isFree(port)).isTrue();
        assertThat(FreePorts.freePortOtherThan(port)).isNotEqualTo(port);
        int pair = FreePorts.freePortPair();
        assertThat(FreePorts.isFree(pair)).isTrue();
        assertThat(FreePorts.isFree(pair + 1)).isTrue();
    }
}
