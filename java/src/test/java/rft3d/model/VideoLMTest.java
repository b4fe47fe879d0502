package rft3d.model;

import static org.bytedeco.pytorch.global.torch.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.junit.jupiter.api.Test;

class VideoLMTest {
    /** Logits of a video and a prompt, and the sum of every parameter's gradient norm after backward of their mean. */
    private static double[] forward(VideoLM m, float[] out) {
        VideoEncoding v = CheckpointTest.video(3);
        ModelConfig c = m.config();
        Tensor patches = Tensor.create(v.patches(), 1, c.visualTokens(), c.patchValues());
        Tensor geometry = Tensor.create(v.geometry(), 1, c.visualTokens(), VideoEncoding.GEOMETRY);
        Tensor tokens = Tensor.create(new long[] {Tokenizer.BOS, 5, 6, 7}, 1, 4);
        Tensor x = cat(new TensorVector(m.embedVideo(patches, geometry, Tensor.create(v.frameIds(), c.visualTokens())), m.embedTokens(tokens)), 1);
        Tensor logits = m.logits(m.decode(x, null));
        assertEquals(ScalarType.Float.value, logits.scalar_type().value, "logits are float32 in either precision");
        logits.mean().backward();
        double gradNorms = 0;
        for (Tensor p : m.namedParameters().values()) gradNorms += p.grad().norm().item_double();
        Tensor flat = logits.detach().contiguous().reshape(-1);
        flat.data_ptr_float().get(out);
        return new double[] {gradNorms};
    }

    @Test
    void bf16AutocastStaysCloseToFloat32ButIsNotFloat32() {
        manual_seed(11);
        VideoLM m = new VideoLM(CheckpointTest.CFG);
        int n = (CheckpointTest.CFG.visualTokens() + 4) * CheckpointTest.CFG.vocab();
        float[] fp32 = new float[n], bf16 = new float[n];
        double g32 = forward(m, fp32)[0];
        for (Tensor p : m.namedParameters().values()) p.grad().zero_();
        m.setBf16(true);
        double g16 = forward(m, bf16)[0];
        assertFalse(is_autocast_enabled(DeviceType.CPU), "the scope restores the thread's autocast state");

        double maxAbs = 0, maxDiff = 0;
        for (int i = 0; i < n; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(fp32[i]));
            maxDiff = Math.max(maxDiff, Math.abs(fp32[i] - bf16[i]));
        }
        assertTrue(maxDiff > 0, "bf16 autocast left every logit bit-identical: it did not engage");
        assertTrue(maxDiff < 0.05 * maxAbs, "bf16 logits differ by " + maxDiff + " against a scale of " + maxAbs);
        assertTrue(Double.isFinite(g16) && Math.abs(g16 - g32) < 0.05 * g32, "gradients " + g16 + " vs " + g32);
    }

    @Test
    void theModelIsALibTorchModuleTreeNamedAsItsCheckpointsAndEveryParameterLearns() {
        manual_seed(12);
        VideoLM m = new VideoLM(CheckpointTest.CFG);
        java.util.Set<String> modules = new java.util.TreeSet<>();
        var named = m.named_modules();
        for (long i = 0; i < named.size(); i++) {
            var key = named.get(i).key(); // the root's name is empty, which comes back as null
            if (key != null) modules.add(key.getString());
        }
        for (String part : new String[] {"patch", "geometry", "layers", "layers.0", "layers.0.attn", "layers.0.mlp"}) {
            assertTrue(modules.contains(part), part + " is a sub-module: " + modules);
        }
        java.util.List<String> names = new java.util.ArrayList<>(m.namedParameters().keySet());
        assertTrue(names.containsAll(java.util.List.of("patch.weight", "geometry.bias", "frame_embedding", "token_embedding",
                "layers.0.attn_norm", "layers.0.attn.wq", "layers.0.mlp.w2", "final_norm", "lm_head")), names.toString());
        assertEquals(5 + 1 + 9 * CheckpointTest.CFG.layers() + 2, names.size(), names.toString());
        TensorVector vector = m.parameters();
        assertEquals(names.size(), vector.size(), "LibTorch's parameter list is the named one");

        // The registered tensors are the ones the forward pass uses: every one gets a gradient.
        float[] out = new float[(CheckpointTest.CFG.visualTokens() + 4) * CheckpointTest.CFG.vocab()];
        forward(m, out);
        for (long i = 0; i < vector.size(); i++) {
            assertTrue(vector.get(i).grad().defined() && vector.get(i).grad().abs().sum().item_double() > 0, names.get((int) i) + " has no gradient");
        }
    }
}
