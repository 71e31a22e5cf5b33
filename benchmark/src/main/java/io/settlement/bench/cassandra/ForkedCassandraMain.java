package io.settlement.bench.cassandra;

import java.io.InputStream;

/**
 * The main class of the Cassandra JVM that {@link BenchCassandra} forks; it runs there, not in the
 * tool's JVM, and references only JDK classes (it is copied out of the app jar onto Cassandra's own
 * classpath, so none of the app's netty, guava or driver classes meet Cassandra's). A watchdog halts
 * the server as soon as its standard input ends, that is when {@link BenchCassandra} exits or dies
 * (even by SIGKILL): no Cassandra outlives the tool. Same as the sink's test launcher.
 */
public final class ForkedCassandraMain {
    private ForkedCassandraMain() {}

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try {
                InputStream in = System.in;
                while (in.read() != -1) {
                    // the tool never writes; reading only waits for the end of the stream
                }
            } catch (Throwable parentGone) {
                // any error reading the pipe means the same: the tool is gone
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
