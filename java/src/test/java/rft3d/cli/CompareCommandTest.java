package rft3d.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareCommandTest {
    @TempDir
    Path dir;

    /**
     * 100 route-planning questions (answer "A"); the model in {@code name} answers question i right when {@code right}
     * says so. VSI-Bench's overall score averages this type with the (here absent, so 0) direction accuracy: half the hit rate.
     */
    private Path model(String name, IntPredicate right) throws Exception {
        StringBuilder gt = new StringBuilder(), pred = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            gt.append("{\"id\": \"q").append(i).append("\", \"answer\": \"A\", \"question_type\": \"route_planning\"}\n");
            pred.append("{\"id\": \"q").append(i).append("\", \"prediction\": \"<think>.</think><answer>")
                    .append(right.test(i) ? "A" : "B").append("</answer>\"}\n");
        }
        Files.writeString(dir.resolve("eval_mc_gt.jsonl"), gt);
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("pred_mc.jsonl"), pred);
        return d;
    }

    private String run(String a, String b) {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true));
        try {
            assertEquals(0, Main.run(new String[] {"compare", "--a", a, "--b", b, "--data", dir.toString()}));
        } finally {
            System.setOut(old);
        }
        return bytes.toString();
    }

    @Test
    void severalPairsAddTheMeanDifferenceWithItsSeedInterval() throws Exception {
        // Accuracy 0.30 for every A; B is 0.40, 0.45, 0.50: differences 0.10, 0.15, 0.20, mean 0.15, sd 0.05.
        Path a1 = model("a1", i -> i < 60), a2 = model("a2", i -> i < 60), a3 = model("a3", i -> i < 60);
        Path b1 = model("b1", i -> i < 80), b2 = model("b2", i -> i < 90), b3 = model("b3", i -> i < 100);
        String out = run(a1 + "," + a2 + "," + a3, b1 + "," + b2 + "," + b3);
        String half = String.format(java.util.Locale.ROOT, "%.3f", 4.303 * 0.05 / Math.sqrt(3));
        assertTrue(out.contains("Over 3 pairs"), out);
        assertTrue(out.contains("| spatial_mc_acc | 0.300 ± 0.000 | 0.450 ± " ) && out.contains("+0.150 ± " + half + " * | +0.100, +0.150, +0.200 |"), out);
    }

    @Test
    void onePairPrintsNoSeedTable() throws Exception {
        String out = run(model("a", i -> i < 60).toString(), model("b", i -> i < 80).toString());
        assertTrue(out.contains("| spatial_mc_acc | 0.300 | 0.400 | +0.100"), out);
        org.junit.jupiter.api.Assertions.assertFalse(out.contains("Over "), out);
    }

    @Test
    void unevenListsAreAUsageError() throws Exception {
        Path a = model("a", i -> true), b = model("b", i -> true);
        assertEquals(2, Main.run(new String[] {"compare", "--a", a + "," + a, "--b", b.toString(), "--data", dir.toString()}));
        assertEquals(2, Main.run(new String[] {"compare", "--a", a + "," + a + "," + a, "--b", b + "," + b + "," + b,
            "--data", dir + "," + dir}));
    }

    @Test
    void eachPairCanHaveItsOwnData() throws Exception {
        // The same predictions scored against two GT sets: every answer right in one, every answer wrong in the other.
        Path a = model("a", i -> i < 60), b = model("b", i -> i < 80);
        Path flipped = Files.createDirectories(dir.resolve("flipped"));
        Files.writeString(flipped.resolve("eval_mc_gt.jsonl"), Files.readString(dir.resolve("eval_mc_gt.jsonl")).replace("\"A\"", "\"B\""));
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true));
        try {
            assertEquals(0, Main.run(new String[] {"compare", "--a", a + "," + a, "--b", b + "," + b, "--data", dir + "," + flipped}));
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString();
        assertTrue(out.contains("| spatial_mc_acc | 0.300 | 0.400 | +0.100") && out.contains("| spatial_mc_acc | 0.200 | 0.100 | -0.100"), out);
    }
}
