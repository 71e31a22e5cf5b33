package io.settlement.kafka;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * One Kafka request over a plaintext connection of its own, answered synchronously: for the
 * requests no Kafka client offers (a transaction marker with a COMMIT result, written on the
 * coordinator's behalf). Only for the embedded broker, which listens on 127.0.0.1 without TLS or
 * SASL.
 */
final class KafkaWire {
    private static final String CLIENT_ID = "settlement-embedded-kafka";
    private static final int TIMEOUT_MS = 30_000;
    /** A response larger than this is not one this class asked for. */
    private static final int MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
    private static final AtomicInteger CORRELATION = new AtomicInteger();

    private KafkaWire() {
    }

    /** Sends {@code request} (built at {@code version}) to {@code host:port} and returns its parsed response. */
    static <R extends AbstractResponse> R send(String host, int port, AbstractRequest.Builder<?> builder, short version,
            Class<R> responseType) throws IOException {
        AbstractRequest request = builder.build(version);
        RequestHeader header = new RequestHeader(request.apiKey(), version, CLIENT_ID, CORRELATION.incrementAndGet());
        ByteBuffer payload = request.serializeWithHeader(header);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            byte[] bytes = new byte[payload.remaining()];
            payload.get(bytes);
            out.writeInt(bytes.length);
            out.write(bytes);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int size = in.readInt();
            if (size < 0 || size > MAX_RESPONSE_BYTES) {
                throw new IOException("a " + request.apiKey() + " response of " + size + " bytes from " + host + ":" + port);
            }
            byte[] response = new byte[size];
            in.readFully(response);
            return responseType.cast(AbstractResponse.parseResponse(ByteBuffer.wrap(response), header));
        }
    }
}
