package io.settlement.sink.scylla;

import java.io.InputStream;

/**
 * The main class of the forked Cassandra JVM (see {@link CassandraServer}); it runs there, not in
 * the test JVM. It references only JDK classes and starts {@code CassandraDaemon} reflectively,
 * so it compiles without cassandra-all. A watchdog halts the daemon as soon as its standard input
 * ends, that is when the test JVM closes the pipe or dies (even by SIGKILL): no Cassandra outlives
 * the tests.
 */
public final class CassandraDaemonLauncher {
    private CassandraDaemonLauncher() {}

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try {
                InputStream in = System.in;
                while (in.read() != -1) {
                    // the test JVM never writes; reading only waits for the end of the stream
                }
            } catch (Throwable parentGone) {
                // any error reading the pipe means the same: the test JVM is gone
            }
            Runtime.getRuntime().halt(0);
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Class.forName("org.apache.cassandra.service.CassandraDaemon")
                .getMethod("main", String[].class)
                .invoke(null, (Object) args);
    }
}
