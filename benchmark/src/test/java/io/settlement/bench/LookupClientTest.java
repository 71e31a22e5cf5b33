package io.settlement.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LookupClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void readsLengthAndChunkedBodiesOnOneConnectionAndReconnectsAfterAClose() throws Exception {
        // given a server answering four requests: a sized body, a chunked one, a sized one that closes, one more
        String big = "x".repeat(40_000); // larger than the client's buffer
        try (CannedServer server = new CannedServer(List.of(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
                "HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n" + Integer.toHexString(big.length())
                        + "\r\n" + big + "\r\n0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbye!!",
                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"));
             LookupClient client = new LookupClient("http://127.0.0.1:" + server.port(), "Bearer t", TIMEOUT)) {

            // when the client sends four lookups
            int[] statuses = {client.get("/a"), client.get("/b?c=1"), client.get("/c"), client.get("/d")};

            // then each status is read, the first three share a connection, the fourth opened another
            assertThat(statuses).containsExactly(200, 404, 200, 503);
            assertThat(server.connections()).isEqualTo(2);
            assertThat(server.requests()).hasSize(4);
            assertThat(server.requests().get(1)).startsWith("GET /b?c=1 HTTP/1.1\r\n").contains("\r\nAuthorization: Bearer t\r\n")
                    .contains("\r\nHost: 127.0.0.1:" + server.port() + "\r\n").endsWith("\r\n\r\n");
        }
    }

    @Test
    void aBodyCutShortIsAnErrorAndTheNextRequestReconnects() throws Exception {
        // given a server whose first answer promises more body than it sends before closing
        try (CannedServer server = new CannedServer(List.of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                true);
             LookupClient client = new LookupClient("http://127.0.0.1:" + server.port(), "Bearer t", TIMEOUT)) {

            // when / then: the cut body fails, the next lookup works on a new connection
            assertThatThrownBy(() -> client.get("/a")).isInstanceOf(IOException.class).hasMessageContaining("before the body's end");
            assertThat(client.get("/b")).isEqualTo(200);
            assertThat(server.connections()).isEqualTo(2);
        }
    }

    /** Answers each request read with the next canned response; optionally closes after each one. */
    private static final class CannedServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        private final LinkedBlockingQueue<String> responses;
        private final boolean closeAfterEach;
        private final List<String> requests = new CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile int connections;

        CannedServer(List<String> responses) throws IOException {
            this(responses, false);
        }

        CannedServer(List<String> responses, boolean closeAfterEach) throws IOException {
            this.responses = new LinkedBlockingQueue<>(responses);
            this.closeAfterEach = closeAfterEach;
            this.thread = new Thread(this::serve, "canned-http-server");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        int connections() {
            return connections;
        }

        List<String> requests() {
            return requests;
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket connection = socket.accept()) {
                    connections++;
                    InputStream in = connection.getInputStream();
                    OutputStream out = connection.getOutputStream();
                    while (true) {
                        String request = readRequest(in);
                        if (request == null) {
                            break;
                        }
                        requests.add(request);
                        String response = responses.poll(5, TimeUnit.SECONDS);
                        out.write(response.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        if (closeAfterEach || response.contains("Connection: close")) {
                            break;
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }

        private static String readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                request.write(b);
                String text = request.toString(StandardCharsets.US_ASCII);
                if (text.endsWith("\r\n\r\n")) {
                    return text;
                }
            }
            return null;
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(TIMEOUT.toMillis());
        }
    }
}
