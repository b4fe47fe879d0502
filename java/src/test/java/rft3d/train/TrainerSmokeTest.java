package rft3d.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rft3d.grpo.AdvantageOptions;
import rft3d.grpo.Advantages;
import rft3d.model.Checkpoint;
import rft3d.model.VideoLM;
import rft3d.reward.CpuRewardEngine;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;
import rft3d.reward.RewardEngine;

/** A few SFT and GRPO steps of a tiny model on a tiny synthetic dataset. */
class TrainerSmokeTest {
    @TempDir
    static Path dir;
    static TrainConfig cfg;

    @BeforeAll
    static void tinyConfig() throws Exception {
        Path file = dir.resolve("tiny.json");
        Files.writeString(file, """
                {"data": "%s", "out": "%s", "threads": 1,
                 "data_gen": {"train_scenes": 6, "eval_scenes": 2, "frames": 2, "resolution": 16},
                 "model": {"dim": 32, "layers": 1, "heads": 2, "patch": 8, "max_sequence": 160},
                 "sft": {"steps": 6, "batch": 4, "micro_batch": 2, "warmup": 1},
                 "grpo": {"steps": 2, "prompts": 2, "group_size": 3, "micro_batch": 4, "max_new_tokens": 24, "weight_decay": 0.0},
                 "log_every": 1, "checkpoint_every": 2}
                """.formatted(dir.resolve("data"), dir.resolve("out")));
        cfg = TrainConfig.load(file);
        Pipeline.generateData(cfg);
    }

