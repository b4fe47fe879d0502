package rft3d.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import rft3d.data.DatasetReader;
import rft3d.data.Sample;
import rft3d.eval.Bootstrap;
import rft3d.eval.Headline;
import rft3d.eval.PredictionSet;
import rft3d.model.ModelConfig;
import rft3d.model.Sampler;
import rft3d.model.VideoEncoding;
import rft3d.model.VideoLM;

/**
 * Greedy answers for a split, written as the evaluator's prediction files ({@code pred_<task>.jsonl}),
 * then scored by the benchmarks' metrics.
 */
final class Predictor {
    static final ObjectMapper MAPPER = new ObjectMapper();
    /** Most eval samples decoded in one batch. */
    static final int BATCH = 32;
    /** Bootstrap replicates for the standard errors, and their fixed seed (the errors are reproducible). */
    static final int BOOTSTRAP = 200;
    static final long BOOTSTRAP_SEED = 20261125L;
    /** The suffix of a metric's standard error in the results map ("det_f1@0.25_se"). */
    public static final String SE = "_se";

    private Predictor() {}

    /**
     * Headline metrics: detection F1 (all classes pooled) and the cate8 mean, grounding Acc@0.25/0.5, and the
     * VSI-Bench overall of the numeric (MRA) and multiple-choice (accuracy) spatial questions.
     */
    static Map<String, Double> evaluate(Workspace ws, VideoLM model, String split, Path outDir, int maxNewTokens) throws IOException {
        ModelConfig mc = model.config();
        Sampler sampler = new Sampler(model, ws.tokenizer);
        Files.createDirectories(outDir);
        Map<String, BufferedWriter> files = new TreeMap<>();
        // Greedy answers, samples with prompts of one length decoded together (up to BATCH at a time).
        List<Sample> samples = ws.data.samples(split);
        List<VideoEncoding> videos = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        for (Sample s : samples) {
            videos.add(ws.video(s, mc));
            prompts.add(ws.prompt(s));
        }
        List<List<int[]>> outs = sampler.sampleEach(videos, prompts, 1, new Sampler.Options(0, 1, maxNewTokens), BATCH);
        try {
            for (int i = 0; i < samples.size(); i++) {
                Sample s = samples.get(i);
                BufferedWriter w = files.get(s.task());
                if (w == null) {
                    w = Files.newBufferedWriter(PredictionSet.predictionFile(outDir, s.task()));
                    files.put(s.task(), w);
                }
                w.write(MAPPER.writeValueAsString(MAPPER.createObjectNode().put("id", s.id()).put("prediction", ws.tokenizer.decode(outs.get(i).get(0)))));
                w.write('\n');
            }
        } finally {
            for (BufferedWriter w : files.values()) w.close();
        }
        Path data = Path.of(ws.cfg.data());
        Map<String, PredictionSet> sets = new LinkedHashMap<>();
        for (String task : files.keySet()) {
            sets.put(task, PredictionSet.read(PredictionSet.predictionFile(outDir, task), DatasetReader.truthFile(data, split, task)));
        }
        Map<String, Double> m = Headline.of(sets);
        Bootstrap.standardErrors(sets, Headline::of, BOOTSTRAP, BOOTSTRAP_SEED).forEach((k, se) -> m.put(k + SE, se));
        return m;
    }
}
