package rft3d.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.bytedeco.pytorch.Device;
import org.junit.jupiter.api.Test;
import rft3d.data.Renderer;
import rft3d.data.SceneGenerator;
import rft3d.data.Video;
import rft3d.model.ModelConfig;
import rft3d.model.Tokenizer;
import rft3d.model.VideoEncoding;

class SequencesTest {
    private static final Device CPU = new Device("cpu");
    private static final ModelConfig CFG = new ModelConfig(new Tokenizer().vocabSize(), 32, 2, 2, 2, 16, 8, 64);

    @Test
    void lossMaskCoversEachCompletionSpanOnly() {
        var scene = new SceneGenerator(2, 16).generate("s", 1);
        var frame = Renderer.render(scene, 0);
        VideoEncoding v = VideoEncoding.of(new Video(new float[][][][] {frame.rgb(), frame.rgb()}, new float[][][] {frame.depth(), frame.depth()}, scene.poses(),
                scene.camera()), CFG);
        int[] prompt = {1, 5}, a = {7, 8, 9}, b = {7, 8};
        // Position k predicts token k+1: prompt tokens sit at 0..1, completion token j at 2+j.
        Sequences all = new Sequences(List.of(v, v), List.of(prompt, prompt), List.of(a, b), CFG, CPU);
        assertArrayEquals(new float[] {0, 1, 1, 1, 0, 1, 1, 0}, Sequences.values(all.mask));
        Sequences spans = new Sequences(List.of(v, v), List.of(prompt, prompt), List.of(a, b),
                List.of(new int[] {1, 3}, new int[] {0, 0}), CFG, CPU);
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 0}, Sequences.values(spans.mask));
        assertThrows(IllegalArgumentException.class, () -> new Sequences(List.of(v), List.of(prompt), List.of(b),
                List.of(new int[] {1, 3}), CFG, CPU));
    }
}
