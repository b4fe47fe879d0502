package rft3d.train;

import static org.bytedeco.pytorch.global.torch.manual_seed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rft3d.RewardEngines;
import rft3d.data.DatasetWriter;
import rft3d.model.Checkpoint;
import rft3d.model.VideoLM;
import rft3d.reward.RewardConfig;
import rft3d.reward.RewardEngine;

/** The training stages as the command line runs them: data, SFT, GRPO, evaluation, and the experiment. */
public final class Pipeline {
    private Pipeline() {}

    /** Writes the synthetic dataset of the config into {@code cfg.data()}. */
    public static void generateData(TrainConfig cfg) throws IOException {
        TrainConfig.DataGen g = cfg.dataGen();
        long t0 = System.nanoTime();
        DatasetWriter.write(Path.of(cfg.data()), g.trainScenes(), g.evalScenes(), g.frames(), g.resolution(), cfg.seed(), cfg.threads());
        System.err.printf("[data] %d train + %d eval scenes in %s (%.1f s)%n", g.trainScenes(), g.evalScenes(), cfg.data(),
                (System.nanoTime() - t0) / 1e9);
    }

    private static void ensureData(TrainConfig cfg) throws IOException {
        if (!Files.isRegularFile(Path.of(cfg.data(), "train.jsonl"))) generateData(cfg);
    }

    private static VideoLM initial(Workspace ws, Path init) throws IOException {
        if (init != null) return ws.ready(Checkpoint.load(init, ws.device));
        manual_seed(ws.cfg.seed());
        VideoLM fresh = new VideoLM(ws.modelConfig(), ws.device);
        TrainConfig.InitWeights w = ws.cfg.model().initWeights();
        if (!w.file().isEmpty()) {
            Map<String, String> rename = new LinkedHashMap<>();
            for (List<String> pair : w.rename()) rename.put(pair.get(0), pair.get(1));
            List<String> loaded = Checkpoint.loadWeights(fresh, Path.of(w.file()), rename);
            System.err.printf("[model] %d tensors from %s: %s%n", loaded.size(), w.file(), loaded);
        }
        return ws.ready(fresh);
    }

    /** SFT from {@code init} (fresh when null); returns the final checkpoint. */
    public static Path sft(TrainConfig cfg, Path init, Path out, int steps) throws IOException {
        ensureData(cfg);
        Workspace ws = new Workspace(cfg);
        return SftTrainer.run(ws, initial(ws, init), out, steps);
    }

    /**
     * GRPO from {@code init}; rewards from the best engine here, 3D-RFT's but for the configured weight of the
     * detection IoU term. Returns the final checkpoint.
     */
    public static Path grpo(TrainConfig cfg, Path init, Path out, int steps) throws IOException {
        ensureData(cfg);
        Workspace ws = new Workspace(cfg);
        try (RewardEngine engine = RewardEngines.auto(RewardConfig.defaults().withDetectionIouWeight(cfg.grpo().detectionIouWeight()))) {
            return GrpoTrainer.run(ws, initial(ws, init), out, steps, engine);
        }
    }

    /** Greedy predictions of a checkpoint on a split, scored by the benchmark metrics. */
    public static Map<String, Double> evaluate(TrainConfig cfg, Path checkpoint, String split, Path out) throws IOException {
        Workspace ws = new Workspace(cfg);
        return Predictor.evaluate(ws, ws.ready(Checkpoint.load(checkpoint, ws.device)), split, out, cfg.grpo().maxNewTokens());
    }

    /** The main job: data (if missing), SFT, GRPO from the SFT checkpoint, evaluation of both. */
    public static Map<String, Map<String, Double>> run(TrainConfig cfg) throws IOException {
        Path out = Path.of(cfg.out());
        Path sft = sft(cfg, null, out.resolve("sft"), cfg.sft().steps());
        Path grpo = grpo(cfg, sft, out.resolve("grpo"), cfg.grpo().steps());
        Map<String, Map<String, Double>> results = new LinkedHashMap<>();
        results.put("sft", evaluate(cfg, sft, "eval", out.resolve("eval_sft")));
        results.put("sft+grpo", evaluate(cfg, grpo, "eval", out.resolve("eval_grpo")));
        return results;
    }

    /**
     * The paper's comparison: SFT for {@code cfg.sft().steps()} steps, then from that same checkpoint
     * either SFT or GRPO for {@code moreSteps} more; both evaluated on the eval split.
     */
    public static Map<String, Map<String, Double>> experiment(TrainConfig cfg, int moreSteps) throws IOException {
        Path out = Path.of(cfg.out());
        Path base = sft(cfg, null, out.resolve("sft"), cfg.sft().steps());
        Path moreSft = sft(cfg, base, out.resolve("sft_more"), moreSteps);
        Path grpo = grpo(cfg, base, out.resolve("grpo"), moreSteps);
        Map<String, Map<String, Double>> results = new LinkedHashMap<>();
        results.put("sft " + cfg.sft().steps(), evaluate(cfg, base, "eval", out.resolve("eval_sft")));
        results.put("sft " + cfg.sft().steps() + " + sft " + moreSteps, evaluate(cfg, moreSft, "eval", out.resolve("eval_sft_more")));
        results.put("sft " + cfg.sft().steps() + " + grpo " + moreSteps, evaluate(cfg, grpo, "eval", out.resolve("eval_grpo")));
        return results;
    }

    /** A results map as a Markdown table; a metric with a standard error reads "value ± SE". */
    public static String table(Map<String, Map<String, Double>> results) {
        StringBuilder sb = new StringBuilder("| model |");
        var keys = results.values().iterator().next().keySet().stream().filter(k -> !k.endsWith(Predictor.SE)).toList();
        for (String k : keys) sb.append(' ').append(k).append(" |");
        sb.append("\n|---|").append("---|".repeat(keys.size())).append('\n');
        results.forEach((name, m) -> {
            sb.append("| ").append(name).append(" |");
            for (String k : keys) {
                Double se = m.get(k + Predictor.SE);
                sb.append(String.format(Locale.ROOT, se == null ? " %.3f |" : " %.3f ± %.3f |", m.getOrDefault(k, Double.NaN), se));
            }
            sb.append('\n');
        });
        if (results.values().stream().anyMatch(m -> m.keySet().stream().anyMatch(k -> k.endsWith(Predictor.SE)))) {
            sb.append("(± one standard error: ").append(Predictor.BOOTSTRAP).append(" bootstrap replicates of the eval samples)\n");
        }
        return sb.toString();
    }
}
