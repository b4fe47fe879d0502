package rft3d.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import rft3d.RewardEngines;
import rft3d.reward.RewardConfig;
import rft3d.reward.RewardEngine;
import rft3d.serve.RewardServer;
import rft3d.serve.ServerConfig;

final class ServeCommand implements Command {
    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String summary() {
        return "HTTP reward service for other trainers (POST /v1/rewards)";
    }

    @Override
    public String usage() {
        ServerConfig d = ServerConfig.defaults();
        return """
                usage: ./rft serve [--port %d] [--host 127.0.0.1] [--engine auto|cpu|gpu] [--token-file FILE]
                                   [--max-batch %d] [--max-body-mb %d] [--max-pairs %d] [--workers %d] [--queue %d]
                                   [--timeout-s %d] [--read-timeout-s %d] [--max-connections %d]
                  POST /v1/rewards {"task": .., "completions": [..], "gt": [..]}; POST /v1/advantages
                  {"rewards": [..], "group_size": G, "scaling": "group|batch|none"}; GET /health; GET /metrics.
                  A host that does not resolve to a loopback address needs --token-file: a file only its owner
                  can read, holding a token of at least %d characters (clients send "Authorization: Bearer TOKEN").
                  Stops on Ctrl-C."""
                .formatted(d.port(), d.maxBatch(), d.maxBodyBytes() >> 20, d.maxPairs(), d.workers(), d.queueCapacity(),
                        d.timeoutMillis() / 1000, d.readTimeoutMillis() / 1000, d.maxConnections(), ServerConfig.MIN_TOKEN_LENGTH);
    }

    @Override
    public int run(Args args) throws Exception {
        ServerConfig d = ServerConfig.defaults();
        String tokenFile = args.get("token-file", null);
        ServerConfig cfg;
        try {
            String token = tokenFile == null ? null : ServerConfig.readTokenFile(Path.of(tokenFile));
            cfg = new ServerConfig(args.get("host", d.host()), args.integer("port", d.port()),
                    (long) args.integer("max-body-mb", (int) (d.maxBodyBytes() >> 20)) << 20, args.integer("max-batch", d.maxBatch()),
                    args.longInteger("max-pairs", d.maxPairs()), args.integer("workers", d.workers()),
                    args.integer("queue", d.queueCapacity()),
                    1000L * args.integer("timeout-s", (int) (d.timeoutMillis() / 1000)),
                    1000L * args.integer("read-timeout-s", (int) (d.readTimeoutMillis() / 1000)),
                    args.integer("max-connections", d.maxConnections()), token);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
        String engineName = args.get("engine", "auto");
        args.rejectUnknown();
        RewardEngine engine = RewardEngines.byName(engineName, RewardConfig.defaults());
        RewardServer server;
        try {
            server = new RewardServer(engine, cfg).start();
        } catch (IllegalArgumentException e) {
            engine.close();
            throw new Args.UsageException(e.getMessage());
        } catch (IOException e) {
            engine.close();
            System.err.println("rft serve: " + e.getMessage());
            return 1;
        }
        System.err.printf("rft serve: listening on http://%s:%d (%s)%n", cfg.host(), server.port(), engine.describe());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            engine.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
