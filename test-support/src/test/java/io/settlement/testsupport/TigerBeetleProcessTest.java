package io.settlement.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TigerBeetleProcessTest {
    private static final Path BINARY = Path.of("/opt/tigerbeetle");

    @Test
    void theBenchmarkIsRunForAsManyTransfersAndAccountsAsAsked() {
        assertThat(TigerBeetleProcess.benchmarkCommand(BINARY, 1_451_150, 392_937))
                .containsExactly("/opt/tigerbeetle", "benchmark", "--transfer-count=1451150", "--account-count=392937");
    }

    @Test
    void theDefaultNumberOfAccountsIsTigerBeetles() {
        assertThat(TigerBeetleProcess.benchmarkCommand(BINARY, 500_000, TigerBeetleProcess.DEFAULT_ACCOUNTS))
                .containsExactly("/opt/tigerbeetle", "benchmark", "--transfer-count=500000");
    }

    @Test
    void aBenchmarkWithoutATransferOrWithFewerThanTwoAccountsIsRefused() {
        assertThatThrownBy(() -> TigerBeetleProcess.benchmarkCommand(BINARY, 0, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 and 10");
        assertThatThrownBy(() -> TigerBeetleProcess.benchmarkCommand(BINARY, 10, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10 and 1");
    }
}
