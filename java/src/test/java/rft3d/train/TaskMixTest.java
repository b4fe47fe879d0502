package rft3d.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import rft3d.data.Sample;

class TaskMixTest {
    /** One detection sample and three numeric ones per scene, as the dataset has them. */
    private static List<Sample> samples() {
        List<Sample> out = new ArrayList<>();
        for (int s = 0; s < 50; s++) {
            out.add(new Sample(s + "_det", "s" + s, "detection", "p", "a", null));
            for (int k = 0; k < 3; k++) out.add(new Sample(s + "_n" + k, "s" + s, "numeric", "p", "a", null));
        }
        return out;
    }

    @Test
    void equalWeightsDrawExactlyAsTheUniformDraw() {
        List<Sample> all = samples();
        TaskMix mix = new TaskMix(all, Map.of("detection", 2.0, "numeric", 2.0));
        SplittableRandom a = new SplittableRandom(5), b = new SplittableRandom(5);
        for (int i = 0; i < 1000; i++) assertSame(all.get(a.nextInt(all.size())), mix.draw(b));
    }

    @Test
    void aTasksShareFollowsItsWeightPerSample() {
        // 50 detection samples weighing 3 against 150 numeric weighing 1: half the draws are detection.
        TaskMix mix = new TaskMix(samples(), Map.of("detection", 3.0, "numeric", 1.0));
        SplittableRandom rnd = new SplittableRandom(9);
        int det = 0, n = 40_000;
        for (int i = 0; i < n; i++) if (mix.draw(rnd).task().equals("detection")) det++;
        assertEquals(0.5, det / (double) n, 0.01);

        TaskMix only = new TaskMix(samples(), Map.of("detection", 1.0, "numeric", 0.0));
        for (int i = 0; i < 1000; i++) assertEquals("detection", only.draw(rnd).task());
    }

    @Test
    void aTaskWithoutAWeightIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> new TaskMix(samples(), Map.of("detection", 1.0)));
        assertTrue(e.getMessage().contains("numeric"), e.getMessage());
    }
}
