package rft3d.train;

import static org.bytedeco.pytorch.global.torch.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.pytorch.Device;
import rft3d.data.DatasetReader;
import rft3d.data.Sample;
import rft3d.model.ModelConfig;
import rft3d.model.Tokenizer;
import rft3d.model.VideoEncoding;
import rft3d.model.VideoLM;

/** What every stage needs: the config, the dataset, the tokenizer, the device and encoded videos. */
final class Workspace {
    final TrainConfig cfg;
    final DatasetReader data;
    final Tokenizer tokenizer = new Tokenizer();
    final Device device;
    private final Map<String, VideoEncoding> encodings = new ConcurrentHashMap<>();

    Workspace(TrainConfig cfg) throws IOException {
        this.cfg = cfg;
        this.data = new DatasetReader(Path.of(cfg.data()));
        if (cfg.device().startsWith("cuda") && !cuda_is_available()) {
            throw new IllegalArgumentException("device " + cfg.device() + " asked for, but this LibTorch build sees no CUDA GPU"
                    + " (the default Maven build is the CPU one; use the pytorch *-gpu classifier on a CUDA machine)");
        }
        this.device = new Device(cfg.device());
        set_num_threads(cfg.threads());
    }

    /** Threads that run micro-batches side by side: the configured ones on a CPU, one on a GPU. */
    int cpuWorkers() {
        return device.is_cuda() ? 1 : cfg.threads();
    }

    /** The model shape for this dataset and config. */
    ModelConfig modelConfig() {
        TrainConfig.Model m = cfg.model();
        return new ModelConfig(tokenizer.vocabSize(), m.dim(), m.layers(), m.heads(), cfg.dataGen().frames(),
                cfg.dataGen().resolution(), m.patch(), m.maxSequence());
    }

    /** A model set to run as this config says (precision), returned for chaining. */
    VideoLM ready(VideoLM m) {
        m.setBf16("bf16".equals(cfg.model().precision()));
        return m;
    }

    VideoEncoding video(Sample s, ModelConfig mc) throws IOException {
        VideoEncoding e = encodings.get(s.scene());
        if (e == null) {
            e = VideoEncoding.of(data.video(s.scene()), mc);
            encodings.put(s.scene(), e);
        }
        return e;
    }

    /** {@code <bos>} + the prompt's tokens. */
    int[] prompt(Sample s) {
        int[] p = tokenizer.encode(s.prompt());
        int[] out = new int[p.length + 1];
        out[0] = Tokenizer.BOS;
        System.arraycopy(p, 0, out, 1, p.length);
        return out;
    }

    /** The reference answer's tokens + {@code <eos>}. */
    int[] reference(Sample s) {
        int[] a = tokenizer.encode(s.answer());
        int[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = Tokenizer.EOS;
        return out;
    }
}
