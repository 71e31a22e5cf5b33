package io.settlement.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * The main code's one free-port finder: the dev-mode broker's ports and the app's ephemeral
 * {@code http.port=0}, which must be known before the API binds it (application.server names it).
 * Tests and the benchmark use test-support's {@code FreePorts} instead.
 */
public final class LocalPorts {
    private LocalPorts() {}

    /** A port free on {@code host} now. */
    public static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + host + ": " + e.getMessage(), e);
        }
    }
}
