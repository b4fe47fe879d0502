package rft3d.model;

import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rft3d.data.SceneGenerator;
import rft3d.data.Renderer;
import rft3d.data.Video;

class CheckpointTest {
    @TempDir
    Path dir;

    static final Tokenizer TOK = new Tokenizer();
    static final ModelConfig CFG = new ModelConfig(TOK.vocabSize(), 32, 2, 2, 2, 16, 8, 64);

    static VideoEncoding video() {
        var scene = new SceneGenerator(2, 16).generate("s", 1);
        var f0 = Renderer.render(scene, 0);
        var f1 = Renderer.render(scene, 1);
        return VideoEncoding.of(new Video(new float[][][][] {f0.rgb(), f1.rgb()}, new float[][][] {f0.depth(), f1.depth()},
                scene.poses(), scene.camera()), CFG);
    }

    static float[] values(Tensor t) {
        Tensor c = t.detach().contiguous();
        float[] v = new float[(int) c.numel()];
        c.data_ptr_float().get(v);
        return v;
    }

    @Test
    void aCheckpointRoundTripsExactly() throws Exception {
        manual_seed(3);
        VideoLM model = new VideoLM(CFG);
        Checkpoint.save(dir.resolve("ck"), model, null, null);
        VideoLM back = Checkpoint.load(dir.resolve("ck"));
        assertEquals(CFG, back.config());
        for (var e : model.parameters().entrySet()) {
            assertArrayEquals(values(e.getValue()), values(back.parameters().get(e.getKey())), 0f, e.getKey());
        }
        Sampler a = new Sampler(model, TOK), b = new Sampler(back, TOK);
        int[] prompt = {Tokenizer.BOS, 5, 6};
        var opt = new Sampler.Options(0, 1, 12);
        assertArrayEquals(a.sample(video(), prompt, 1, opt).get(0), b.sample(video(), prompt, 1, opt).get(0));
    }

    @Test
    void samplingStopsAtTheBudgetAndGreedyIsDeterministic() {
        manual_seed(4);
        VideoLM model = new VideoLM(CFG);
        Sampler s = new Sampler(model, TOK);
        List<int[]> out = s.sample(video(), new int[] {Tokenizer.BOS}, 3, new Sampler.Options(1.0, 0.9, 7));
        assertEquals(3, out.size());
        for (int[] o : out) assertTrue(o.length >= 1 && o.length <= 7);
        var greedy = new Sampler.Options(0, 1, 9);
        assertArrayEquals(s.sample(video(), new int[] {Tokenizer.BOS}, 1, greedy).get(0), s.sample(video(), new int[] {Tokenizer.BOS}, 1, greedy).get(0));
    }

    @Test
    void corruptCheckpointsAreRejectedWithAReason() throws Exception {
        manual_seed(5);
        Checkpoint.save(dir.resolve("ck"), new VideoLM(CFG), null, null);
        Files.write(dir.resolve("ck/model.safetensors"), new byte[] {1, 2, 3});
        var e = assertThrows(IOException.class, () -> Checkpoint.load(dir.resolve("ck")));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertThrows(IOException.class, () -> Checkpoint.load(dir.resolve("missing")));
    }
}
