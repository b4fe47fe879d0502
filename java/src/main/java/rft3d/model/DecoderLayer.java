package rft3d.model;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/** One pre-norm transformer block: {@code x + attn(norm(x))}, then {@code x + mlp(norm(x))}. */
final class DecoderLayer extends Module {
    private final Tensor attnNorm, mlpNorm;
    private final Attention attn;
    private final SwiGlu mlp;

    DecoderLayer(ModelConfig cfg, Device device) {
        int d = cfg.dim();
        double outStd = 0.02 / Math.sqrt(2.0 * cfg.layers());
        attnNorm = Parameters.register(this, "attn_norm", Parameters.ones(d), device);
        attn = register_module("attn", new Attention(d, cfg.heads(), outStd, device));
        mlpNorm = Parameters.register(this, "mlp_norm", Parameters.ones(d), device);
        mlp = register_module("mlp", new SwiGlu(d, SwiGlu.hiddenSize(d), outStd, device));
    }

    Tensor forward(Tensor x, Tensor cos, Tensor sin, VideoLM.KvCache cache, int layer) {
        x = x.add(attn.forward(rmsNorm(x, attnNorm), cos, sin, cache, layer));
        return x.add(mlp.forward(rmsNorm(x, mlpNorm)));
    }

    static Tensor rmsNorm(Tensor x, Tensor weight) {
        return x.mul(x.pow(new Scalar(2)).mean(new long[] {-1}, true, new ScalarTypeOptional()).add(new Scalar(1e-6)).rsqrt()).mul(weight);
    }
}
