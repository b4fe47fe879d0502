package rft3d.model;

import static org.bytedeco.pytorch.global.torch.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * A small 3D-aware video-language model as a LibTorch module: a {@link VisionEncoder} ({@link PatchEncoder}:
 * each frame's patches projected to tokens, plus the geometry prior — patch 3D point and camera pose, see
 * {@link VideoEncoding} — and a frame embedding) makes the visual tokens; a causal transformer decoder
 * ({@link DecoderLayer}s of RMSNorm, rotary {@link Attention} and {@link SwiGlu}) reads them, then the prompt,
 * and writes the answer.
 *
 * <p>The module tree names parameters like a Hugging Face checkpoint ("layers.0.attn.wq"); the encoder's parts
 * sit at the top level under their own names ("patch.weight"), so checkpoints are a flat name → tensor map
 * ({@link Checkpoint}).
 */
public final class VideoLM extends Module {
    private final ModelConfig cfg;
    private final Device device;
    private final VisionEncoder encoder;
    private final Tensor tokenEmbedding, finalNorm, lmHead;
    private final List<DecoderLayer> layers = new ArrayList<>();
    private final Map<String, Tensor> params;
    private final Tensor cos, sin;
    private volatile boolean bf16;

    /** A model on the CPU with fresh weights drawn from the current LibTorch seed. */
    public VideoLM(ModelConfig cfg) {
        this(cfg, new Device("cpu"));
    }

    /** A model on a device ("cpu", "cuda:0") with fresh weights drawn from the current LibTorch seed. */
    public VideoLM(ModelConfig cfg, Device device) {
        this.cfg = cfg;
        this.device = device;
        int d = cfg.dim();
        encoder = new PatchEncoder(cfg, device);
        encoder.registerOn(this);
        tokenEmbedding = Parameters.register(this, "token_embedding", Parameters.normal(0.02, cfg.vocab(), d), device);
        Module stack = register_module("layers", new Module());
        for (int l = 0; l < cfg.layers(); l++) layers.add(stack.register_module(Integer.toString(l), new DecoderLayer(cfg, device)));
        finalNorm = Parameters.register(this, "final_norm", Parameters.ones(d), device);
        lmHead = Parameters.register(this, "lm_head", Parameters.normal(0.02, d, cfg.vocab()), device);
        StringTensorDict named = named_parameters(true);
        Map<String, Tensor> byName = new LinkedHashMap<>();
        // Own handles: the dictionary's tensors refer into it and die with it.
        for (long i = 0; i < named.size(); i++) byName.put(named.get(i).key().getString(), new Tensor(named.get(i).value()));
        params = Collections.unmodifiableMap(byName);
        int hd = d / cfg.heads();
        Tensor inv = arange(new Scalar(0), new Scalar(hd / 2)).to(kFloat()).mul(new Scalar(-2.0 / hd * Math.log(10000))).exp();
        Tensor freqs = outer(arange(new Scalar(cfg.maxSequence())).to(kFloat()), inv); // [T, hd/2]
        Tensor both = cat(new TensorVector(freqs, freqs), 1);                      // [T, hd]
        cos = both.cos().to(device, kFloat());
        sin = both.sin().to(device, kFloat());
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

    /**
     * Parameters by their full names ("layers.0.attn.wq"), in the module tree's order; {@link #parameters()}
     * gives the same tensors in the same order as LibTorch's optimizers take them.
     */
    public Map<String, Tensor> namedParameters() {
        return params;
    }

    /** Copies every parameter of another model of the same configuration into this one. */
    public void copyFrom(VideoLM other) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (var e : params.entrySet()) e.getValue().copy_(other.params.get(e.getKey()));
        }
    }

    /** Visual token embeddings {@code [B, Nv, d]} from patches {@code [B, Nv, pv]}, geometry {@code [B, Nv, 15]}, frame ids {@code [Nv]}. */
    public Tensor embedVideo(Tensor patches, Tensor geometry, Tensor frameIds) {
        try (var scope = Autocast.on(device, bf16)) {
            return encoder.embed(patches, geometry, frameIds).to(kFloat());
        }
    }

    /** Token embeddings {@code [B, T, d]} of token ids {@code [B, T]}. */
    public Tensor embedTokens(Tensor tokens) {
        return tokenEmbedding.index_select(0, tokens.reshape(-1)).reshape(tokens.size(0), tokens.size(1), cfg.dim());
    }

    /**
     * Attention keys and values of the tokens seen so far, per layer ({@code [B, heads, T, hd]}). The cache holds
     * its own reference to each, so they outlive the pointer scope of the step that made them, and frees each as
     * the next step's longer copy replaces it: a scope around a whole generation would otherwise keep a copy for
     * every length, memory quadratic in the length. Close it when the generation is done.
     */
    public static final class KvCache implements AutoCloseable {
        final List<Tensor> keys = new ArrayList<>(), values = new ArrayList<>();

        /** Tokens cached. */
        public long length() {
            return keys.isEmpty() ? 0 : keys.get(0).size(2);
        }

        /** A layer's keys and values, replacing (and releasing) those it had. */
        void put(int layer, Tensor k, Tensor v) {
            k.retainReference();
            v.retainReference();
            if (keys.size() > layer) {
                keys.set(layer, k).releaseReference();
                values.set(layer, v).releaseReference();
            } else {
                keys.add(k);
                values.add(v);
            }
        }

        @Override
        public void close() {
            for (Tensor t : keys) t.releaseReference();
            for (Tensor t : values) t.releaseReference();
            keys.clear();
            values.clear();
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
        long t = x.size(1), start = cache == null ? 0 : cache.length();
        if (start + t > cfg.maxSequence()) throw new IllegalArgumentException("sequence longer than maxSequence " + cfg.maxSequence());
        Tensor c = cos.narrow(0, start, t), s = sin.narrow(0, start, t);
        for (int l = 0; l < layers.size(); l++) x = layers.get(l).forward(x, c, s, cache, l);
        return DecoderLayer.rmsNorm(x, finalNorm);
    }

    /** Next-token logits {@code [B, T, V]} of hidden states, in float32. */
    public Tensor logits(Tensor hidden) {
        try (var scope = Autocast.on(device, bf16)) {
            return hidden.matmul(lmHead).to(kFloat());
        }
    }
}
