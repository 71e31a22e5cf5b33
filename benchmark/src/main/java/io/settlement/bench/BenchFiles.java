package io.settlement.bench;

import java.nio.file.Path;

/** File housekeeping shared by the benchmark and its micro-benchmarks. */
public final class BenchFiles {
    private BenchFiles() {}

    public static void deleteRecursively(Path path) {
        BenchCluster.deleteRecursively(path);
    }
}
