package rft3d.serve;

/** A request that cannot be served: its status, the offending field (or null) and a message for the client. */
final class HttpError extends Exception {
    final int status;
    final String field;

    HttpError(int status, String field, String message) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
    }
}
