package rft3d.model;

import static org.bytedeco.pytorch.global.torch.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;

/**
 * A small 3D-aware video-language model in LibTorch: a {@link VisionEncoder} ({@link PatchEncoder}: each
 * frame's patches projected to tokens, plus the geometry prior — patch 3D point and camera pose, see
 * {@link VideoEncoding} — and a frame embedding) makes the visual tokens; a causal transformer decoder
 * (RMSNorm, rotary positions, SwiGLU) reads them, then the prompt, and writes the answer.
 *
 * <p>Parameters are plain tensors named like a Hugging Face checkpoint ("layers.0.attn.wq"), so
 * checkpoints are a flat name → tensor map ({@link Checkpoint}).
 */
public final class VideoLM {
    private final ModelConfig cfg;
    private final Device device;
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Tensor cos, sin;
    private final VisionEncoder encoder;
    private volatile boolean bf16;

    /** A model on the CPU with fresh weights drawn from the current LibTorch seed. */
    public VideoLM(ModelConfig cfg) {
        this(cfg, new Device("cpu"));
    }

    /** A model on a device ("cpu", "cuda:0") with fresh weights drawn from the current LibTorch seed. */
    public VideoLM(ModelConfig cfg, Device device) {
        this.cfg = cfg;
        this.device = device;
        int d = cfg.dim(), hidden = hiddenSize(d), L = cfg.layers();
        double outStd = 0.02 / Math.sqrt(2.0 * L);
        encoder = new PatchEncoder(cfg, device);
        params.putAll(encoder.parameters());
        add("token_embedding", normal(0.02, cfg.vocab(), d));
        for (int l = 0; l < L; l++) {
            String p = "layers." + l + ".";
            add(p + "attn_norm", ones(d));
            add(p + "attn.wq", normal(0.02, d, d));
            add(p + "attn.wk", normal(0.02, d, d));
            add(p + "attn.wv", normal(0.02, d, d));
            add(p + "attn.wo", normal(outStd, d, d));
            add(p + "mlp_norm", ones(d));
            add(p + "mlp.w1", normal(0.02, d, hidden));
            add(p + "mlp.w3", normal(0.02, d, hidden));
            add(p + "mlp.w2", normal(outStd, hidden, d));
        }
        add("final_norm", ones(d));
        add("lm_head", normal(0.02, d, cfg.vocab()));
        int hd = d / cfg.heads();
        Tensor inv = arange(new Scalar(0), new Scalar(hd / 2)).to(kFloat()).mul(new Scalar(-2.0 / hd * Math.log(10000))).exp();
        Tensor freqs = outer(arange(new Scalar(cfg.maxSequence())).to(kFloat()), inv); // [T, hd/2]
        Tensor both = cat(new TensorVector(freqs, freqs), 1);                      // [T, hd]
        cos = both.cos().to(device, kFloat());
        sin = both.sin().to(device, kFloat());
    }

    static int hiddenSize(int d) {
        return (8 * d / 3 + 7) / 8 * 8;
    }

    private void add(String name, Tensor t) {
        params.put(name, leaf(t, device));
    }

    /** A trainable float32 parameter on the device. */
    static Tensor leaf(Tensor t, Device device) {
        Tensor leaf = t.to(device, kFloat()).detach();
        leaf.set_requires_grad(true);
        return leaf;
    }

    static Tensor normal(double std, long... shape) {
        return randn(shape).mul(new Scalar(std));
    }

    static Tensor zeros(long n) {
        return org.bytedeco.pytorch.global.torch.zeros(new long[] {n}, new org.bytedeco.pytorch.DimnameListOptional());
    }

    private static Tensor ones(long n) {
        return org.bytedeco.pytorch.global.torch.ones(new long[] {n}, new org.bytedeco.pytorch.DimnameListOptional());
    }

    public ModelConfig config() {
        return cfg;
    }

    /**
     * Runs the forward passes under bf16 autocast (matrix products and attention in bfloat16, parameters,
     * residual stream and logits in float32) when {@code on}; float32 throughout otherwise (the default).
     * A run-time choice, not part of the checkpoint.
     */
    public void setBf16(boolean on) {
        this.bf16 = on;
    }

    /** Whether the forward passes run under bf16 autocast. */
    public boolean bf16() {
        return bf16;
    }

    /** Where the parameters live; inputs must be moved there. */
    public Device device() {
        return device;
    }

    /** Parameters by name, in a fixed order. */
    public Map<String, Tensor> parameters() {
        return params;
    }

    /** The parameters as LibTorch's optimizers take them. */
    public TensorVector parameterVector() {
        return new TensorVector(params.values().toArray(new Tensor[0]));
    }

