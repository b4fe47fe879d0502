package rft3d.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import rft3d.RewardEngines;
import rft3d.eval.Jsonl;
import rft3d.geometry.GroundingConvention;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;
import rft3d.reward.RewardEngine;
import rft3d.reward.RewardTask;
import rft3d.reward.Tasks;

final class RewardCommand implements Command {
    static final ObjectMapper MAPPER = new ObjectMapper();
    /** Lines scored per engine call: large enough to keep a GPU busy, small enough to stream. */
    static final int BATCH = 4096;

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
        try (RewardEngine engine = RewardEngines.byName(engineName, cfg); out) {
            Batch batch = new Batch();
            Jsonl.forEachLine(input, (line, node) -> {
                batch.add(line, node, task);
                if (batch.size() == BATCH) batch.flush(engine, taskName, out, counts);
            }, (line, message) -> {
                batch.addError(line, message); // keeps its place among the scored lines
                if (batch.size() == BATCH) batch.flush(engine, taskName, out, counts);
            });
            batch.flush(engine, taskName, out, counts);
        }
        System.err.printf("rft reward: %d scored, %d errors (%s)%n", counts[0], counts[1], input);
        return counts[1] == 0 ? 0 : 1;
    }

    /** Writing the output would truncate the input before it is read: refuse, by path and by inode. */
    static void refuseOverwritingInput(Path input, Path output) throws IOException {
        boolean same = input.toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())
                || (Files.exists(output) && Files.isSameFile(input, output));
        if (same) throw new Args.UsageException("--output " + output + " is the input file " + input + "; writing it would destroy the input");
    }

    /** Input lines waiting to be scored; bad ones carry their error and keep their place in the output. */
    private static final class Batch {
        final List<Integer> lines = new ArrayList<>();
        final List<String> completions = new ArrayList<>();
        final List<JsonNode> gts = new ArrayList<>();
        final List<String> errors = new ArrayList<>();

        void add(int line, JsonNode node, RewardTask<?> task) {
            JsonNode c = node.get("completion");
            JsonNode gt = node.get("gt");
            String error = null;
            if (c == null || !c.isTextual()) error = "completion: missing or not a string";
            else if (gt == null) error = "gt: missing";
            else {
                try {
                    task.groundTruth(gt);
                } catch (IllegalArgumentException e) {
                    error = e.getMessage();
                }
            }
            lines.add(line);
            completions.add(c != null && c.isTextual() ? c.asText() : "");
            gts.add(gt);
            errors.add(error);
        }

        void addError(int line, String error) {
            lines.add(line);
            completions.add("");
            gts.add(null);
            errors.add(error);
        }

        int size() {
            return lines.size();
        }

        void flush(RewardEngine engine, String task, Writer out, int[] counts) {
            List<String> goodCompletions = new ArrayList<>();
            List<JsonNode> goodGts = new ArrayList<>();
            for (int i = 0; i < size(); i++) {
                if (errors.get(i) == null) {
                    goodCompletions.add(completions.get(i));
                    goodGts.add(gts.get(i));
                }
            }
            List<Reward> rewards = goodCompletions.isEmpty() ? List.of() : engine.score(task, goodCompletions, goodGts);
            int next = 0;
            for (int i = 0; i < size(); i++) {
                if (errors.get(i) != null) {
                    writeError(out, lines.get(i), errors.get(i));
                    counts[1]++;
                } else {
                    writeReward(out, rewards.get(next++));
                    counts[0]++;
                }
            }
            lines.clear();
            completions.clear();
            gts.clear();
            errors.clear();
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
