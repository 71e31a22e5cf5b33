package io.settlement.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The answer to a request Jetty refuses before any route sees it (headers over the limit, a
 * URI with an encoded NUL or an ambiguous path segment, a malformed request line): the same JSON
 * error with a stable code as every other answer, instead of Jetty's HTML page.
 */
final class ContainerErrors extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                                    Callback callback) {
        ErrorCode code = codeOf(status);
        String text = "{\"code\":\"" + code.name() + "\",\"message\":\"the server refused the request before routing it: "
                + status + "\"}";
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Replies.JSON);
        response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
    }

    static ErrorCode codeOf(int status) {
        switch (status) {
            case 413:
                return ErrorCode.PAYLOAD_TOO_LARGE;
            case 414:
            case 431:
                return ErrorCode.HEADERS_TOO_LARGE;
            default:
                return status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.MALFORMED_REQUEST;
        }
    }
}