    /** Copies every parameter of another model of the same configuration into this one. */
    public void copyFrom(VideoLM other) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (var e : params.entrySet()) e.getValue().copy_(other.params.get(e.getKey()));
        }
    }

    private Tensor p(String name) {
        return params.get(name);
    }

    /** Visual token embeddings {@code [B, Nv, d]} from patches {@code [B, Nv, pv]}, geometry {@code [B, Nv, 15]}, frame ids {@code [Nv]}. */
    public Tensor embedVideo(Tensor patches, Tensor geometry, Tensor frameIds) {
        try (var scope = Autocast.on(device, bf16)) {
            return encoder.embed(patches, geometry, frameIds).to(kFloat());
        }
    }

    /** Token embeddings {@code [B, T, d]} of token ids {@code [B, T]}. */
    public Tensor embedTokens(Tensor tokens) {
        return p("token_embedding").index_select(0, tokens.reshape(-1)).reshape(tokens.size(0), tokens.size(1), cfg.dim());
    }

    /** Attention keys and values of the tokens seen so far, per layer ({@code [B, heads, T, hd]}). */
    public static final class KvCache {
        final List<Tensor> keys = new ArrayList<>(), values = new ArrayList<>();

        /** Tokens cached. */
        public long length() {
            return keys.isEmpty() ? 0 : keys.get(0).size(2);
        }
    }

    /**
     * Runs the decoder over embeddings {@code x [B, T, d]} at positions {@code start … start+T−1}; with a
     * cache, appends to it and attends to everything cached. Returns the final hidden states {@code [B, T, d]}.
     */
    public Tensor decode(Tensor x, KvCache cache) {
        try (var scope = Autocast.on(device, bf16)) {
            return decodeLayers(x, cache);
        }
    }

    private Tensor decodeLayers(Tensor x, KvCache cache) {
        long b = x.size(0), t = x.size(1), start = cache == null ? 0 : cache.length();
        if (start + t > cfg.maxSequence()) throw new IllegalArgumentException("sequence longer than maxSequence " + cfg.maxSequence());
        int h = cfg.heads(), hd = cfg.dim() / h;
        Tensor c = cos.narrow(0, start, t), s = sin.narrow(0, start, t);
        for (int l = 0; l < cfg.layers(); l++) {
            String pre = "layers." + l + ".";
            Tensor a = rmsNorm(x, p(pre + "attn_norm"));
            Tensor q = rope(heads(a.matmul(p(pre + "attn.wq")), b, t, h, hd), c, s);
            Tensor k = rope(heads(a.matmul(p(pre + "attn.wk")), b, t, h, hd), c, s);
            Tensor v = heads(a.matmul(p(pre + "attn.wv")), b, t, h, hd);
            if (cache != null) {
                if (cache.keys.size() > l) {
                    k = cat(new TensorVector(cache.keys.get(l), k), 2);
                    v = cat(new TensorVector(cache.values.get(l), v), 2);
                    cache.keys.set(l, k);
                    cache.values.set(l, v);
                } else {
                    cache.keys.add(k);
                    cache.values.add(v);
                }
            }
            // Causal within this call; a single new token attends to the whole cache.
            boolean causal = t > 1;
            Tensor o = scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, causal, new DoubleOptional(), false);
            x = x.add(o.transpose(1, 2).reshape(b, t, cfg.dim()).matmul(p(pre + "attn.wo")));
            Tensor m = rmsNorm(x, p(pre + "mlp_norm"));
            Tensor gate = silu(m.matmul(p(pre + "mlp.w1"))).mul(m.matmul(p(pre + "mlp.w3")));
            x = x.add(gate.matmul(p(pre + "mlp.w2")));
        }
        return rmsNorm(x, p("final_norm"));
    }

    /** Next-token logits {@code [B, T, V]} of hidden states, in float32. */
    public Tensor logits(Tensor hidden) {
        try (var scope = Autocast.on(device, bf16)) {
            return hidden.matmul(p("lm_head")).to(kFloat());
        }
    }

    private static Tensor heads(Tensor x, long b, long t, int h, int hd) {
        return x.reshape(b, t, h, hd).transpose(1, 2);
    }

    private static Tensor rope(Tensor x, Tensor cos, Tensor sin) {
        long half = x.size(3) / 2;
        Tensor rotated = cat(new TensorVector(x.narrow(3, half, half).neg(), x.narrow(3, 0, half)), 3);
        return x.mul(cos).add(rotated.mul(sin));
    }

    private static Tensor rmsNorm(Tensor x, Tensor weight) {
        return x.mul(x.pow(new Scalar(2)).mean(new long[] {-1}, true, new org.bytedeco.pytorch.ScalarTypeOptional())
                .add(new Scalar(1e-6)).rsqrt()).mul(weight);
    }
}
