package rft3d.serve;

/**
 * Limits and addresses of the reward service.
 *
 * @param host address to bind; loopback by default, anything else needs a token
 * @param port TCP port (0 picks a free one)
 * @param maxBodyBytes largest request body; larger ones get 413
 * @param maxBatch most completions in one request; more get 413
 * @param workers requests scored at the same time
 * @param queueCapacity requests waiting for a worker; beyond it, 503
 * @param timeoutMillis how long a request may wait and run before it gets 504
 * @param token shared secret expected as {@code Authorization: Bearer <token>}, or null for none
 */
public record ServerConfig(String host, int port, long maxBodyBytes, int maxBatch, int workers, int queueCapacity,
                           long timeoutMillis, String token) {
    public ServerConfig {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535");
        if (maxBodyBytes < 1 || maxBatch < 1 || workers < 1 || queueCapacity < 1 || timeoutMillis < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        if (token != null && token.isBlank()) throw new IllegalArgumentException("token must not be blank");
        if (!isLoopback(host) && token == null) {
            throw new IllegalArgumentException("binding to " + host + " (not loopback) needs a token (--token-file)");
        }
    }

    /** Loopback, port 8700, 64 MiB bodies, 16,384 completions, 2 workers, 64 queued, 60 s. */
    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8700, 64L << 20, 16384, 2, 64, 60_000, null);
    }

    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, maxBodyBytes, maxBatch, workers, queueCapacity, timeoutMillis, token);
    }
}
