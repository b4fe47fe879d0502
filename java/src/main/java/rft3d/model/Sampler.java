package rft3d.model;

import static org.bytedeco.pytorch.global.torch.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;

/**
 * Autoregressive sampling with a KV cache: the video and prompt are encoded once, then one token per step
 * attends to the cache. Temperature 0 means greedy; top-p keeps the smallest set of tokens whose
 * probability reaches p. Stops at {@code <eos>} or {@code </answer>}.
 */
public final class Sampler {
    /**
     * Which part of a completion is sampled; the other part is decoded greedily, as evaluation decodes it.
     * The think part runs up to and including the first {@code </think>}; the answer part is the rest.
     */
    public enum Explore {
        ALL, THINK, ANSWER;

        /** "all", "think" or "answer". */
        public static Explore parse(String name) {
            for (Explore e : values()) if (e.name().equalsIgnoreCase(name)) return e;
            throw new IllegalArgumentException("explore must be all, think or answer, not '" + name + "'");
        }
    }

    /**
     * @param temperature 0 for greedy decoding
     * @param topP nucleus mass in (0, 1]
     * @param maxNewTokens longest completion
     * @param explore the part sampled at this temperature (all of it for greedy decoding)
     */
    public record Options(double temperature, double topP, int maxNewTokens, Explore explore) {
        public Options {
            if (temperature < 0 || !(topP > 0 && topP <= 1) || maxNewTokens < 1 || explore == null) {
                throw new IllegalArgumentException("need temperature >= 0, 0 < top_p <= 1, max_new_tokens >= 1, an explore part");
            }
        }

        /** Every token sampled. */
        public Options(double temperature, double topP, int maxNewTokens) {
            this(temperature, topP, maxNewTokens, Explore.ALL);
        }
    }

    private final VideoLM model;
    private final Tokenizer tokenizer;
    /** Decoding steps between looks at whether every row has stopped: each look waits for the device. */
    private final int stopCheckEvery;

    /**
     * On a GPU the sampled ids stay on the device until a batch is done, and whether all rows have stopped
     * is asked every 8 steps (a host sync each time; at most 7 steps run past the last stop); on the CPU,
     * where asking costs nothing, every step.
     */
    public Sampler(VideoLM model, Tokenizer tokenizer) {
        this(model, tokenizer, model.device().is_cuda() ? 8 : 1);
    }

    Sampler(VideoLM model, Tokenizer tokenizer, int stopCheckEvery) {
        if (stopCheckEvery < 1) throw new IllegalArgumentException("stopCheckEvery must be >= 1");
        this.model = model;
        this.tokenizer = tokenizer;
        this.stopCheckEvery = stopCheckEvery;
    }

    /**
     * {@code n} completions of one prompt about one video; each is its generated tokens (stop token
     * included).
     */
    public List<int[]> sample(VideoEncoding video, int[] prompt, int n, Options opt) {
        return sample(List.of(video), List.of(prompt), n, opt);
    }

    /**
     * {@code n} completions of each prompt about its video, in prompt order: prompts of one length are
     * sampled together, at most {@code maxPrompts} a batch (each batch's tensors freed when it is done).
     */
    public List<List<int[]>> sampleEach(List<VideoEncoding> videos, List<int[]> prompts, int n, Options opt, int maxPrompts) {
        Map<Integer, List<Integer>> byLength = new LinkedHashMap<>();
        for (int i = 0; i < prompts.size(); i++) byLength.computeIfAbsent(prompts.get(i).length, x -> new ArrayList<>()).add(i);
        List<List<int[]>> out = new ArrayList<>(Collections.nCopies(prompts.size(), null));
        for (List<Integer> same : byLength.values()) {
            for (int from = 0; from < same.size(); from += maxPrompts) {
                List<Integer> idx = same.subList(from, Math.min(same.size(), from + maxPrompts));
                try (PointerScope scope = new PointerScope()) {
                    List<int[]> batch = sample(idx.stream().map(videos::get).toList(), idx.stream().map(prompts::get).toList(), n, opt);
                    for (int j = 0; j < idx.size(); j++) out.set(idx.get(j), batch.subList(j * n, (j + 1) * n));
                }
            }
        }
        return out;
    }

