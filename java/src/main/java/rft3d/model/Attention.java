package rft3d.model;

import static org.bytedeco.pytorch.global.torch.*;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;

/** Causal multi-head self-attention with rotary positions and an optional key/value cache. */
final class Attention extends Module {
    private final int heads;
    private final Tensor wq, wk, wv, wo;

    /** Projections Normal(0, 0.02²), the output one Normal(0, outStd²) (scaled down with depth, as GPT-2). */
    Attention(int dim, int heads, double outStd, Device device) {
        this.heads = heads;
        wq = Parameters.register(this, "wq", Parameters.normal(0.02, dim, dim), device);
        wk = Parameters.register(this, "wk", Parameters.normal(0.02, dim, dim), device);
        wv = Parameters.register(this, "wv", Parameters.normal(0.02, dim, dim), device);
        wo = Parameters.register(this, "wo", Parameters.normal(outStd, dim, dim), device);
    }

    /**
     * Attention over normalised inputs {@code a [B, T, d]} with the rotary tables of their positions; with a
     * cache, this layer's keys and values are appended to it ({@code layer}'s slot) and every cached token is attended to.
     */
    Tensor forward(Tensor a, Tensor cos, Tensor sin, VideoLM.KvCache cache, int layer) {
        long b = a.size(0), t = a.size(1), d = a.size(2);
        int hd = (int) d / heads;
        Tensor q = rope(split(a.matmul(wq), b, t, hd), cos, sin);
        Tensor k = rope(split(a.matmul(wk), b, t, hd), cos, sin);
        Tensor v = split(a.matmul(wv), b, t, hd);
        if (cache != null) {
            if (cache.keys.size() > layer) {
                k = cat(new TensorVector(cache.keys.get(layer), k), 2);
                v = cat(new TensorVector(cache.values.get(layer), v), 2);
            }
            cache.put(layer, k, v);
        }
        // Causal within this call; a single new token attends to the whole cache.
        boolean causal = t > 1;
        Tensor o = scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, causal, new DoubleOptional(), false);
        return o.transpose(1, 2).reshape(b, t, d).matmul(wo);
    }

    private Tensor split(Tensor x, long b, long t, int hd) {
        return x.reshape(b, t, heads, hd).transpose(1, 2);
    }

    private static Tensor rope(Tensor x, Tensor cos, Tensor sin) {
        long half = x.size(3) / 2;
        Tensor rotated = cat(new TensorVector(x.narrow(3, half, half).neg(), x.narrow(3, 0, half)), 3);
        return x.mul(cos).add(rotated.mul(sin));
    }
}
