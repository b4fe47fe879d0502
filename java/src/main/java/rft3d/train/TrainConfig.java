package rft3d.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    public record Model(int dim, int layers, int heads, int patch, @JsonProperty("max_sequence") int maxSequence) {}

    public record Sft(int steps, int batch, @JsonProperty("micro_batch") int microBatch, double lr, int warmup,
                      @JsonProperty("weight_decay") double weightDecay, @JsonProperty("grad_clip") double gradClip) {}

    public record Grpo(int steps, int prompts, @JsonProperty("group_size") int groupSize, @JsonProperty("micro_batch") int microBatch,
                       double lr, @JsonProperty("weight_decay") double weightDecay, @JsonProperty("grad_clip") double gradClip,
                       double beta, @JsonProperty("clip_low") double clipLow, @JsonProperty("clip_high") double clipHigh,
                       double temperature, @JsonProperty("top_p") double topP, @JsonProperty("max_new_tokens") int maxNewTokens,
                       String scaling, @JsonProperty("updates_per_batch") int updatesPerBatch, List<String> tasks) {}

    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

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
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("bad config: " + e.getOriginalMessage());
        }
        c.validate();
        return c;
    }

    void validate() {
        check(threads >= 1, "threads must be >= 1");
        check(device.equals("cpu") || device.startsWith("cuda"), "device must be cpu or cuda[:N]");
        check(sft.steps >= 0 && sft.batch >= 1 && sft.microBatch >= 1 && sft.lr > 0, "sft: steps >= 0, batch, micro_batch >= 1, lr > 0");
        check(grpo.steps >= 0 && grpo.prompts >= 1 && grpo.groupSize >= 2 && grpo.microBatch >= 1 && grpo.lr > 0,
                "grpo: steps >= 0, prompts >= 1, group_size >= 2, micro_batch >= 1, lr > 0");
        check(grpo.beta >= 0 && grpo.clipLow >= 0 && grpo.clipHigh >= 0 && grpo.updatesPerBatch >= 1, "grpo: beta, clip_low, clip_high >= 0, updates_per_batch >= 1");
        check(grpo.tasks != null && !grpo.tasks.isEmpty(), "grpo.tasks must name at least one task");
        check(dataGen.frames >= 1 && dataGen.resolution % model.patch == 0, "data_gen.resolution must be a multiple of model.patch");
        check(logEvery >= 1 && checkpointEvery >= 1, "log_every and checkpoint_every must be >= 1");
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException("bad config: " + message);
    }

    /** This config with another output directory. */
    public TrainConfig withOut(String dir) {
        return new TrainConfig(data, dir, seed, device, threads, dataGen, model, sft, grpo, logEvery, checkpointEvery);
    }

    /** This config with other step counts. */
    public TrainConfig withSteps(int sftSteps, int grpoSteps) {
        return new TrainConfig(data, out, seed, device, threads, dataGen, model,
                new Sft(sftSteps, sft.batch, sft.microBatch, sft.lr, sft.warmup, sft.weightDecay, sft.gradClip),
                new Grpo(grpoSteps, grpo.prompts, grpo.groupSize, grpo.microBatch, grpo.lr, grpo.weightDecay, grpo.gradClip, grpo.beta,
                        grpo.clipLow, grpo.clipHigh, grpo.temperature, grpo.topP, grpo.maxNewTokens, grpo.scaling, grpo.updatesPerBatch,
                        grpo.tasks), logEvery, checkpointEvery);
    }
}
