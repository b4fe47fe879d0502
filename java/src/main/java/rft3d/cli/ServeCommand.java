package rft3d.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
                                   [--max-batch %d] [--max-body-mb %d] [--workers %d] [--queue %d] [--timeout-s %d]
                  POST /v1/rewards {"task": .., "completions": [..], "gt": [..]}; POST /v1/advantages
                  {"rewards": [..], "group_size": G, "scaling": "group|batch|none"}; GET /health; GET /metrics.
                  Binding to a non-loopback host needs --token-file (clients send "Authorization: Bearer TOKEN").
                  Stops on Ctrl-C."""
                .formatted(d.port(), d.maxBatch(), d.maxBodyBytes() >> 20, d.workers(), d.queueCapacity(), d.timeoutMillis() / 1000);
    }

    @Override
    public int run(Args args) throws Exception {
        ServerConfig d = ServerConfig.defaults();
        String tokenFile = args.get("token-file", null);
        String token = tokenFile == null ? null : Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8).strip();
        ServerConfig cfg;
        try {
            cfg = new ServerConfig(args.get("host", d.host()), args.integer("port", d.port()),
                    (long) args.integer("max-body-mb", (int) (d.maxBodyBytes() >> 20)) << 20, args.integer("max-batch", d.maxBatch()),
                    args.integer("workers", d.workers()), args.integer("queue", d.queueCapacity()),
                    1000L * args.integer("timeout-s", (int) (d.timeoutMillis() / 1000)), token);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
        String engineName = args.get("engine", "auto");
        args.rejectUnknown();
        RewardEngine engine = RewardEngines.byName(engineName, RewardConfig.defaults());
        RewardServer server = new RewardServer(engine, cfg).start();
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
