package rft3d.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Optimizer;
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
        }
        this.model = m;
        AdamWOptions opts = new AdamWOptions(lr);
        opts.weight_decay().put(weightDecay);
        this.optimizer = new AdamW(model.parameterVector(), opts);
        if (state != null && name.equals(state.path("stage").asText())) {
            Checkpoint.loadOptimizer(last, optimizer);
            startStep = state.path("step").asInt() + 1;
            System.err.printf("[%s] resuming from %s at step %d%n", name, last, startStep);
        } else {
            startStep = 0;
        }
    }

    static void setLearningRate(Optimizer optimizer, double lr) {
        var groups = optimizer.param_groups();
        for (long i = 0; i < groups.size(); i++) groups.get(i).options().set_lr(lr);
    }

    /** Saves {@code last/} after a completed step. */
    void checkpoint(int step) throws IOException {
        Checkpoint.save(dir.resolve("last"), model, optimizer, MAPPER.createObjectNode().put("stage", name).put("step", step));
    }

    /** Saves {@code final/} and returns its path. */
    Path finish(int steps) throws IOException {
        Path f = dir.resolve("final");
        Checkpoint.save(f, model, null, MAPPER.createObjectNode().put("stage", name).put("step", steps - 1).put("complete", true));
        return f;
    }
}