    /**
     * {@code n} completions of each prompt about its video, all in one batch (one forward pass a step for
     * all of them): the first prompt's {@code n}, then the next's. The prompts must have the same length,
     * so that no position is padding and each completion is sampled exactly as it would be alone.
     */
    public List<int[]> sample(List<VideoEncoding> videos, List<int[]> prompts, int n, Options opt) {
        ModelConfig cfg = model.config();
        int k = prompts.size(), b = k * n, len = prompts.get(0).length, vis = cfg.visualTokens();
        if (videos.size() != k || k == 0) throw new IllegalArgumentException("one video a prompt, at least one");
        float[] patches = new float[b * vis * cfg.patchValues()], geometry = new float[b * vis * VideoEncoding.GEOMETRY];
        long[] tok = new long[b * len];
        for (int i = 0; i < k; i++) {
            if (prompts.get(i).length != len) throw new IllegalArgumentException("prompts of one batch must have the same length");
            if (!java.util.Arrays.equals(videos.get(i).frameIds(), videos.get(0).frameIds())) {
                throw new IllegalArgumentException("videos of one batch must share their frame layout");
            }
            for (int r = i * n; r < (i + 1) * n; r++) {
                System.arraycopy(videos.get(i).patches(), 0, patches, r * vis * cfg.patchValues(), vis * cfg.patchValues());
                System.arraycopy(videos.get(i).geometry(), 0, geometry, r * vis * VideoEncoding.GEOMETRY, vis * VideoEncoding.GEOMETRY);
                for (int t = 0; t < len; t++) tok[r * len + t] = prompts.get(i)[t];
            }
        }
        try (NoGradGuard g = new NoGradGuard()) {
            var dev = model.device();
            Tensor patchT = Tensor.create(patches, b, vis, cfg.patchValues()).to(dev, kFloat());
            Tensor geometryT = Tensor.create(geometry, b, vis, VideoEncoding.GEOMETRY).to(dev, kFloat());
            Tensor frames = Tensor.create(videos.get(0).frameIds(), vis).to(dev, kLong());
            Tensor tokens = Tensor.create(tok, b, len).to(dev, kLong());
            TensorVector steps = new TensorVector();
            try (VideoLM.KvCache cache = new VideoLM.KvCache()) {
                Tensor x = cat(new TensorVector(model.embedVideo(patchT, geometryT, frames), model.embedTokens(tokens)), 1);
                Tensor last = model.logits(model.decode(x, cache).select(1, -1)); // [b, V]: the head on the last position only
                // The ids stay on the device until the batch is done; rows that have stopped keep being sampled
                // (their tokens are cut below).
                Tensor stopped = zeros(new long[] {b}, new TensorOptions(kBool())).to(dev, kBool());
                Tensor thinking = stopped.logical_not(); // rows still in their think part
                int budget = Math.min(opt.maxNewTokens(), cfg.maxSequence() - vis - len);
                boolean done = budget == 0;
                for (int step = 0; !done; step++) {
                    // Each step's tensors are freed with its scope; what the next step needs is carried out of it.
                    try (PointerScope stepScope = new PointerScope()) {
                        Tensor next = choose(last, opt);
                        Tensor nowThinking = thinking;
                        if (opt.temperature() > 0 && opt.explore() != Explore.ALL) {
                            Tensor sampledRows = opt.explore() == Explore.THINK ? thinking : thinking.logical_not();
                            next = where(sampledRows, next, greedy(last));
                            nowThinking = thinking.logical_and(next.ne(new Scalar(tokenizer.thinkClose())));
                        }
                        steps.push_back(next);
                        Tensor nowStopped = stopped.logical_or(next.eq(new Scalar(Tokenizer.EOS))).logical_or(next.eq(new Scalar(tokenizer.answerClose())));
                        done = step + 1 == budget || (step + 1) % stopCheckEvery == 0 && nowStopped.all(0).item_bool();
                        Tensor nowLast = done ? last : model.logits(model.decode(model.embedTokens(next.reshape(b, 1)), cache)).select(1, 0);
                        last = carry(last, nowLast);
                        stopped = carry(stopped, nowStopped);
                        thinking = carry(thinking, nowThinking);
                    }
                }
                for (Tensor state : List.of(last, stopped, thinking)) state.releaseReference();
            }
            int t = (int) steps.size();
            long[] ids = new long[b * t];
            stack(steps, 1).to(new org.bytedeco.pytorch.Device("cpu"), kLong()).contiguous().data_ptr_long().get(ids);
            List<int[]> result = new ArrayList<>();
            for (int i = 0; i < b; i++) { // each row up to its first stop token, included
                int stop = 0;
                while (stop < t && ids[i * t + stop] != Tokenizer.EOS && ids[i * t + stop] != tokenizer.answerClose()) stop++;
                int[] row = new int[Math.min(t, stop + 1)];
                for (int j = 0; j < row.length; j++) row[j] = (int) ids[i * t + j];
                result.add(row);
            }
            return result;
        }
    }

    /** The state a decoding step hands to the next, kept past the step's scope; the state it replaces released. */
    private static Tensor carry(Tensor old, Tensor now) {
        if (now == old) return old;
        now.retainReference();
        old.releaseReference();
        return now;
    }

    /**
     * The span {@code [from, to)} of a completion that {@code explore} sampled (the rest was decoded
     * greedily): what a policy gradient may treat as the policy's actions.
     */
    public int[] sampledSpan(int[] completion, Explore explore) {
        int close = 0;
        while (close < completion.length && completion[close] != tokenizer.thinkClose()) close++;
        int thinkEnd = Math.min(completion.length, close + 1);
        return switch (explore) {
            case ALL -> new int[] {0, completion.length};
            case THINK -> new int[] {0, thinkEnd};
            case ANSWER -> new int[] {thinkEnd, completion.length};
        };
    }

    /** The most likely token of each row. */
    private static Tensor greedy(Tensor logits) {
        return logits.argmax(new org.bytedeco.pytorch.LongOptional(-1), false);
    }

    private static Tensor choose(Tensor logits, Options opt) {
        if (opt.temperature() == 0) return greedy(logits);
        Tensor probs = logits.div(new Scalar(opt.temperature())).softmax(-1);
        if (opt.topP() < 1) {
            T_TensorTensor_T sorted = sort(probs, -1, true);
            Tensor sp = sorted.get0(), idx = sorted.get1();
            // Drop tokens once the mass before them already reaches top_p (the top token always stays).
            Tensor before = sp.cumsum(-1).sub(sp);
            sp = sp.masked_fill(before.ge(new Scalar(opt.topP())), new Scalar(0));
            Tensor pick = multinomial(sp, 1);
            return idx.gather(1, pick).squeeze(1);
        }
        return multinomial(probs, 1).squeeze(1);
    }
}
