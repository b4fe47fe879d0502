package rft3d.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import rft3d.model.Checkpoint;
import rft3d.model.DurableDirectory;
import rft3d.model.VideoLM;

/**
 * What SFT and GRPO share: an AdamW optimizer, the learning rate, and checkpoints under
 * {@code <out>/<stage>/}: {@code last/} (with optimizer and step, rewritten every few steps, resumed from
 * automatically) and {@code final/} when the stage completes.
 */
final class Stage {
    static final ObjectMapper MAPPER = new ObjectMapper();

    final String name;
    final Path dir;
    final VideoLM model;
    final AdamW optimizer;
    /** The first step still to run (0 for a fresh stage). */
    final int startStep;

    /**
     * Sets up a stage; when {@code dir/last} holds an unfinished run of the same stage, its weights,
     * optimizer state and step are restored.
     */
    Stage(String name, Path dir, VideoLM fresh, double lr, double weightDecay) throws IOException {
        this.name = name;
        this.dir = dir;
        Path last = dir.resolve("last");
        boolean resumable = DurableDirectory.recover(last);
        if (!resumable && Files.exists(last)) {
            System.err.printf("[%s] %s is not a complete checkpoint (no valid manifest): starting from step 0%n", name, last);
        }
        JsonNode state = resumable ? Checkpoint.trainerState(last) : null;
        VideoLM m = fresh;
        if (state != null && name.equals(state.path("stage").asText())) {
            m = Checkpoint.load(last, fresh.device());
            m.setBf16(fresh.bf16());
        }
        this.model = m;
        this.optimizer = optimizer(model, lr, weightDecay);
        if (state != null && name.equals(state.path("stage").asText())) {
            if (optimizerStateFits(state, model)) {
                Checkpoint.loadOptimizer(last, optimizer);
            } else {
                System.err.printf("[%s] %s lists its optimizer state for parameters in another order (an older version wrote it):"
                        + " resuming with fresh AdamW moments%n", name, last);
            }
            startStep = state.path("step").asInt() + 1;
            System.err.printf("[%s] resuming from %s at step %d%n", name, last, startStep);
        } else {
            startStep = 0;
        }
    }

    /**
     * AdamW with weight decay on the weight matrices only: decay would pull RMSNorm gains towards 0, biases
     * towards 0 and the embeddings of rarely seen tokens (most box numbers) towards nothing.
     */
    static AdamW optimizer(VideoLM model, double lr, double weightDecay) {
        List<Tensor> decayed = new ArrayList<>(), kept = new ArrayList<>();
        for (var e : model.namedParameters().entrySet()) (decays(e.getKey(), e.getValue()) ? decayed : kept).add(e.getValue());
        AdamWOptions opts = new AdamWOptions(lr);
        opts.weight_decay().put(weightDecay);
        AdamW adam = new AdamW(new TensorVector(decayed.toArray(new Tensor[0])), opts);
        if (!kept.isEmpty()) {
            AdamWOptions none = new AdamWOptions(lr);
            none.weight_decay().put(0.0);
            adam.add_param_group(new OptimizerParamGroup(new TensorVector(kept.toArray(new Tensor[0])), none));
        }
        return adam;
    }

    /** Matrices decay; norms' gains, biases (1-D) and embedding tables do not. */
    static boolean decays(String name, Tensor t) {
        return t.dim() >= 2 && !name.contains("embedding");
    }

    static void setLearningRate(Optimizer optimizer, double lr) {
        var groups = optimizer.param_groups();
        for (long i = 0; i < groups.size(); i++) groups.get(i).options().set_lr(lr);
    }

    /** Saves {@code last/} after a completed step, with the parameter order its optimizer state follows. */
    void checkpoint(int step) throws IOException {
        var state = MAPPER.createObjectNode().put("stage", name).put("step", step);
        model.namedParameters().keySet().forEach(state.putArray("parameters")::add);
        Checkpoint.save(dir.resolve("last"), model, optimizer, state);
    }

    /**
     * Whether a saved optimizer state belongs to this model's parameters in this order. LibTorch's archive
     * keeps states by position, so a state written for another order (checkpoints from before the model was a
     * module tree list none) would put one parameter's moments on another.
     */
    static boolean optimizerStateFits(JsonNode trainerState, VideoLM model) {
        JsonNode saved = trainerState.path("parameters");
        if (!saved.isArray() || saved.size() != model.namedParameters().size()) return false;
        int i = 0;
        for (String n : model.namedParameters().keySet()) if (!n.equals(saved.get(i++).asText())) return false;
        return true;
    }

    /** Saves {@code final/} and returns its path. */
    Path finish(int steps) throws IOException {
        Path f = dir.resolve("final");
        Checkpoint.save(f, model, null, MAPPER.createObjectNode().put("stage", name).put("step", steps - 1).put("complete", true));
        return f;
    }
}
