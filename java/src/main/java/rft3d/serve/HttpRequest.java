package rft3d.serve;

import java.util.Map;

/**
 * One complete HTTP/1.1 request, body already read.
 *
 * @param method the method, as sent ("GET", "POST")
 * @param path the request target's path, without the query
 * @param headers header values by lower-case name (the last one wins)
 * @param body the body, de-chunked
 * @param keepAlive whether the connection stays open after the response
 */
public record HttpRequest(String method, String path, Map<String, String> headers, byte[] body, boolean keepAlive) {
    /** A header by lower-case name, or null. */
    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }
}
