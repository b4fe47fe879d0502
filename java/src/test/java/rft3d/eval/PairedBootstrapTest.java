package rft3d.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairedBootstrapTest {
    @TempDir
    Path dir;

    /** 200 multiple-choice questions (answer "A") and a model that answers question i right when {@code right} says so. */
    private Map<String, PredictionSet> model(String name, IntPredicate right) throws IOException {
        StringBuilder gt = new StringBuilder(), pred = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            gt.append("{\"id\": \"q").append(i).append("\", \"answer\": \"A\", \"question_type\": \"object_rel_direction_easy\"}\n");
            pred.append("{\"id\": \"q").append(i).append("\", \"prediction\": \"<think>.</think><answer>")
                    .append(right.test(i) ? "A" : "B").append("</answer>\"}\n");
        }
        Path g = dir.resolve("gt.jsonl"), p = dir.resolve(name + ".jsonl");
        Files.writeString(g, gt);
        Files.writeString(p, pred);
        return Map.of("mc", PredictionSet.read(p, g));
    }

    @Test
    void aModelAgainstItselfDiffersByNothing() throws IOException {
        var a = model("a", i -> i % 3 == 0);
        PairedBootstrap.Difference d = PairedBootstrap.compare(a, a, Headline::of, 200, 1).get("spatial_mc_acc");
        assertEquals(0, d.delta());
        assertEquals(0, d.low());
        assertEquals(0, d.high());
        assertFalse(d.significant());
    }

    @Test
    void pairingFindsASmallGainThatIndependentErrorsWouldHide() throws IOException {
        // B is right wherever A is, and on 16 more of 200 questions.
        SplittableRandom rnd = new SplittableRandom(3);
        boolean[] aRight = new boolean[200];
        for (int i = 0; i < 200; i++) aRight[i] = rnd.nextBoolean();
        boolean[] bRight = aRight.clone();
        for (int i = 0, extra = 0; i < 200 && extra < 16; i++) {
            if (!bRight[i]) {
                bRight[i] = true;
                extra++;
            }
        }
        var a = model("a", i -> aRight[i]);
        var b = model("b", i -> bRight[i]);
        PairedBootstrap.Difference d = PairedBootstrap.compare(a, b, Headline::of, 500, 2).get("spatial_mc_acc");
        assertEquals(Headline.of(b).get("spatial_mc_acc") - Headline.of(a).get("spatial_mc_acc"), d.delta(), 1e-12);
        assertTrue(d.delta() > 0 && d.significant(), d.toString());
        double seA = Bootstrap.standardErrors(a, Headline::of, 500, 4).get("spatial_mc_acc");
        double seB = Bootstrap.standardErrors(b, Headline::of, 500, 5).get("spatial_mc_acc");
        double unpaired = 2 * 1.96 * Math.hypot(seA, seB);
        assertTrue(d.delta() < unpaired / 2, "independent intervals would not separate the two: " + d.delta() + " vs " + unpaired / 2);
        assertTrue(d.high() - d.low() < unpaired / 2, "paired width " + (d.high() - d.low()) + ", unpaired " + unpaired);
    }

    @Test
    void setsOverDifferentSamplesAreRefused() throws IOException {
        var a = model("a", i -> true);
        Path g = dir.resolve("other_gt.jsonl"), p = dir.resolve("other.jsonl");
        Files.writeString(g, "{\"id\": \"x\", \"answer\": \"A\", \"question_type\": \"object_rel_direction_easy\"}\n");
        Files.writeString(p, "{\"id\": \"x\", \"prediction\": \"A\"}\n");
        var b = Map.of("mc", PredictionSet.read(p, g));
        assertThrows(IllegalArgumentException.class, () -> PairedBootstrap.compare(a, b, Headline::of, 10, 1));
    }
}
