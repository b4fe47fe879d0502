package rft3d.train;

import static org.bytedeco.pytorch.global.torch.clip_grad_norm_;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import rft3d.data.Sample;
import rft3d.model.ModelConfig;
import rft3d.model.VideoEncoding;
import rft3d.model.VideoLM;

/**
 * Supervised fine-tuning: next-token cross-entropy on the reference answers (prompt tokens masked out; numbers
 * against soft targets when {@code sft.number_sigma} > 0, see {@link NumberTargets}),
 * AdamW with linear warm-up then cosine decay, gradient clipping, micro-batch accumulation. Batches depend only on
 * (seed, step), so a resumed run sees the same data as an uninterrupted one.
 */
public final class SftTrainer {
    private SftTrainer() {}

    /** Linear warm-up to {@code lr}, then cosine decay to a tenth of it at the last step. */
    static double learningRate(TrainConfig.Sft c, int step, int steps) {
        if (step < c.warmup()) return c.lr() * (step + 1.0) / c.warmup();
        double progress = (step - c.warmup()) / (double) Math.max(1, steps - c.warmup() - 1);
        return c.lr() * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
    }

    /**
     * Trains {@code steps} steps from {@code init} (a fresh model when null) into {@code dir}; returns the
     * final checkpoint's directory.
     */
    static Path run(Workspace ws, VideoLM init, Path dir, int steps) throws IOException {
        TrainConfig.Sft c = ws.cfg.sft();
        ModelConfig mc = init.config();
        Stage stage = new Stage("sft", dir, init, c.lr(), c.weightDecay());
        List<Sample> train = ws.data.samples("train");
        TaskMix mix = new TaskMix(train, c.taskWeights());
        NumberTargets numbers = c.numberSigma() > 0 ? new NumberTargets(ws.tokenizer, c.numberSigma(), ws.device) : null;
        if (train.isEmpty()) throw new IOException("no training samples in " + ws.cfg.data());
        try (MetricsLog log = new MetricsLog(dir, stage.startStep);
             MicroBatchRunner runner = new MicroBatchRunner(List.copyOf(stage.model.namedParameters().values()), ws.cpuWorkers())) {
            long t0 = System.nanoTime();
            double lossSum = 0, tokens = 0, allTokens = 0;
            int logged = 0;
            for (int step = stage.startStep; step < steps; step++) {
                SplittableRandom rnd = new SplittableRandom(ws.cfg.seed() * 1_000_003L + step);
                List<Sample> batch = new ArrayList<>();
                for (int i = 0; i < c.batch(); i++) batch.add(mix.draw(rnd));
                double lr = learningRate(c, step, steps);
                Stage.setLearningRate(stage.optimizer, lr);
                stage.optimizer.zero_grad();
                // Each sample tokenized once: its length counts towards the loss normalizer and the throughput.
                List<int[]> prompts = new ArrayList<>(), answers = new ArrayList<>();
                List<VideoEncoding> videos = new ArrayList<>();
                double batchTokens = 0;
                for (Sample s : batch) {
                    int[] prompt = ws.prompt(s), answer = ws.reference(s);
                    prompts.add(prompt);
                    answers.add(answer);
                    videos.add(ws.video(s, mc));
                    batchTokens += answer.length;
                    allTokens += mc.visualTokens() + prompt.length + answer.length;
                }
                // Micro-batches of similar lengths: each pads to its own longest row, so less of the work is padding.
                // The summed loss and its gradient are the same for any grouping (padding is masked and causal).
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) order.add(i);
                order.sort(Comparator.comparingInt(i -> prompts.get(i).length + answers.get(i).length));
                double normalizer = batchTokens;
                int micros = (batch.size() + c.microBatch() - 1) / c.microBatch();
                List<Double> losses = runner.run(micros, k -> {
                    List<Integer> rows = order.subList(k * c.microBatch(), Math.min(batch.size(), (k + 1) * c.microBatch()));
                    Sequences seq = new Sequences(rows.stream().map(videos::get).toList(), rows.stream().map(prompts::get).toList(),
                            rows.stream().map(answers::get).toList(), mc, ws.device);
                    Tensor nll = numbers == null ? seq.logProbs(stage.model).mul(seq.mask).sum().neg()
                            : numbers.nll(seq.distributions(stage.model), seq.next(), seq.mask);
                    Tensor loss = nll.div(Sequences.scalar(normalizer));
                    return new MicroBatchRunner.Result<>(loss, loss.item_double());
                });
                for (double l : losses) lossSum += l;
                clip_grad_norm_(stage.model.parameters(), c.gradClip());
                stage.optimizer.step();
                tokens += batchTokens;
                logged++;
                if ((step + 1) % ws.cfg.logEvery() == 0 || step + 1 == steps) {
                    double secs = (System.nanoTime() - t0) / 1e9;
                    Map<String, Double> m = new LinkedHashMap<>();
                    m.put("loss", lossSum / logged);
                    m.put("lr", lr);
                    m.put("tokens_per_s", tokens / secs); // answer tokens, the ones with a loss
                    m.put("all_tokens_per_s", allTokens / secs); // video, prompt and answer positions the model runs
                    m.put("elapsed_s", secs); // training time of this invocation, for equal-compute comparisons
                    if (!Double.isFinite(m.get("loss"))) throw new IllegalStateException("SFT loss is not finite at step " + step);
                    log.log("sft", step + 1, m);
                    System.err.println(MetricsLog.progress("sft", step + 1, steps, m, secs / (step + 1 - stage.startStep)));
                    lossSum = 0;
                    logged = 0;
                }
                if ((step + 1) % ws.cfg.checkpointEvery() == 0) stage.checkpoint(step);
            }
            log.plot("sft_curves", List.of("sft/loss"));
        }
        return stage.finish(steps);
    }
}
