package rft3d.serve;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP response.
 *
 * @param status the status code
 * @param contentType the Content-Type header
 * @param body the body
 */
public record HttpResponse(int status, String contentType, byte[] body) {
    /** A JSON response. */
    public static HttpResponse json(int status, byte[] body) {
        return new HttpResponse(status, "application/json", body);
    }

    /** The service's error form, {@code {"error": message, "field": field}} (no field when null). */
    public static HttpResponse error(int status, String field, String message) {
        ObjectNode o = JsonNodeFactory.instance.objectNode().put("error", message);
        if (field != null) o.put("field", field);
        return json(status, o.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The wire form: status line, headers, body. */
    byte[] encode(boolean keepAlive) {
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\n"
                + "Content-Type: " + contentType + "\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + (keepAlive ? "" : "Connection: close\r\n")
                + "\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[h.length + body.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(body, 0, out, h.length, body.length);
        return out;
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Status";
        };
    }
}
