package rft3d.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import rft3d.grpo.AdvantageOptions;

/**
 * A training run's settings. A config file (JSON) overrides the embedded defaults
 * ({@code rft3d/train/default.json}) field by field; unknown fields and bad values are errors that name
 * the field.
 */
public record TrainConfig(String data, String out, long seed, String device, int threads,
                          @JsonProperty("data_gen") DataGen dataGen, Model model, Sft sft, Grpo grpo,
                          @JsonProperty("log_every") int logEvery, @JsonProperty("checkpoint_every") int checkpointEvery) {

    public record DataGen(@JsonProperty("train_scenes") int trainScenes, @JsonProperty("eval_scenes") int evalScenes,
                          int frames, int resolution) {}

    /**
     * precision: "fp32", or "bf16" for bf16 autocast of the forward passes ({@link rft3d.model.VideoLM#setBf16});
     * initWeights: weights a fresh model starts from, e.g. a pretrained encoder's.
     */
    public record Model(int dim, int layers, int heads, int patch, @JsonProperty("max_sequence") int maxSequence, String precision,
                        @JsonProperty("init_weights") InitWeights initWeights) {}

    /**
     * A safetensors file (float32) to load into a fresh model before training, "" for none; {@code rename}
     * lists [source prefix, parameter prefix] pairs ({@link rft3d.model.Checkpoint#loadWeights}).
     */
    public record InitWeights(String file, List<List<String>> rename) {}

    /**
     * numberSigma: 0 for one-hot targets, else the width in grid bins of the soft targets of numbers ({@link NumberTargets});
     * taskWeights: how often each task's samples are drawn, per sample ({@link TaskMix}).
     */
    public record Sft(int steps, int batch, @JsonProperty("micro_batch") int microBatch, double lr, int warmup,
                      @JsonProperty("weight_decay") double weightDecay, @JsonProperty("grad_clip") double gradClip,
                      @JsonProperty("number_sigma") double numberSigma, @JsonProperty("task_weights") Map<String, Double> taskWeights) {}

    /**
     * detectionIouWeight: the weight of the mean best-match IoU in the detection reward (3D-RFT's 1; the F1
     * term keeps weight 1; see {@link rft3d.reward.RewardConfig});
     * maxSeconds: when > 0, the stage ends after the step during which this invocation's training time reaches
     * it (fewer than {@code steps} steps), so that runs compared at equal compute get the same seconds; 0: no limit;
     * explore: the part of each completion sampled ("all", "think" or "answer"; {@link rft3d.model.Sampler.Explore}),
     * the rest decoded greedily and left out of the loss.
     */
    public record Grpo(int steps, int prompts, @JsonProperty("group_size") int groupSize, @JsonProperty("micro_batch") int microBatch,
                       double lr, @JsonProperty("weight_decay") double weightDecay, @JsonProperty("grad_clip") double gradClip,
                       double beta, @JsonProperty("clip_low") double clipLow, @JsonProperty("clip_high") double clipHigh,
                       double temperature, @JsonProperty("top_p") double topP, @JsonProperty("max_new_tokens") int maxNewTokens,
                       String scaling, @JsonProperty("updates_per_batch") int updatesPerBatch, List<String> tasks,
                       @JsonProperty("loss_aggregation") String lossAggregation, @JsonProperty("max_seconds") double maxSeconds,
                       @JsonProperty("detection_iou_weight") double detectionIouWeight, String explore) {}

    /** Strict: "2" is not a number and 2.9 is not an integer; nothing is coerced. */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    /** The embedded defaults. */
    public static TrainConfig defaults() {
        try {
            return parse(defaultTree());
        } catch (IOException e) {
            throw new IllegalStateException("bad embedded default config", e);
        }
    }

    /**
     * The defaults overridden by a JSON file.
     *
     * @throws IOException when the file is missing or not JSON
     * @throws IllegalArgumentException naming a bad field
     */
    public static TrainConfig load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("no config file " + file);
        JsonNode user = MAPPER.readTree(file.toFile());
        if (user == null || !user.isObject()) throw new IllegalArgumentException(file + ": a config is a JSON object");
        ObjectNode merged = defaultTree();
        merge(merged, (ObjectNode) user, "");
        return parse(merged);
    }

    private static ObjectNode defaultTree() throws IOException {
        try (InputStream in = TrainConfig.class.getResourceAsStream("/rft3d/train/default.json")) {
            return (ObjectNode) MAPPER.readTree(in);
        }
    }

    private static void merge(ObjectNode base, ObjectNode over, String path) {
        var it = over.fields();
        while (it.hasNext()) {
            var e = it.next();
            JsonNode old = base.get(e.getKey());
            if (old == null) throw new IllegalArgumentException("unknown config field '" + path + e.getKey() + "'");
            if (old.isObject() && e.getValue().isObject()) merge((ObjectNode) old, (ObjectNode) e.getValue(), path + e.getKey() + ".");
            else base.set(e.getKey(), e.getValue());
        }
    }

    private static TrainConfig parse(JsonNode tree) {
        TrainConfig c;
        try {
            c = MAPPER.treeToValue(tree, TrainConfig.class);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            StringBuilder field = new StringBuilder();
            for (var ref : e.getPath()) {
                if (ref.getFieldName() != null) field.append(field.length() == 0 ? "" : ".").append(ref.getFieldName());
                else field.append('[').append(ref.getIndex()).append(']');
            }
            throw new IllegalArgumentException("bad config: " + field + ": " + e.getOriginalMessage().replaceAll(" \\(but might.*\\)", ""));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("bad config: " + e.getOriginalMessage());
        }
        c.validate();
        return c;
    }

    /** Every field of every stage, so a bad GRPO setting fails before SFT has run, not after. */
    void validate() {
        check(data != null && !data.isBlank(), "data", "must be a directory");
        check(out != null && !out.isBlank(), "out", "must be a directory");
        check(threads >= 1, "threads", "must be >= 1");
        check(device != null && device.matches("cpu|cuda(:\\d+)?"), "device", "must be cpu, cuda or cuda:N");
        check(dataGen.trainScenes >= 1 && dataGen.evalScenes >= 1, "data_gen", "train_scenes and eval_scenes must be >= 1");
        check(dataGen.frames >= 1, "data_gen.frames", "must be >= 1");
        check(dataGen.resolution >= 1 && model.patch >= 1 && dataGen.resolution % model.patch == 0, "data_gen.resolution",
                "must be a positive multiple of model.patch");
        check(model.dim >= 1 && model.layers >= 1 && model.heads >= 1 && model.dim % model.heads == 0, "model",
                "dim, layers, heads must be >= 1 and dim a multiple of heads");
        check(model.maxSequence >= 1, "model.max_sequence", "must be >= 1");
        check("fp32".equals(model.precision) || "bf16".equals(model.precision), "model.precision", "must be fp32 or bf16");
        check(model.initWeights != null && model.initWeights.file != null && model.initWeights.rename != null
                && model.initWeights.rename.stream().allMatch(r -> r != null && r.size() == 2 && r.get(0) != null && r.get(1) != null)
                && (model.initWeights.file.isEmpty() || !model.initWeights.rename.isEmpty()), "model.init_weights",
                "needs a file (\"\" for none) and, with a file, rename: a list of [source prefix, parameter prefix] pairs");
        check(sft.steps >= 0, "sft.steps", "must be >= 0");
        check(sft.batch >= 1 && sft.microBatch >= 1, "sft.batch", "batch and micro_batch must be >= 1");
        check(positive(sft.lr), "sft.lr", "must be > 0");
        check(sft.warmup >= 0, "sft.warmup", "must be >= 0");
        check(nonNegative(sft.weightDecay), "sft.weight_decay", "must be >= 0");
        check(positive(sft.gradClip), "sft.grad_clip", "must be > 0");
        check(nonNegative(sft.numberSigma) && sft.numberSigma <= 10, "sft.number_sigma", "must be in [0, 10] (grid bins)");
        check(sft.taskWeights != null && sft.taskWeights.values().stream().allMatch(w -> w != null && nonNegative(w))
                && sft.taskWeights.values().stream().anyMatch(w -> w > 0), "sft.task_weights", "must be >= 0 per task, one of them > 0");
        check(grpo.steps >= 0, "grpo.steps", "must be >= 0");
        check(grpo.prompts >= 1, "grpo.prompts", "must be >= 1");
        check(grpo.groupSize >= 2, "grpo.group_size", "must be >= 2 (advantages compare completions of one prompt)");
        check(grpo.microBatch >= 1, "grpo.micro_batch", "must be >= 1");
        check(positive(grpo.lr), "grpo.lr", "must be > 0");
        check(nonNegative(grpo.weightDecay), "grpo.weight_decay", "must be >= 0");
        check(positive(grpo.gradClip), "grpo.grad_clip", "must be > 0");
        check(nonNegative(grpo.beta), "grpo.beta", "must be >= 0");
        check(nonNegative(grpo.clipLow) && grpo.clipLow < 1, "grpo.clip_low", "must be in [0, 1)");
        check(nonNegative(grpo.clipHigh), "grpo.clip_high", "must be >= 0");
        check(positive(grpo.temperature), "grpo.temperature", "must be > 0 (GRPO needs sampled, different completions)");
        check(grpo.topP > 0 && grpo.topP <= 1, "grpo.top_p", "must be in (0, 1]");
        check(grpo.maxNewTokens >= 1, "grpo.max_new_tokens", "must be >= 1");
        check(grpo.updatesPerBatch >= 1, "grpo.updates_per_batch", "must be >= 1");
        check(nonNegative(grpo.maxSeconds), "grpo.max_seconds", "must be >= 0 (0: no time limit)");
        check(nonNegative(grpo.detectionIouWeight), "grpo.detection_iou_weight", "must be >= 0");
        check(grpo.scaling != null && parses(() -> AdvantageOptions.parse(grpo.scaling, 0)), "grpo.scaling", "must be group, batch or none");
        check(grpo.explore != null && parses(() -> rft3d.model.Sampler.Explore.parse(grpo.explore)), "grpo.explore", "must be all, think or answer");
        check(grpo.tasks != null && !grpo.tasks.isEmpty(), "grpo.tasks", "must name at least one task");
        check(grpo.lossAggregation != null && parses(() -> PolicyLoss.Aggregation.parse(grpo.lossAggregation)), "grpo.loss_aggregation", "must be token or constant");
        for (String t : grpo.tasks) check(rft3d.reward.Tasks.NAMES.contains(t), "grpo.tasks", "unknown task '" + t + "'; known: " + rft3d.reward.Tasks.NAMES);
        check(logEvery >= 1, "log_every", "must be >= 1");
        check(checkpointEvery >= 1, "checkpoint_every", "must be >= 1");
    }

    /** Whether the parser that will read a value at run time accepts it (one place knows the names). */
    private static boolean parses(Runnable parse) {
        try {
            parse.run();
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean positive(double v) {
        return v > 0 && Double.isFinite(v);
    }

    private static boolean nonNegative(double v) {
        return v >= 0 && Double.isFinite(v);
    }

    private static void check(boolean ok, String field, String message) {
        if (!ok) throw new IllegalArgumentException("bad config: " + field + " " + message);
    }

    /** This config with another output directory. */
    public TrainConfig withOut(String dir) {
        return new TrainConfig(data, dir, seed, device, threads, dataGen, model, sft, grpo, logEvery, checkpointEvery);
    }

    /** This config with other step counts. */
    public TrainConfig withSteps(int sftSteps, int grpoSteps) {
        return new TrainConfig(data, out, seed, device, threads, dataGen, model,
                new Sft(sftSteps, sft.batch, sft.microBatch, sft.lr, sft.warmup, sft.weightDecay, sft.gradClip, sft.numberSigma, sft.taskWeights),
                new Grpo(grpoSteps, grpo.prompts, grpo.groupSize, grpo.microBatch, grpo.lr, grpo.weightDecay, grpo.gradClip, grpo.beta,
                        grpo.clipLow, grpo.clipHigh, grpo.temperature, grpo.topP, grpo.maxNewTokens, grpo.scaling, grpo.updatesPerBatch,
                        grpo.tasks, grpo.lossAggregation, grpo.maxSeconds, grpo.detectionIouWeight, grpo.explore), logEvery, checkpointEvery);
    }
}
