package io.settlement.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;

/**
 * Ports on 127.0.0.1 that are free now, for the servers the tests and the benchmark start. A port
 * can be taken between this answer and its use; launchers that care retry on another.
 */
public final class FreePorts {
    /** The address every test server binds. */
    public static final String HOST = "127.0.0.1";

    private FreePorts() {}

    /** A port free on {@value #HOST} now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        }
    }

    /** A free port that is none of {@code taken} (two ports of one server chosen before either is bound). */
    public static int freePortOtherThan(int... taken) {
        while (true) {
            int port = freePort();
            if (Arrays.stream(taken).noneMatch(other -> other == port)) {
                return port;
            }
        }
    }

    /** A free port with the next one free too (a broker and its controller). */
    public static int freePortPair() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = freePort();
            if (port < 65_535 && isFree(port + 1)) {
                return port;
            }
        }
        throw new IllegalStateException("no two consecutive free ports on " + HOST);
    }

    /** Whether {@code port} can be bound on {@value #HOST} now. */
    public static boolean isFree(int port) {
        try (ServerSocket ignored = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
