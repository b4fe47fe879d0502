package rft3d.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Limits and addresses of the reward service.
 *
 * @param host address to bind; it must resolve to a loopback address unless a token is set
 * @param port TCP port (0 picks a free one)
 * @param maxBodyBytes largest request body; larger ones get 413 (at most 1 GiB)
 * @param maxBatch most completions in one request; more get 413
 * @param maxPairs most predicted × ground-truth box pairs one detection request may ask to score
 *     (predicted boxes counted by an upper bound before parsing); more get 413
 * @param workers requests scored at the same time
 * @param queueCapacity requests waiting for a worker; beyond it, 503
 * @param timeoutMillis how long a request may wait and be scored before it gets 504 (and is cancelled)
 * @param readTimeoutMillis how long a request may take to arrive, from its first byte; then 408
 * @param maxConnections open connections at once; beyond it new ones get 503
 * @param token shared secret expected as {@code Authorization: Bearer <token>}, or null for none
 */
public record ServerConfig(String host, int port, long maxBodyBytes, int maxBatch, long maxPairs, int workers,
                           int queueCapacity, long timeoutMillis, long readTimeoutMillis, int maxConnections, String token) {
    /** Shortest accepted token: a guessable secret on a network port is worse than none. */
    public static final int MIN_TOKEN_LENGTH = 16;

    public ServerConfig {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host must be given");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
        if (maxBodyBytes < 1 || maxBodyBytes > (1L << 30)) throw new IllegalArgumentException("max body must be 1 byte .. 1 GiB");
        if (maxBatch < 1 || maxPairs < 1 || workers < 1 || queueCapacity < 1 || timeoutMillis < 1 || readTimeoutMillis < 1
                || maxConnections < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        if (token != null && token.strip().length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("token must have at least " + MIN_TOKEN_LENGTH + " characters");
        }
    }

    /** Loopback, port 8700, 64 MiB bodies, 16,384 completions, 2^25 box pairs, 2 workers, 64 queued, 60 s, 30 s to read. */
    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8700, 64L << 20, 16384, 1L << 25, 2, 64, 60_000, 30_000, 1024, null);
    }

    public ServerConfig withHost(String h) {
        return new ServerConfig(h, port, maxBodyBytes, maxBatch, maxPairs, workers, queueCapacity, timeoutMillis, readTimeoutMillis, maxConnections, token);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, maxBodyBytes, maxBatch, maxPairs, workers, queueCapacity, timeoutMillis, readTimeoutMillis, maxConnections, token);
    }

    /** A copy with other size limits. */
    public ServerConfig withSizeLimits(long bodyBytes, int batch, long pairs) {
        return new ServerConfig(host, port, bodyBytes, batch, pairs, workers, queueCapacity, timeoutMillis, readTimeoutMillis, maxConnections, token);
    }

    /** A copy with other concurrency limits. */
    public ServerConfig withConcurrency(int nWorkers, int queue, int connections) {
        return new ServerConfig(host, port, maxBodyBytes, maxBatch, maxPairs, nWorkers, queue, timeoutMillis, readTimeoutMillis, connections, token);
    }

    /** A copy with other time limits. */
    public ServerConfig withTimeouts(long scoreMillis, long readMillis) {
        return new ServerConfig(host, port, maxBodyBytes, maxBatch, maxPairs, workers, queueCapacity, scoreMillis, readMillis, maxConnections, token);
    }

    public ServerConfig withToken(String t) {
        return new ServerConfig(host, port, maxBodyBytes, maxBatch, maxPairs, workers, queueCapacity, timeoutMillis, readTimeoutMillis, maxConnections, t);
    }

    /**
     * Reads a token file: its first line, stripped, at least {@link #MIN_TOKEN_LENGTH} characters, from a
     * file only its owner can read (where the file system has POSIX permissions).
     *
     * @throws IllegalArgumentException saying what is wrong with the file
     */
    public static String readTokenFile(Path file) {
        try {
            Set<PosixFilePermission> perms;
            try {
                perms = Files.getPosixFilePermissions(file);
            } catch (UnsupportedOperationException e) {
                perms = EnumSet.noneOf(PosixFilePermission.class);
            }
            Set<PosixFilePermission> shared = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
            shared.retainAll(perms);
            if (!shared.isEmpty()) {
                throw new IllegalArgumentException("token file " + file + " is readable or writable by others " + shared
                        + "; chmod 600 it");
            }
            String token = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException("token in " + file + " has " + token.length() + " characters; at least "
                        + MIN_TOKEN_LENGTH + " needed");
            }
            return token;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read token file " + file + ": " + e.getMessage(), e);
        }
    }
}
