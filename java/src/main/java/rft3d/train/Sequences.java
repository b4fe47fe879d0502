package rft3d.train;

import static org.bytedeco.pytorch.global.torch.*;

import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import rft3d.model.ModelConfig;
import rft3d.model.Tokenizer;
import rft3d.model.VideoEncoding;
import rft3d.model.VideoLM;

/**
 * A batch of (video, prompt, completion) sequences as tensors: tokens {@code [B, T]} right-padded, and a
 * mask {@code [B, T−1]} that is 1 where a position predicts a completion token (or, given spans, a token
 * of the completion's span). Padding comes after the real tokens, so causal attention never lets a real
 * token see it.
 */
final class Sequences {
    final Tensor patches, geometry, frames, tokens, mask;
    final int rows, length;

    Sequences(List<VideoEncoding> videos, List<int[]> prompts, List<int[]> completions, ModelConfig cfg, Device device) {
        this(videos, prompts, completions, completions.stream().map(c -> new int[] {0, c.length}).toList(), cfg, device);
    }

    /** With the mask on each completion's span {@code [from, to)} only. */
    Sequences(List<VideoEncoding> videos, List<int[]> prompts, List<int[]> completions, List<int[]> spans, ModelConfig cfg, Device device) {
        rows = videos.size();
        int t = 0;
        for (int i = 0; i < rows; i++) t = Math.max(t, prompts.get(i).length + completions.get(i).length);
        length = t;
        int nv = cfg.visualTokens(), pv = cfg.patchValues();
        float[] p = new float[rows * nv * pv], g = new float[rows * nv * VideoEncoding.GEOMETRY];
        long[] ids = new long[rows * t];
        float[] maskValues = new float[rows * (t - 1)];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(videos.get(i).patches(), 0, p, i * nv * pv, nv * pv);
            System.arraycopy(videos.get(i).geometry(), 0, g, i * nv * VideoEncoding.GEOMETRY, nv * VideoEncoding.GEOMETRY);
            int[] pr = prompts.get(i), co = completions.get(i);
            for (int k = 0; k < pr.length; k++) ids[i * t + k] = pr[k];
            for (int k = 0; k < co.length; k++) ids[i * t + pr.length + k] = co[k];
            for (int k = pr.length + co.length; k < t; k++) ids[i * t + k] = Tokenizer.PAD;
            int[] span = spans.get(i);
            if (span[0] < 0 || span[0] > span[1] || span[1] > co.length) throw new IllegalArgumentException("span outside completion " + i);
            for (int k = pr.length + span[0]; k < pr.length + span[1]; k++) maskValues[i * (t - 1) + k - 1] = 1;
        }
        patches = Tensor.create(p, rows, nv, pv).to(device, kFloat());
        geometry = Tensor.create(g, rows, nv, VideoEncoding.GEOMETRY).to(device, kFloat());
        frames = Tensor.create(videos.get(0).frameIds(), nv).to(device, kLong());
        tokens = Tensor.create(ids, rows, t).to(device, kLong());
        mask = Tensor.create(maskValues, rows, t - 1).to(device, kFloat());
    }

    /** Log-probabilities {@code [B, T−1]} of each next token under the model (with autograd if enabled). */
    Tensor logProbs(VideoLM model) {
        return logProbs(model, 1);
    }

    /**
     * Log-probabilities at a sampling temperature: the logits divided by it, as the sampler draws them (TRL
     * and verl do the same), so the policy ratio compares the distribution that produced the tokens.
     */
    Tensor logProbs(VideoLM model, double temperature) {
        return distributions(model, temperature).gather(2, next().unsqueeze(2)).squeeze(2);
    }

    /** Log-probabilities {@code [B, T−1, V]} of every token at every position (temperature 1: for SFT's soft targets). */
    Tensor distributions(VideoLM model) {
        return distributions(model, 1);
    }

    private Tensor distributions(VideoLM model, double temperature) {
        int nv = model.config().visualTokens();
        Tensor x = cat(new TensorVector(model.embedVideo(patches, geometry, frames), model.embedTokens(tokens)), 1);
        Tensor hidden = model.decode(x, null).narrow(1, nv, length - 1);
        Tensor logits = model.logits(hidden);
        return (temperature == 1 ? logits : logits.div(scalar(temperature))).log_softmax(-1);
    }

    /** The token each position predicts, {@code [B, T−1]}. */
    Tensor next() {
        return tokens.narrow(1, 1, length - 1);
    }

    /** A tensor's values as floats (from any device). */
    static float[] values(Tensor t) {
        Tensor c = t.detach().to(new Device("cpu"), kFloat()).contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    static Scalar scalar(double v) {
        return new Scalar(v);
    }
}
