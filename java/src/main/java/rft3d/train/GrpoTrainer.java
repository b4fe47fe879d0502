package rft3d.train;

import static org.bytedeco.pytorch.global.torch.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import rft3d.data.Sample;
import rft3d.grpo.AdvantageOptions;
import rft3d.grpo.LossStats;
import rft3d.model.ModelConfig;
import rft3d.model.Sampler;
import rft3d.model.VideoEncoding;
import rft3d.model.VideoLM;
import rft3d.reward.Reward;
import rft3d.reward.RewardEngine;

/**
 * GRPO: for each of {@code prompts} training prompts, {@code group_size} completions are sampled; the
 * reward engine scores them; advantages are group-relative; the policy takes the clipped-ratio surrogate
 * with token-level aggregation (all completion tokens of the batch weigh the same) plus β times the k3
 * KL to the frozen reference model, through AdamW with gradient clipping and micro-batch accumulation.
 */
public final class GrpoTrainer {
    private GrpoTrainer() {}

    /** One completion with what scoring and the update need; {@code span}: the sampled tokens, the loss's. */
    private record Rollout(VideoEncoding video, int[] prompt, int[] completion, int[] span, String task, JsonNode gt) {}

    static Path run(Workspace ws, VideoLM init, Path dir, int steps, RewardEngine engine) throws IOException {
        TrainConfig.Grpo c = ws.cfg.grpo();
        ModelConfig mc = init.config();
        VideoLM reference = ws.ready(new VideoLM(mc, ws.device));
        reference.copyFrom(init);
        Stage stage = new Stage("grpo", dir, init, c.lr(), c.weightDecay());
        List<Sample> pool = new ArrayList<>();
        for (Sample s : ws.data.samples("train")) if (c.tasks().contains(s.task())) pool.add(s);
        if (pool.isEmpty()) throw new IOException("no training samples for tasks " + c.tasks());
        AdvantageOptions advOptions = AdvantageOptions.parse(c.scaling(), 1e-6);
        Sampler sampler = new Sampler(stage.model, ws.tokenizer);
        List<String> pieces = ws.tokenizer.decodedPieces();
        Sampler.Explore explore = Sampler.Explore.parse(c.explore());
        Sampler.Options sampling = new Sampler.Options(c.temperature(), c.topP(), c.maxNewTokens(), explore);
        PolicyLoss.Aggregation aggregation = PolicyLoss.Aggregation.parse(c.lossAggregation());
        EngineBridge bridge = new EngineBridge(engine, ws.device);
        System.err.println("[grpo] advantages and loss statistics " + (bridge.onDevice() ? "on the GPU, next to the model's tensors" : "on the host"));
        int stepsDone = steps;
        try (MetricsLog log = new MetricsLog(dir, stage.startStep)) {
            long t0 = System.nanoTime();
            long rolloutsDone = 0;
            for (int step = stage.startStep; step < steps; step++) {
                manual_seed(ws.cfg.seed() * 7919L + step);
                SplittableRandom rnd = new SplittableRandom(ws.cfg.seed() * 1_000_003L + 17 * step);
                long r0 = System.nanoTime();
                // Rollouts: prompts of one length are sampled together, one batch of prompts x group size.
                List<Sample> drawn = new ArrayList<>();
                for (int p = 0; p < c.prompts(); p++) drawn.add(pool.get(rnd.nextInt(pool.size())));
                List<VideoEncoding> videos = new ArrayList<>();
                List<int[]> prompts = new ArrayList<>();
                for (Sample s : drawn) {
                    videos.add(ws.video(s, mc));
                    prompts.add(ws.prompt(s));
                }
                List<List<int[]>> outs = sampler.sampleEach(videos, prompts, c.groupSize(), sampling, prompts.size());
                List<Rollout> rollouts = new ArrayList<>();
                int generated = 0, sampled = 0;
                for (int p = 0; p < drawn.size(); p++) { // prompt by prompt: a group is group-size consecutive rollouts
                    for (int[] out : outs.get(p)) {
                        int[] span = sampler.sampledSpan(out, explore);
                        rollouts.add(new Rollout(videos.get(p), prompts.get(p), out, span, drawn.get(p).task(), drawn.get(p).gt()));
                        generated += out.length;
                        sampled += span[1] - span[0];
                    }
                }
                double rolloutSecs = (System.nanoTime() - r0) / 1e9;
                rolloutsDone += rollouts.size();

                // Rewards: one engine call per task over all its completions (one large batch for a GPU), from
                // the token ids (a GPU engine reads detection answers from them on the device).
                double[] totals = new double[rollouts.size()];
                Map<String, double[]> parts = new LinkedHashMap<>();
                Map<String, List<Integer>> byTask = new LinkedHashMap<>();
                for (int i = 0; i < rollouts.size(); i++) byTask.computeIfAbsent(rollouts.get(i).task(), k -> new ArrayList<>()).add(i);
                for (var e : byTask.entrySet()) {
                    List<Integer> idx = e.getValue();
                    List<Reward> rewards = engine.scoreTokens(e.getKey(), idx.stream().map(i -> rollouts.get(i).completion()).toArray(int[][]::new),
                            pieces, idx.stream().map(i -> rollouts.get(i).gt()).toList());
                    for (int k = 0; k < idx.size(); k++) {
                        totals[idx.get(k)] = rewards.get(k).total();
                        for (var part : rewards.get(k).parts().entrySet()) {
                            double[] acc = parts.computeIfAbsent(e.getKey() + "_" + part.getKey(), x -> new double[2]);
                            acc[0] += part.getValue();
                            acc[1]++;
                        }
                    }
                }
                Update update;
                try (PointerScope stepScope = new PointerScope()) { // frees the step's kept tensors
                    update = update(ws, stage, reference, bridge, rollouts, totals, sampled, advOptions, aggregation, stepScope);
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                boolean outOfTime = c.maxSeconds() > 0 && secs >= c.maxSeconds() && step + 1 < steps;
                if ((step + 1) % ws.cfg.logEvery() == 0 || step + 1 == steps || step == stage.startStep || outOfTime) {
                    double mean = 0, sq = 0;
                    for (double t : totals) mean += t / totals.length;
                    for (double t : totals) sq += (t - mean) * (t - mean) / totals.length;
                    Map<String, Double> m = new LinkedHashMap<>();
                    m.put("reward_mean", mean);
                    m.put("reward_std", Math.sqrt(sq));
                    parts.forEach((k, v) -> m.put(k, v[0] / v[1]));
                    m.put("kl", update.stats().klMean());
                    m.put("clip_frac", update.stats().clipFraction());
                    m.put("ratio_mean", update.stats().ratioMean());
                    m.put("loss", update.meanLoss());
                    m.put("completion_len", (double) generated / rollouts.size());
                    m.put("gen_tokens_per_s", generated / rolloutSecs);
                    m.put("elapsed_s", secs);
                    m.put("rollouts_per_s", rolloutsDone / secs); // whole steps: sampling, scoring and the update
                    if (!Double.isFinite(m.get("loss"))) throw new IllegalStateException("GRPO loss is not finite at step " + step);
                    log.log("grpo", step + 1, m);
                    System.err.println(MetricsLog.progress("grpo", step + 1, steps, m, secs / (step + 1 - stage.startStep)));
                }
                if ((step + 1) % ws.cfg.checkpointEvery() == 0) stage.checkpoint(step);
                if (outOfTime) {
                    System.err.printf("[grpo] time budget of %.4g s reached after step %d%n", c.maxSeconds(), step + 1);
                    stepsDone = step + 1;
                    break;
                }
            }
            log.plot("grpo_curves", List.of("grpo/reward_mean", "grpo/detection_f1", "grpo/detection_iou", "grpo/kl"));
        }
        return stage.finish(stepsDone);
    }

    /** What an update reports: the loss averaged over updates, and the last update's statistics. */
    private record Update(double meanLoss, LossStats stats) {}

    /**
     * The policy update(s) of one step, run inside {@code keep}, the step's scope. Reference log-probs,
     * advantages and (with several updates) the sampling-time log-probs stay on the model's device until it
     * closes: those made inside a micro-batch's own scope are attached to {@code keep} explicitly.
     */
    private static Update update(Workspace ws, Stage stage, VideoLM reference, EngineBridge bridge, List<Rollout> rollouts, double[] totals,
                                 int sampled, AdvantageOptions advOptions, PolicyLoss.Aggregation aggregation, PointerScope keep) {
        TrainConfig.Grpo c = ws.cfg.grpo();
        ModelConfig mc = reference.config();
        Tensor advantages = bridge.advantages(totals, c.groupSize(), advOptions);
        List<List<Rollout>> micros = new ArrayList<>();
        for (int from = 0; from < rollouts.size(); from += c.microBatch()) {
            micros.add(rollouts.subList(from, Math.min(rollouts.size(), from + c.microBatch())));
        }
        // Reference log-probs, without gradients.
        List<Tensor> refLp = new ArrayList<>();
        for (List<Rollout> m : micros) {
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                Tensor lp = sequences(m, mc, ws).logProbs(reference, c.temperature()).detach();
                keep.attach(lp);
                refLp.add(lp);
            }
        }
        // Every sampled token is one loss token; greedily decoded ones are context, not actions. The policy has
        // not moved since sampling, so the first update's own log-probs are the sampling-time ("old") ones.
        Stage.setLearningRate(stage.optimizer, c.lr());
        double normalizer = aggregation == PolicyLoss.Aggregation.TOKEN ? sampled : (double) rollouts.size() * c.maxNewTokens();
        List<Tensor> oldLp = new ArrayList<>();
        Tensor lossSum = Tensor.create(0.0).to(ws.device, kDouble());
        List<LossStats> stats = new ArrayList<>();
        for (int u = 0; u < c.updatesPerBatch(); u++) {
            stage.optimizer.zero_grad();
            int row = 0;
            for (int k = 0; k < micros.size(); k++) {
                try (PointerScope scope = new PointerScope()) {
                    Sequences seq = sequences(micros.get(k), mc, ws);
                    Tensor lp = seq.logProbs(stage.model, c.temperature());
                    Tensor old = u == 0 ? lp.detach() : oldLp.get(k);
                    if (u == 0 && c.updatesPerBatch() > 1) {
                        keep.attach(old);
                        oldLp.add(old);
                    }
                    Tensor adv = advantages.narrow(0, row, seq.rows);
                    Tensor loss = PolicyLoss.loss(PolicyLoss.perToken(lp, old, refLp.get(k), adv.to(kFloat()).reshape(seq.rows, 1), c.clipLow(),
                            c.clipHigh(), c.beta()), seq.mask, normalizer);
                    loss.backward();
                    lossSum.add_(loss.detach().to(kDouble()));
                    if (u + 1 == c.updatesPerBatch()) {
                        stats.add(bridge.lossStats(lp, old, refLp.get(k), seq.mask, adv, c.clipLow(), c.clipHigh()));
                    }
                    row += seq.rows;
                }
            }
            clip_grad_norm_(stage.model.parameters(), c.gradClip());
            stage.optimizer.step();
        }
        // Statistics of the last update's ratios (all 1 with one update per batch: on-policy).
        return new Update(lossSum.item_double() / c.updatesPerBatch(), LossStats.merge(stats));
    }

    private static Sequences sequences(List<Rollout> rows, ModelConfig mc, Workspace ws) {
        return new Sequences(rows.stream().map(Rollout::video).toList(), rows.stream().map(Rollout::prompt).toList(),
                rows.stream().map(Rollout::completion).toList(), rows.stream().map(Rollout::span).toList(), mc, ws.device);
    }
}
