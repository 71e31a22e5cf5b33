package io.settlement.cassandra;

/**
 * The main class of the Cassandra JVM that {@link CassandraProcess} forks; it runs there, not in
 * the JVM that started it. It references only JDK classes and starts {@code CassandraDaemon}
 * reflectively, so it compiles without cassandra-all, and {@link CassandraProcess} copies it alone
 * onto Cassandra's classpath (none of the starter's netty, guava or driver classes meet
 * Cassandra's). A watchdog halts the daemon as soon as its standard input ends, that is when the
 * starting JVM closes the pipe or dies (even by SIGKILL): no Cassandra outlives what started it.
 */
public final class ForkedCassandraMain {
    private ForkedCassandraMain() {}

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the starting JVM never writes; reading only waits for the end of the stream
                }
            } catch (Throwable gone) {
                // any error reading the pipe means the same: the starting JVM is gone
            }
            Runtime.getRuntime().halt(0);
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Class.forName("org.apache.cassandra.service.CassandraDaemon").getMethod("main", String[].class).invoke(null, (Object) args);
    }
}
