package io.settlement.sink.tigerbeetle.server;

import io.settlement.sink.tigerbeetle.TigerBeetleLedgerClient;
import io.settlement.testsupport.TigerBeetleProcess;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real TigerBeetle server for a test class: {@code @ExtendWith(RealTigerBeetle.class)} and a
 * {@link TigerBeetleProcess} parameter (constructor, {@code @BeforeAll} or test method). One
 * server per test JVM, started on first use and shared by every class of the run (it costs
 * about 1.4 GB); it is stopped and its data file deleted when the run ends. Tests that share it
 * use owners of their own ({@link #owners(int)}) so their accounts do not meet.
 *
 * <p>Without a binary (system property {@value TigerBeetleProcess#BINARY_PROPERTY}) the class is
 * skipped (disabled, so the report lists it as skipped) with the reason, which is also printed.
 */
public final class RealTigerBeetle implements ExecutionCondition, BeforeAllCallback, ParameterResolver {
    /** A request deadline for test clients: the client itself retries for ever while the server is down. */
    public static final long REQUEST_TIMEOUT_MS = 5_000;

    private static final Object KEY = RealTigerBeetle.class;
    private static long nextOwner = 1_000_000L + (System.nanoTime() & 0xffff) * 1_000;

    /** Without a binary, every test of the class is reported skipped with the reason (and it is printed). */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        TigerBeetleProcess.Binary binary = TigerBeetleProcess.binary();
        if (binary.path().isPresent()) {
            return ConditionEvaluationResult.enabled(binary.description());
        }
        System.out.println("SKIPPED " + context.getDisplayName() + ": " + binary.description());
        return ConditionEvaluationResult.disabled(binary.description());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server(context);
    }

    /** The JVM's server, started if it is not yet; skips the caller when there is no binary. */
    public static TigerBeetleProcess server(ExtensionContext context) {
        TigerBeetleProcess.Binary binary = TigerBeetleProcess.binary();
        if (binary.path().isEmpty()) {
            System.out.println("SKIPPED " + context.getDisplayName() + ": " + binary.description());
        }
        Assumptions.assumeTrue(binary.path().isPresent(), binary.description());
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(KEY, key -> TigerBeetleProcess.formatAndStart(binary.path().orElseThrow(),
                        Path.of(System.getProperty("java.io.tmpdir"), "tigerbeetle-" + ProcessHandle.current().pid())),
                        TigerBeetleProcess.class);
    }

    /** A client of {@code server} whose every request has a deadline of {@link #REQUEST_TIMEOUT_MS}. */
    public static TigerBeetleLedgerClient client(TigerBeetleProcess server) {
        return new TigerBeetleLedgerClient(server.clusterId(), List.of(server.address()), REQUEST_TIMEOUT_MS);
    }

    /** The first of {@code count} owner ids no other test of this JVM uses. */
    public static synchronized long owners(int count) {
        long first = nextOwner;
        nextOwner += count;
        return first;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TigerBeetleProcess.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return server(context);
    }
}
