package rft3d.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import rft3d.RewardEngines;
import rft3d.eval.Jsonl;
import rft3d.geometry.GroundingConvention;
import rft3d.parse.Json;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;
import rft3d.reward.RewardEngine;
import rft3d.reward.RewardTask;
import rft3d.reward.Tasks;

final class RewardCommand implements Command {
    static final ObjectMapper MAPPER = Json.builder().build();
    /**
     * Lines scored per engine call: enough to keep a GPU busy, few enough that reading the next batch
     * overlaps scoring this one.
     */
    static final int BATCH = 256;

    @Override
    public String name() {
        return "reward";
    }

    @Override
    public String summary() {
        return "score completions: one JSON line of reward and parts per input line";
    }

    @Override
    public String usage() {
        return """
                usage: ./rft reward --task detection|grounding|mc|numeric --input IN.jsonl [--output OUT.jsonl]
                                    [--matching greedy|optimal] [--convention vgllm|geometric] [--engine auto|cpu|gpu]
                  IN lines: {"completion": "<model output>", "gt": {..}}; OUT (default: standard output) lines:
                  {"reward": r, "parts": {..}, "reason": ".."}, or {"line": n, "error": ".."} for a bad input line.""";
    }

    @Override
    public int run(Args args) throws Exception {
        String taskName = args.required("task");
        Path input = args.existingFile("input");
        String output = args.get("output", null);
        RewardConfig cfg = RewardConfig.defaults().withMatching(switch (args.get("matching", "greedy")) {
            case "greedy" -> RewardConfig.Matching.GREEDY;
            case "optimal" -> RewardConfig.Matching.OPTIMAL;
            default -> throw new Args.UsageException("--matching must be greedy or optimal");
        });
        try {
            cfg = cfg.withGroundingConvention(GroundingConvention.parse(args.get("convention", "vgllm")));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
        String engineName = args.get("engine", "auto");
        args.rejectUnknown();
        if (output != null) refuseOverwritingInput(input, Path.of(output));
        RewardTask<?> task;
        try {
            task = Tasks.create(taskName, cfg);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
        Writer out = output == null
                ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))
                : Files.newBufferedWriter(Path.of(output), StandardCharsets.UTF_8);
        int[] counts = new int[2]; // scored, errors
        String name = input.toString();
        try (RewardEngine engine = RewardEngines.byName(engineName, cfg); out) {
            // A reader thread splits the file into batches while this one scores the previous batch.
            BlockingQueue<Batch> ready = new ArrayBlockingQueue<>(2);
            Batch end = new Batch(name, task);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                Batch[] batch = {new Batch(name, task)};
                try {
                    Jsonl.forEachLineBytes(input, (line, bytes, len) -> {
                        batch[0].add(line, Arrays.copyOf(bytes, len));
                        if (batch[0].size() == BATCH) batch[0] = hand(ready, batch[0], new Batch(name, task));
                    }, (line, message) -> {
                        batch[0].addError(line, message); // keeps its place among the scored lines
                        if (batch[0].size() == BATCH) batch[0] = hand(ready, batch[0], new Batch(name, task));
                    });
                    if (batch[0].size() > 0) hand(ready, batch[0], null);
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    hand(ready, end, null);
                }
            }, "rft-reward-reader");
            reader.setDaemon(true);
            reader.start();
            for (Batch b = ready.take(); b != end; b = ready.take()) b.flush(engine, taskName, out, counts);
            if (failure.get() instanceof IOException e) throw e;
            if (failure.get() != null) throw new IllegalStateException("reading " + input + " failed", failure.get());
        }
        System.err.printf("rft reward: %d scored, %d errors (%s)%n", counts[0], counts[1], input);
        return counts[1] == 0 ? 0 : 1;
    }

    /** Puts a full batch in the queue (waiting for room) and returns the next one. */
    private static Batch hand(BlockingQueue<Batch> queue, Batch full, Batch next) {
        try {
            queue.put(full);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return next;
    }

    /** Writing the output would truncate the input before it is read: refuse, by path and by inode. */
    static void refuseOverwritingInput(Path input, Path output) throws IOException {
        boolean same = input.toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())
                || (Files.exists(output) && Files.isSameFile(input, output));
        if (same) throw new Args.UsageException("--output " + output + " is the input file " + input + "; writing it would destroy the input");
    }

    /**
     * Input lines waiting to be scored, kept as bytes until the flush reads their two fields in parallel
     * (a streaming parser: the completion as a string, the GT as a tree, anything else skipped); bad lines
     * carry their error and keep their place in the output.
     */
    private static final class Batch {
        final String name;
        final RewardTask<?> task;
        final List<Integer> lines = new ArrayList<>();
        final List<byte[]> raw = new ArrayList<>(); // null for a line already known to be bad
        final List<String> errors = new ArrayList<>();

        Batch(String name, RewardTask<?> task) {
            this.name = name;
            this.task = task;
        }

        void add(int line, byte[] bytes) {
            lines.add(line);
            raw.add(bytes);
            errors.add(null);
        }

        void addError(int line, String error) {
            lines.add(line);
            raw.add(null);
            errors.add(error);
        }

        int size() {
            return lines.size();
        }

        void flush(RewardEngine engine, String taskName, Writer out, int[] counts) {
            int n = size();
            String[] completions = new String[n];
            JsonNode[] gts = new JsonNode[n];
            IntStream.range(0, n).parallel().forEach(i -> {
                if (raw.get(i) == null) return;
                try {
                    read(raw.get(i), completions, gts, i);
                } catch (JsonProcessingException e) {
                    errors.set(i, Jsonl.where(name, lines.get(i)) + Jsonl.notJson(e));
                } catch (IllegalArgumentException e) {
                    errors.set(i, e.getMessage());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            List<Reward> rewards = scoreGood(engine, taskName, completions, gts);
            int next = 0;
            for (int i = 0; i < n; i++) {
                if (errors.get(i) != null) {
                    writeError(out, lines.get(i), errors.get(i));
                    counts[1]++;
                } else {
                    writeReward(out, rewards.get(next++));
                    counts[0]++;
                }
            }
            lines.clear();
            raw.clear();
            errors.clear();
        }

        /**
         * Rewards of the lines without an error, in order. The engine checks every GT as it parses it, so
         * they are checked here only when it refuses the batch: then each bad line gets its error and the
         * others are scored again.
         */
        private List<Reward> scoreGood(RewardEngine engine, String taskName, String[] completions, JsonNode[] gts) {
            List<String> goodCompletions = new ArrayList<>();
            List<JsonNode> goodGts = new ArrayList<>();
            for (int i = 0; i < size(); i++) {
                if (errors.get(i) == null) {
                    goodCompletions.add(completions[i]);
                    goodGts.add(gts[i]);
                }
            }
            if (goodCompletions.isEmpty()) return List.of();
            try {
                return engine.score(taskName, goodCompletions, goodGts);
            } catch (IllegalArgumentException refused) {
                boolean found = false;
                for (int i = 0; i < size(); i++) {
                    if (errors.get(i) != null) continue;
                    try {
                        task.groundTruth(gts[i]);
                    } catch (IllegalArgumentException e) {
                        errors.set(i, e.getMessage()); // its message names the bad field
                        found = true;
                    }
                }
                if (!found) throw refused; // not a bad GT: nothing to take out and try again
                return scoreGood(engine, taskName, completions, gts);
            }
        }

        /**
         * The "completion" string and the "gt" value of one line's object; throws IllegalArgumentException
         * with the reason when the line is not an object or a field is missing or of the wrong type.
         */
        private void read(byte[] line, String[] completions, JsonNode[] gts, int i) throws IOException {
            String completion = null;
            JsonNode gt = null;
            try (JsonParser p = MAPPER.getFactory().createParser(line)) {
                if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException(Jsonl.where(name, lines.get(i)) + "not a JSON object");
                for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    switch (field) {
                        case "completion" -> {
                            completion = value == JsonToken.VALUE_STRING ? p.getText() : null;
                            p.skipChildren();
                        }
                        case "gt" -> gt = p.readValueAsTree();
                        default -> p.skipChildren();
                    }
                }
            }
            if (completion == null) throw new IllegalArgumentException("completion: missing or not a string");
            if (gt == null) throw new IllegalArgumentException("gt: missing");
            completions[i] = completion;
            gts[i] = gt;
        }
    }

    private static void writeReward(Writer out, Reward r) {
        writeLine(out, r.toJson());
    }

    private static void writeError(Writer out, int line, String error) {
        ObjectNode o = MAPPER.createObjectNode().put("line", line).put("error", error);
        writeLine(out, o);
    }

    private static void writeLine(Writer out, ObjectNode o) {
        try {
            out.write(MAPPER.writeValueAsString(o));
            out.write('\n');
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
