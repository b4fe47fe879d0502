package rft3d.model;

import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
        return video(1);
    }

    static VideoEncoding video(long seed) {
        var scene = new SceneGenerator(2, 16).generate("s", seed);
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
        for (var e : model.namedParameters().entrySet()) {
            assertArrayEquals(values(e.getValue()), values(back.namedParameters().get(e.getKey())), 0f, e.getKey());
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

    static long treeSize(Path p) throws IOException {
        try (var files = Files.walk(p)) {
            long total = 0;
            for (Path f : files.filter(Files::isRegularFile).toList()) total += Files.size(f);
            return total;
        }
    }

    @Test
    void aFullDiskDuringTheOptimizerWriteFailsCleanlyAndKeepsTheLastCheckpoint() throws Exception {
        manual_seed(6);
        VideoLM model = new VideoLM(CFG);
        var opt = new org.bytedeco.pytorch.AdamW(model.parameters(), new org.bytedeco.pytorch.AdamWOptions(1e-3));
        Tensor loss = null;
        for (Tensor p : model.namedParameters().values()) loss = loss == null ? p.mul(p).sum() : loss.add(p.mul(p).sum());
        loss.backward();
        opt.step();
        Path probe = dir.resolve("probe");
        Checkpoint.save(probe, model, opt, null);
        long full = treeSize(probe), weights = Files.size(probe.resolve("model.safetensors"));

        Path mount = dir.resolve("small");
        Files.createDirectories(mount);
        long size = ((full + weights + 64 * 1024) / 4096 + 1) * 4096; // one checkpoint, then weights but not the optimizer
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mount.toString()).redirectErrorStream(true).start();
        boolean mounted = m.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && m.exitValue() == 0;
        if (!mounted) System.out.println("[rft3d] full-disk checkpoint test skipped: cannot mount a small tmpfs here (needs root)");
        org.junit.jupiter.api.Assumptions.assumeTrue(mounted, "cannot mount a small tmpfs here");
        try {
            Path last = mount.resolve("last");
            Checkpoint.save(last, model, opt, Checkpoint.MAPPER.createObjectNode().put("step", 1));
            var e = assertThrows(IOException.class, () -> Checkpoint.save(last, model, opt, Checkpoint.MAPPER.createObjectNode().put("step", 2)));
            assertTrue(e.getMessage().contains("previous version is intact"), e.getMessage());
            assertEquals(1, Checkpoint.trainerState(last).get("step").asInt());
            VideoLM back = Checkpoint.load(last);
            for (var p : model.namedParameters().entrySet()) {
                assertArrayEquals(values(p.getValue()), values(back.namedParameters().get(p.getKey())), 0f, p.getKey());
            }
        } finally {
            new ProcessBuilder("umount", mount.toString()).start().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void weightsLoadIntoRenamedParametersAndOnlyThose() throws Exception {
        manual_seed(21);
        VideoLM trained = new VideoLM(CFG);
        Path a = dir.resolve("a");
        Checkpoint.save(a, trained, null, null);
        manual_seed(22);
        VideoLM fresh = new VideoLM(CFG);
        float[] tokensBefore = values(fresh.namedParameters().get("token_embedding"));
        List<String> loaded = Checkpoint.loadWeights(fresh, a.resolve("model.safetensors"), java.util.Map.of("patch.", "patch.", "frame_", "frame_"));
        assertEquals(List.of("frame_embedding", "patch.bias", "patch.weight"), loaded);
        for (String name : loaded) assertArrayEquals(values(trained.namedParameters().get(name)), values(fresh.namedParameters().get(name)), name);
        assertArrayEquals(tokensBefore, values(fresh.namedParameters().get("token_embedding")), "an unmapped parameter keeps its weights");
        assertTrue(!Arrays.equals(values(trained.namedParameters().get("geometry.weight")), values(fresh.namedParameters().get("geometry.weight"))),
                "geometry.* was not mapped, so it keeps the fresh model's weights");

        // A mapping onto a parameter the model lacks, a shape that differs, and one that matches nothing: errors that say so.
        var e = assertThrows(IOException.class, () -> Checkpoint.loadWeights(fresh, a.resolve("model.safetensors"), java.util.Map.of("patch.", "encoder.")));
        assertTrue(e.getMessage().contains("maps to encoder."), e.getMessage());
        // Smaller patches: frame_embedding (read first) fits, patch.weight does not.
        VideoLM other = new VideoLM(new ModelConfig(CFG.vocab(), 32, 2, 2, 2, 16, 4, 64));
        float[] otherBefore = values(other.namedParameters().get("frame_embedding"));
        e = assertThrows(IOException.class, () -> Checkpoint.loadWeights(other, a.resolve("model.safetensors"), java.util.Map.of("patch.", "patch.", "frame_", "frame_")));
        assertTrue(e.getMessage().contains("patch.weight has shape"), e.getMessage());
        assertArrayEquals(otherBefore, values(other.namedParameters().get("frame_embedding")), "a failed load changes nothing");
        e = assertThrows(IOException.class, () -> Checkpoint.loadWeights(fresh, a.resolve("model.safetensors"), java.util.Map.of("vision.", "patch.")));
        assertTrue(e.getMessage().contains("no tensor"), e.getMessage());
    }
}