    /** A workspace of the tiny config with more GRPO fields ({@code "name": value, ...}). */
    static Workspace withGrpo(String name, String fields) throws Exception {
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, Files.readString(dir.resolve("tiny.json")).replace("\"weight_decay\": 0.0}", "\"weight_decay\": 0.0, " + fields + "}"));
        return new Workspace(TrainConfig.load(file));
    }

    static List<JsonNode> metrics(Path stageDir) throws Exception {
        ObjectMapper m = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(stageDir.resolve("metrics.jsonl"))) out.add(m.readTree(line));
        return out;
    }

    static float[] flat(VideoLM model) {
        List<Float> all = new ArrayList<>();
        for (Tensor t : model.namedParameters().values()) {
            Tensor c = t.detach().contiguous();
            float[] v = new float[(int) c.numel()];
            c.data_ptr_float().get(v);
            for (float x : v) all.add(x);
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) out[i] = all.get(i);
        return out;
    }

    @Test
    void sftLossIsFiniteAndFallsAndAnInterruptedRunResumes() throws Exception {
        Path stage = dir.resolve("sft");
        Pipeline.sft(cfg, null, stage, 4); // "interrupted" after 4 of 6 steps: last/ holds step 3
        JsonNode saved = Checkpoint.trainerState(stage.resolve("last"));
        assertEquals(3, saved.get("step").asInt());
        VideoLM model = Checkpoint.load(stage.resolve("last"));
        assertTrue(Stage.optimizerStateFits(saved, model), "the optimizer state is resumed: " + saved);
        Path done = Pipeline.sft(cfg, null, stage, 6);
        List<JsonNode> m = metrics(stage);
        assertEquals(6, m.size(), "4 logged steps, then 2 resumed ones: " + m);
        assertEquals(5, m.get(4).get("step").asInt(), "resumed at step 5");
        for (JsonNode row : m) assertTrue(Double.isFinite(row.get("loss").asDouble()));
        assertTrue(m.get(m.size() - 1).get("loss").asDouble() < m.get(0).get("loss").asDouble(), "loss falls: " + m);
        assertTrue(Files.isRegularFile(done.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(stage.resolve("sft_curves.png")));
    }

    /** Scores like the CPU engine but replaces every total by a fixed pattern. */
    static RewardEngine engineWithTotals(java.util.function.IntToDoubleFunction total) {
        CpuRewardEngine cpu = new CpuRewardEngine(RewardConfig.defaults(), 1);
        return new RewardEngine() {
            public List<Reward> score(String task, List<String> completions, List<JsonNode> gts) {
                List<Reward> r = cpu.score(task, completions, gts), out = new ArrayList<>();
                for (int i = 0; i < r.size(); i++) out.add(new Reward(total.applyAsDouble(i), r.get(i).parts(), r.get(i).reason()));
                return out;
            }
            public double[] advantages(double[] rewards, int groupSize, AdvantageOptions options) {
                return Advantages.compute(rewards, groupSize, options);
            }
            public String describe() { return "test"; }
            public RewardConfig config() { return cpu.config(); }
            public void close() { cpu.close(); }
        };
    }

    /** A fresh model of the workspace's size, saved under {@code name} with a seed. */
    static Path initialCheckpoint(Workspace ws, String name, int seed) throws Exception {
        Path init = dir.resolve(name);
        org.bytedeco.pytorch.global.torch.manual_seed(seed);
        Checkpoint.save(init, new VideoLM(ws.modelConfig()), null, null);
        return init;
    }

    @Test
    void aFreshModelStartsFromTheMappedInitWeights() throws Exception {
        Workspace ws = new Workspace(cfg);
        Path source = initialCheckpoint(ws, "encoder-source", 77);
        Path file = dir.resolve("init-weights.json");
        Files.writeString(file, Files.readString(dir.resolve("tiny.json")).replace("\"max_sequence\": 160}",
                "\"max_sequence\": 160, \"init_weights\": {\"file\": \"%s\", \"rename\": [[\"patch.\", \"patch.\"]]}}"
                        .formatted(source.resolve("model.safetensors"))));
        VideoLM started = Checkpoint.load(Pipeline.sft(TrainConfig.load(file), null, dir.resolve("init-weights-out"), 0));
        VideoLM src = Checkpoint.load(source);
        for (String name : List.of("patch.weight", "patch.bias")) {
            assertArrayEquals(values(src, name), values(started, name), name);
        }
        assertFalse(java.util.Arrays.equals(values(src, "token_embedding"), values(started, "token_embedding")),
                "token_embedding was not mapped, so it comes from the run's own seed");
    }

    /** One parameter's values. */
    private static float[] values(VideoLM m, String name) {
        Tensor c = m.namedParameters().get(name).detach().contiguous();
        float[] v = new float[(int) c.numel()];
        c.data_ptr_float().get(v);
        return v;
    }

    @Test
    void rewardsFlowIntoTheUpdate() throws Exception {
        Workspace ws = new Workspace(cfg);
        Path init = initialCheckpoint(ws, "init", 1);
        float[] before = flat(Checkpoint.load(init));

        // Equal rewards in every group: zero advantages, zero KL at the start, zero gradient, no change (no weight decay).
        try (RewardEngine flatEngine = engineWithTotals(i -> 1.0)) {
            Path out = GrpoTrainer.run(ws, Checkpoint.load(init), dir.resolve("grpo_flat"), 1, flatEngine);
            assertTrue(Arrays.equals(before, flat(Checkpoint.load(out))), "no reward differences, no update");
        }
        // Different rewards inside a group: the policy moves, and the log shows the rewards.
        try (RewardEngine varied = engineWithTotals(i -> i % 2)) {
            Path out = GrpoTrainer.run(ws, Checkpoint.load(init), dir.resolve("grpo_varied"), 2, varied);
            assertFalse(Arrays.equals(before, flat(Checkpoint.load(out))), "rewards moved the policy");
            List<JsonNode> m = metrics(dir.resolve("grpo_varied"));
            for (JsonNode row : m) {
                assertTrue(Double.isFinite(row.get("loss").asDouble()));
                assertTrue(row.get("reward_std").asDouble() > 0, "varied rewards logged: " + row);
                assertTrue(Double.isFinite(row.get("kl").asDouble()));
            }
        }
    }

    @Test
    void withTwoUpdatesPerBatchTheLoggedRatiosAreTheSecondUpdates() throws Exception {
        Path init = initialCheckpoint(new Workspace(cfg), "init2", 3);
        Workspace two = withGrpo("two_updates", "\"updates_per_batch\": 2, \"lr\": 0.05");
        try (RewardEngine varied = engineWithTotals(i -> i % 2)) {
            GrpoTrainer.run(two, Checkpoint.load(init), dir.resolve("grpo_two"), 1, varied);
        }
        JsonNode row = metrics(dir.resolve("grpo_two")).get(0);
        // The first update moved the policy, so the second one's ratios are not all 1 (they were logged as 1 before).
        assertTrue(Math.abs(row.get("ratio_mean").asDouble() - 1) > 1e-4, row.toString());
    }

    @Test
    void weightDecayShrinksMatricesOnlyNotNormsBiasesOrEmbeddings() throws Exception {
        Workspace ws = new Workspace(cfg);
        VideoLM model = Checkpoint.load(initialCheckpoint(ws, "init_decay", 4));
        Map<String, float[]> before = new java.util.HashMap<>();
        for (var e : model.namedParameters().entrySet()) before.put(e.getKey(), Sequences.values(e.getValue()));
        var adam = Stage.optimizer(model, 0.1, 0.5);
        Tensor zero = null; // a zero loss: zero gradients, so only the decay moves anything
        for (Tensor p : model.namedParameters().values()) zero = zero == null ? p.sum().mul(Sequences.scalar(0)) : zero.add(p.sum().mul(Sequences.scalar(0)));
        zero.backward();
        adam.step();
        int decayed = 0, kept = 0;
        for (var e : model.namedParameters().entrySet()) {
            float[] was = before.get(e.getKey()), now = Sequences.values(e.getValue());
            boolean decays = Stage.decays(e.getKey(), e.getValue());
            for (int i = 0; i < was.length; i++) assertEquals(decays ? was[i] * 0.95f : was[i], now[i], 1e-6, e.getKey());
            if (decays) decayed++;
            else kept++;
        }
        assertTrue(decayed > 0 && kept > 0, decayed + " decayed, " + kept + " kept");
        assertFalse(Stage.decays("token_embedding", model.namedParameters().get("token_embedding")));
        assertFalse(Stage.decays("final_norm", model.namedParameters().get("final_norm")));
    }

    @Test
    void evaluationWritesPredictionFilesAndMetrics() throws Exception {
        Workspace ws = new Workspace(cfg);
        org.bytedeco.pytorch.global.torch.manual_seed(2);
        Map<String, Double> m = Predictor.evaluate(ws, new VideoLM(ws.modelConfig()), "eval", dir.resolve("pred"), 16);
        assertTrue(m.keySet().containsAll(List.of("det_f1@0.25", "ground_acc@0.25", "spatial_numeric_mra", "spatial_mc_acc")), m.toString());
        assertEquals(2, Files.readAllLines(dir.resolve("pred/pred_detection.jsonl")).size());
    }

    @Test
    void learningRateWarmsUpThenDecaysToATenth() {
        TrainConfig.Sft c = new TrainConfig.Sft(100, 4, 4, 0.01, 10, 0, 1, 0, Map.of());
        assertEquals(0.001, SftTrainer.learningRate(c, 0, 100), 1e-12);
        assertEquals(0.01, SftTrainer.learningRate(c, 10, 100), 1e-12);
        assertEquals(0.001, SftTrainer.learningRate(c, 99, 100), 1e-12);
        assertTrue(SftTrainer.learningRate(c, 50, 100) < 0.01 && SftTrainer.learningRate(c, 50, 100) > 0.001);
    }

    @Test
    void aTimeBudgetEndsGrpoEarlyAtAWholeStepWithItsFinalCheckpoint() throws Exception {
        Path init = initialCheckpoint(new Workspace(cfg), "init_budget", 4);
        Workspace budget = withGrpo("budget", "\"max_seconds\": 1e-9");
        Path out;
        try (RewardEngine varied = engineWithTotals(i -> i % 2)) {
            out = GrpoTrainer.run(budget, Checkpoint.load(init), dir.resolve("grpo_budget"), 5, varied);
        }
        List<JsonNode> m = metrics(dir.resolve("grpo_budget"));
        assertEquals(1, m.size(), "one step ran and was logged: " + m);
        assertEquals(1, m.get(0).get("step").asInt());
        assertTrue(m.get(0).get("elapsed_s").asDouble() >= 1e-9);
        JsonNode state = Checkpoint.trainerState(out);
        assertEquals(0, state.get("step").asInt(), "the final checkpoint is the one step's: " + state);
        assertTrue(state.get("complete").asBoolean());
    }

    @Test
    void anOptimizerStateListedForOtherParametersOrNoneIsNotResumed() throws Exception {
        VideoLM model = new VideoLM(new Workspace(cfg).modelConfig());
        ObjectMapper m = new ObjectMapper();
        var state = m.createObjectNode().put("stage", "sft").put("step", 3);
        assertFalse(Stage.optimizerStateFits(state, model), "a checkpoint from before the list");
        List<String> names = new ArrayList<>(model.namedParameters().keySet());
        names.forEach(state.putArray("parameters")::add);
        assertTrue(Stage.optimizerStateFits(state, model));
        java.util.Collections.swap(names, 0, 1);
        state.remove("parameters");
        names.forEach(state.putArray("parameters")::add);
        assertFalse(Stage.optimizerStateFits(state, model), "another order");
        state.remove("parameters");
        names.subList(0, names.size() - 1).forEach(state.putArray("parameters")::add);
        assertFalse(Stage.optimizerStateFits(state, model), "fewer parameters");
    }

    @Test
    void badConfigsNameTheField() throws Exception {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{\"sft\": {\"stepz\": 3}}");
        var e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.load(f));
        assertTrue(e.getMessage().contains("sft.stepz"), e.getMessage());
        Files.writeString(f, "{\"grpo\": {\"group_size\": 1}}");
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.load(f));
        assertTrue(e.getMessage().contains("group_size"), e.getMessage());
        Files.writeString(f, "{\"model\": {\"dim\": \"big\"}}");
        assertThrows(IllegalArgumentException.class, () -> TrainConfig.load(f));
        assertThrows(java.io.IOException.class, () -> TrainConfig.load(dir.resolve("none.json")));
        for (String[] c : new String[][] {
                {"{\"sft\": {\"steps\": \"2\"}}", "steps"},
                {"{\"sft\": {\"steps\": 2.9}}", "steps"},
                {"{\"sft\": {\"grad_clip\": -1}}", "sft.grad_clip"},
                {"{\"grpo\": {\"top_p\": 0}}", "grpo.top_p"},
                {"{\"grpo\": {\"temperature\": -1}}", "grpo.temperature"},
                {"{\"grpo\": {\"tasks\": [\"detection\", \"vqa\"]}}", "vqa"},
                {"{\"grpo\": {\"scaling\": \"mean\"}}", "grpo.scaling"},
                {"{\"grpo\": {\"max_seconds\": -1}}", "grpo.max_seconds"},
                {"{\"grpo\": {\"explore\": \"boxes\"}}", "grpo.explore"},
                {"{\"device\": \"gpu\"}", "device"},
                {"{\"model\": {\"dim\": 30, \"heads\": 4}}", "model"},
                {"{\"model\": {\"precision\": \"fp16\"}}", "model.precision"},
                {"{\"sft\": {\"task_weights\": {\"detection\": -1.0}}}", "sft.task_weights"},
                {"{\"sft\": {\"task_weights\": {\"vqa\": 1.0}}}", "sft.task_weights.vqa"},
                {"{\"model\": {\"init_weights\": {\"file\": \"enc.safetensors\"}}}", "model.init_weights"},
                {"{\"model\": {\"init_weights\": {\"file\": \"e\", \"rename\": [[\"a.\"]]}}}", "model.init_weights"}}) {
            Files.writeString(f, c[0]);
            var bad = assertThrows(IllegalArgumentException.class, () -> TrainConfig.load(f), c[0]);
            assertTrue(bad.getMessage().contains(c[1]), c[0] + " -> " + bad.getMessage());
        }
    }

    @Test
    void aResumeAfterAKillInTheCheckpointGapContinuesAndMetricsNeverRepeatSteps() throws Exception {
        Path stage = dir.resolve("sft_killed");
        Pipeline.sft(cfg, null, stage, 4); // last/ holds 4 completed steps
        // A kill between moving the old checkpoint aside and the new one into place leaves only last.tmp/;
        // the run had also logged steps past its checkpoint, the last line torn.
        Files.move(stage.resolve("last"), stage.resolve("last.tmp"));
        Files.writeString(stage.resolve("metrics.jsonl"), "{\"stage\":\"sft\",\"step\":5,\"loss\":9}\n{\"stage\":\"sft\",\"st",
                java.nio.file.StandardOpenOption.APPEND);
        Pipeline.sft(cfg, null, stage, 6);
        List<Integer> steps = new ArrayList<>();
        for (JsonNode row : metrics(stage)) steps.add(row.get("step").asInt());
        assertEquals(List.of(1, 2, 3, 4, 5, 6), steps, "resumed at step 5 from last.tmp, each step once");
        assertFalse(Files.exists(stage.resolve("last.tmp")));
    }
}
