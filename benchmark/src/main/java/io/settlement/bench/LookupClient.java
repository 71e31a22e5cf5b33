package io.settlement.bench;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One lookup client of the bench: HTTP/1.1 GETs on one kept-alive connection, written and read
 * on the caller's thread into buffers of its own, so that a lookup allocates next to nothing.
 * The bench's clients share the server's JVM (a client in a JVM of its own adds that JVM's GC
 * pauses, docs/performance.md, "The lookups' tail"): their garbage would be collected in the
 * pauses the lookups are timed through.
 *
 * <p>It reads what the bench's server sends: a status line, headers, and a body of
 * {@code Content-Length} bytes or {@code chunked}; {@code Connection: close} or any error closes
 * the connection, and the next request opens another. Not a general HTTP client.
 */
final class LookupClient implements Closeable {
    private static final byte[] CRLF_CRLF = {'\r', '\n', '\r', '\n'};
    private static final int REQUEST_BYTES_MAX = 4 * 1024;
    private static final int BUFFER_BYTES = 16 * 1024;

    private final String host;
    private final int port;
    private final int timeoutMs;
    private final byte[] requestSuffix;
    private final byte[] request = new byte[REQUEST_BYTES_MAX];
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private int position;
    private int limit;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /**
     * @param baseUri {@code http://host:port}
     * @param authorization the {@code Authorization} header's value
     */
    LookupClient(String baseUri, String authorization, Duration timeout) {
        URI uri = URI.create(baseUri);
        this.host = uri.getHost();
        this.port = uri.getPort();
        this.timeoutMs = (int) timeout.toMillis();
        this.requestSuffix = (" HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nAuthorization: " + authorization + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** GETs {@code path} (ASCII, e.g. {@code /api/v1/users/7/balances}), reads the whole answer, returns its status. */
    int get(String path) throws IOException {
        int length = 4 + path.length() + requestSuffix.length;
        if (length > request.length) {
            throw new IllegalArgumentException("a request of " + length + " bytes: more than " + request.length);
        }
        request[0] = 'G';
        request[1] = 'E';
        request[2] = 'T';
        request[3] = ' ';
        for (int i = 0; i < path.length(); i++) {
            request[4 + i] = (byte) path.charAt(i);
        }
        System.arraycopy(requestSuffix, 0, request, 4 + path.length(), requestSuffix.length);
        try {
            connect();
            out.write(request, 0, length);
            out.flush();
            return readResponse();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void connect() throws IOException {
        if (socket != null) {
            return;
        }
        Socket opened = new Socket();
        opened.setTcpNoDelay(true);
        opened.setSoTimeout(timeoutMs);
        opened.connect(new InetSocketAddress(host, port), timeoutMs);
        socket = opened;
        in = opened.getInputStream();
        out = opened.getOutputStream();
        position = 0;
        limit = 0;
    }

    private int readResponse() throws IOException {
        int headersEnd = fillUntilHeadersEnd();
        int status = parseStatus();
        long contentLength = -1;
        boolean chunked = false;
        boolean closeAfter = false;
        int line = indexOf((byte) '\n', position, headersEnd) + 1;
        while (line < headersEnd - 2) {
            int end = indexOf((byte) '\n', line, headersEnd);
            if (headerIs(line, end, "content-length:")) {
                contentLength = Long.parseLong(value(line, end, "content-length:".length()));
            } else if (headerIs(line, end, "transfer-encoding:")) {
                chunked = value(line, end, "transfer-encoding:".length()).equalsIgnoreCase("chunked");
            } else if (headerIs(line, end, "connection:")) {
                closeAfter = value(line, end, "connection:".length()).equalsIgnoreCase("close");
            }
            line = end + 1;
        }
        position = headersEnd;
        if (chunked) {
            skipChunked();
        } else if (contentLength >= 0) {
            skip(contentLength);
        } else {
            closeAfter = true; // the body ends when the server closes: read to the end
            while (fill()) {
                position = limit;
            }
        }
        if (closeAfter) {
            close();
        }
        return status;
    }

    /** Reads until the buffer holds the headers' end; returns the index just past it. */
    private int fillUntilHeadersEnd() throws IOException {
        while (true) {
            for (int i = position; i + 3 < limit; i++) {
                if (buffer[i] == CRLF_CRLF[0] && buffer[i + 1] == CRLF_CRLF[1] && buffer[i + 2] == CRLF_CRLF[2] && buffer[i + 3] == CRLF_CRLF[3]) {
                    return i + 4;
                }
            }
            if (position == 0 && limit == buffer.length) {
                throw new IOException("response headers longer than " + buffer.length + " bytes");
            }
            if (!fill()) {
                throw new EOFException("the connection closed before the response's headers ended");
            }
        }
    }

    private int parseStatus() throws IOException {
        // "HTTP/1.1 200 OK"
        int space = indexOf((byte) ' ', position, limit);
        if (space < 0 || space + 4 > limit) {
            throw new IOException("not an HTTP status line");
        }
        int status = 0;
        for (int i = space + 1; i < space + 4; i++) {
            int digit = buffer[i] - '0';
            if (digit < 0 || digit > 9) {
                throw new IOException("not an HTTP status code");
            }
            status = status * 10 + digit;
        }
        return status;
    }

    private void skipChunked() throws IOException {
        while (true) {
            long size = Long.parseLong(readLine().split(";", 2)[0].trim(), 16);
            if (size == 0) {
                while (!readLine().isEmpty()) {
                    // trailers, if any
                }
                return;
            }
            skip(size);
            readLine(); // the CRLF after the chunk
        }
    }

    private String readLine() throws IOException {
        while (true) {
            int end = indexOf((byte) '\n', position, limit);
            if (end >= 0) {
                int stop = end > position && buffer[end - 1] == '\r' ? end - 1 : end;
                String line = new String(buffer, position, stop - position, StandardCharsets.US_ASCII);
                position = end + 1;
                return line;
            }
            if (position == 0 && limit == buffer.length) {
                throw new IOException("a chunk line longer than " + buffer.length + " bytes");
            }
            if (!fill()) {
                throw new EOFException("the connection closed inside a chunked body");
            }
        }
    }

    private void skip(long bytes) throws IOException {
        long left = bytes;
        while (left > 0) {
            if (position == limit && !fill()) {
                throw new EOFException("the connection closed " + left + " bytes before the body's end");
            }
            int step = (int) Math.min(left, limit - position);
            position += step;
            left -= step;
        }
    }

    /** Moves what is unread to the buffer's start and reads more; false at the end of the stream. */
    private boolean fill() throws IOException {
        if (position > 0) {
            System.arraycopy(buffer, position, buffer, 0, limit - position);
            limit -= position;
            position = 0;
        }
        int read = in.read(buffer, limit, buffer.length - limit);
        if (read < 0) {
            return false;
        }
        limit += read;
        return true;
    }

    private int indexOf(byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buffer[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private boolean headerIs(int from, int to, String lowerCaseName) {
        if (to - from < lowerCaseName.length()) {
            return false;
        }
        for (int i = 0; i < lowerCaseName.length(); i++) {
            if (Character.toLowerCase((char) buffer[from + i]) != lowerCaseName.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String value(int from, int to, int nameLength) {
        return new String(buffer, from + nameLength, to - from - nameLength, StandardCharsets.US_ASCII).trim();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing a connection that failed: nothing left to do
            }
        }
        socket = null;
        in = null;
        out = null;
        position = 0;
        limit = 0;
    }
}
