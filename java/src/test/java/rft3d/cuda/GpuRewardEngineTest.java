package rft3d.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import rft3d.data.RandomDetections;
import rft3d.geometry.Box3D;
import rft3d.geometry.LabeledBox;
import rft3d.grpo.AdvantageOptions;
import rft3d.grpo.Advantages;
import rft3d.grpo.LossStats;
import rft3d.model.Tokenizer;
import rft3d.reward.CpuRewardEngine;
import rft3d.reward.DetectionMatcher;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;

/**
 * The GPU engine against the CPU reference on random batches. Runs for real on a machine with an NVIDIA
 * GPU (bench/gpu.sh on the H100); elsewhere every test is skipped, and the reason is printed once.
 */
class GpuRewardEngineTest {
    static final double IOU_TOL = 1e-5;
    static GpuRewardEngine gpu;
    static String skipReason;

    @BeforeAll
    static void openGpu() {
        try {
            gpu = GpuRewardEngine.open(RewardConfig.defaults());
            System.out.println("[rft3d] GPU tests on " + gpu.describe());
        } catch (CudaUnavailableException e) {
            skipReason = "GPU tests skipped: " + e.getMessage();
            System.out.println("[rft3d] " + skipReason);
        }
    }

    @AfterAll
    static void closeGpu() {
        if (gpu != null) gpu.close();
    }

    static void needGpu() {
        assumeTrue(gpu != null, skipReason);
    }

    /** A batch with every kind of pair: random general, yaw-only and aligned boxes, exact copies, touching and invalid boxes, empty samples. */
    static RandomDetections.Batch mixedBatch(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<List<LabeledBox>> preds = new ArrayList<>(), gts = new ArrayList<>();
        for (RandomDetections.Rotation r : RandomDetections.Rotation.values()) {
            var b = RandomDetections.generate(40, 1 + rnd.nextInt(48), rnd.nextInt(40), r, rnd.nextLong());
            preds.addAll(b.predictions());
            gts.addAll(b.truths());
        }
        preds.add(List.of());
        gts.add(List.of());
        preds.add(List.of(new LabeledBox("chair", Box3D.of(0, 0, 0, 1, 1, 1))));
        gts.add(List.of());
        preds.add(List.of());
        gts.add(List.of(new LabeledBox("chair", Box3D.of(0, 0, 0, 1, 1, 1))));
        Box3D tilted = Box3D.of(0.3, 0.2, 1, 1, 2, 0.5, 0.4, 0.2, -0.1);
        preds.add(List.of(new LabeledBox("a", tilted), new LabeledBox("a", Box3D.of(1, 0, 0, 1, 1, 1)),
                new LabeledBox("a", Box3D.of(0, 0, 0, 1, Double.NaN, 1)), new LabeledBox("a", Box3D.of(0, 0, 0, 0, 1, 1))));
        gts.add(List.of(new LabeledBox("a", tilted), new LabeledBox("a", Box3D.of(0, 0, 0, 1, 1, 1))));
        // Crowds of equal GT boxes: rows with more candidates than the matching kernel keeps (24) and with
        // fewer (6), ties everywhere.
        for (int copies : new int[] {24, 6}) {
            List<LabeledBox> crowd = new ArrayList<>(), guesses = new ArrayList<>();
            for (int k = 0; k < copies; k++) crowd.add(new LabeledBox("a", tilted));
            for (int k = 0; k < copies + 3; k++) guesses.add(new LabeledBox("a", k % 2 == 0 ? tilted : Box3D.of(0.35, 0.2, 1, 1, 2, 0.5, 0.4, 0.2, -0.1)));
            preds.add(guesses);
            gts.add(crowd);
        }
        // A sample whose matching state does not fit in shared memory (300 predictions).
        var big = RandomDetections.generate(1, 300, 40, RandomDetections.Rotation.GENERAL, rnd.nextLong());
        preds.addAll(big.predictions());
        gts.addAll(big.truths());
        return new RandomDetections.Batch(preds, gts);
    }

    @Test
    void pairwiseIouEqualsTheCpuReference() {
        needGpu();
        var batch = mixedBatch(1);
        double[] flat = gpu.pairwiseIou(batch.predictions(), batch.truths());
        int k = 0;
        double maxDiff = 0;
        for (int i = 0; i < batch.predictions().size(); i++) {
            double[][] cpu = DetectionMatcher.iouMatrix(batch.predictions().get(i), batch.truths().get(i));
            for (double[] row : cpu) {
                for (double v : row) {
                    maxDiff = Math.max(maxDiff, Math.abs(v - flat[k++]));
                }
            }
        }
        assertEquals(flat.length, k);
        System.out.printf("[rft3d] pairwise IoU: %d pairs, max |gpu - cpu| = %.3g%n", k, maxDiff);
        assertTrue(maxDiff <= IOU_TOL, "max IoU difference " + maxDiff);
    }

    @Test
    void detectionRewardsEqualTheCpuReference() {
        needGpu();
        RewardConfig d = RewardConfig.defaults(), severalThresholds = new RewardConfig(d.formatWeight(), d.detectionIouWeight(),
                d.detectionF1Weight(), List.of(0.5, 0.25, 0.75), RewardConfig.Matching.GREEDY, d.groundingFrameWeight(),
                d.groundingIouWeight(), d.frameTolerance(), d.groundingConvention(), d.choiceWeight(), d.numericWeight(), d.mraThresholds());
        for (RewardConfig cfg : List.of(d, d.withMatching(RewardConfig.Matching.OPTIMAL), severalThresholds)) {
            RewardConfig.Matching matching = cfg.matching();
            var batch = mixedBatch(2);
            int b = batch.predictions().size();
            double[] format = new double[b];
            for (int i = 0; i < b; i++) format[i] = i % 2;
            GpuRewardEngine.DetectionOutput out;
            try (GpuRewardEngine engine = cfg == d ? null : openWith(cfg)) {
                out = (engine == null ? gpu : engine).detection(batch.predictions(), batch.truths(), format);
            }
            int nearThreshold = 0;
            for (int i = 0; i < b; i++) {
                var p = batch.predictions().get(i);
                var g = batch.truths().get(i);
                double[][] iou = DetectionMatcher.iouMatrix(p, g);
                var cpu = DetectionMatcher.fromIou(iou, g.size(), cfg);
                assertEquals(cpu.meanBestIou(), out.meanBestIou()[i], IOU_TOL, "sample " + i);
                if (nearThreshold(iou, cfg)) {
                    nearThreshold++;
                    continue; // counts may legitimately differ when an IoU sits on the threshold
                }
                assertEquals(cpu.tp(), out.tp()[i], "tp of sample " + i);
                assertEquals(cpu.fp(), out.fp()[i], "fp of sample " + i);
                assertEquals(cpu.fn(), out.fn()[i], "fn of sample " + i);
                assertEquals(cpu.f1(), out.f1()[i], 1e-12, "f1 of sample " + i);
                assertEquals(new rft3d.reward.DetectionTask(cfg).total(format[i], cpu), out.reward()[i], 2 * IOU_TOL, "reward of sample " + i);
            }
            System.out.printf("[rft3d] detection (%s, thresholds %s): %d samples, %d with an IoU within %.0e of a threshold%n", matching, cfg.f1Thresholds(), b, nearThreshold, IOU_TOL);
        }
    }

    private static GpuRewardEngine openWith(RewardConfig cfg) {
        try {
            return GpuRewardEngine.open(cfg);
        } catch (CudaUnavailableException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean nearThreshold(double[][] iou, RewardConfig cfg) {
        for (double[] row : iou) {
            for (double v : row) {
                for (double t : cfg.f1Thresholds()) if (Math.abs(v - t) <= IOU_TOL) return true;
            }
        }
        return false;
    }

    @Test
    void scoringFromStringsEqualsTheCpuEngineForEveryTask() throws Exception {
        needGpu();
        ObjectMapper m = new ObjectMapper();
        var batch = mixedBatch(3);
        List<String> completions = new ArrayList<>();
        List<JsonNode> gts = new ArrayList<>();
        for (int i = 0; i < batch.predictions().size(); i++) {
            String c = RandomDetections.completion(batch.predictions().get(i));
            completions.add(i % 7 == 0 ? c.substring(0, c.length() / 2) : c); // some truncated answers
            gts.add(m.readTree(RandomDetections.groundTruthJson(batch.truths().get(i))));
        }
        compare("detection", completions, gts);

        SplittableRandom rnd = new SplittableRandom(4);
        List<String> numeric = new ArrayList<>();
        List<JsonNode> numericGt = new ArrayList<>();
        List<String> grounding = new ArrayList<>();
        List<JsonNode> groundingGt = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            double truth = rnd.nextInt(5) == 0 ? 0 : rnd.nextDouble(0, 50);
            numeric.add("<think>.</think><answer>" + (rnd.nextInt(9) == 0 ? "none" : String.valueOf(truth * rnd.nextDouble(0.3, 1.7))) + " m</answer>");
            numericGt.add(m.readTree("{\"answer\": " + truth + "}"));
            int frames = 1 + rnd.nextInt(8);
            StringBuilder poses = new StringBuilder("[");
            for (int f = 0; f < frames; f++) {
                double yaw = rnd.nextDouble(-3, 3), c = Math.cos(yaw), s = Math.sin(yaw);
                poses.append(f == 0 ? "" : ",").append(String.format(java.util.Locale.ROOT, "[%f,%f,0,%f,%f,%f,0,%f,0,0,1,%f,0,0,0,1]",
                        c, -s, rnd.nextDouble(-2, 2), s, c, rnd.nextDouble(-2, 2), rnd.nextDouble(0, 1)));
            }
            poses.append("]");
            Box3D world = RandomDetections.generate(1, 1, 1, RandomDetections.Rotation.values()[i % 3], i).truths().get(0).get(0).box();
            groundingGt.add(m.readTree("{\"frame\": " + rnd.nextInt(frames) + ", \"gt_bbox\": " + m.writeValueAsString(world.toArray())
                    + ", \"cam2global\": " + poses + ", \"axis_align_matrix\": [[1,0,0,0.5],[0,1,0,0],[0,0,1,0],[0,0,0,1]]}"));
            Box3D guess = RandomDetections.generate(1, 1, 1, RandomDetections.Rotation.values()[i % 3], i + 1000).truths().get(0).get(0).box();
            grounding.add("<think>.</think><answer>{\"frame\": " + rnd.nextInt(frames + 2) + ", \"bbox_3d\": "
                    + m.writeValueAsString((rnd.nextBoolean() ? world : guess).toArray()) + "}</answer>");
        }
        for (double[] edge : new double[][] {{7, 5}, {11, 10}, {134.9, 142}, {3, 2}, {15, 10}}) { // MRA boundaries
            numeric.add("<think>.</think><answer>" + edge[0] + "</answer>");
            numericGt.add(m.readTree("{\"answer\": " + edge[1] + "}"));
        }
        compare("numeric", numeric, numericGt);
        compare("grounding", grounding, groundingGt);
        compare("mc", List.of("<think>.</think><answer>B</answer>", "c"), List.of(m.readTree("{\"answer\": \"B\"}"), m.readTree("{\"answer\": \"B\"}")));
    }

    @Test
    void concurrentCallsGiveTheRewardsOfCallsMadeOneAtATime() throws Exception {
        needGpu();
        ObjectMapper m = new ObjectMapper();
        int threads = 4;
        List<List<String>> completions = new ArrayList<>();
        List<List<JsonNode>> gts = new ArrayList<>();
        List<List<Reward>> alone = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            var batch = RandomDetections.generate(40 + 30 * t, 20, 16, RandomDetections.Rotation.values()[t % 3], 100 + t);
            List<String> c = new ArrayList<>();
            List<JsonNode> g = new ArrayList<>();
            for (int i = 0; i < batch.predictions().size(); i++) {
                c.add(RandomDetections.completion(batch.predictions().get(i)));
                g.add(m.readTree(RandomDetections.groundTruthJson(batch.truths().get(i))));
            }
            completions.add(c);
            gts.add(g);
            alone.add(gpu.score("detection", c, g));
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int k = t;
                runs.add(pool.submit(() -> {
                    for (int r = 0; r < 10; r++) assertEquals(alone.get(k), gpu.score("detection", completions.get(k), gts.get(k)), "thread " + k);
                }));
            }
            for (var run : runs) run.get();
        } finally {
            pool.shutdown();
        }
    }

    /**
     * Completions in every form the token path must read as the text path does: the model's grid numbers,
     * full-precision numbers (one token a character), truncated answers, no envelope, all objects on one
     * line, numbers only the host converts exactly, labels no GT box has, and garbage.
     */
    static List<String> tokenCompletions(RandomDetections.Batch batch) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < batch.predictions().size(); i++) {
            List<LabeledBox> p = batch.predictions().get(i);
            String grid = RandomDetections.gridCompletion(p);
            out.add(switch (i % 8) {
                case 0 -> RandomDetections.completion(p);
                case 1 -> grid.substring(0, grid.length() * 2 / 3);
                case 2 -> grid.substring(grid.indexOf("<answer>") + 8, grid.indexOf("</answer>"));
                case 3 -> grid.replace(",\n", ", ");
                case 4 -> grid.replaceFirst("\\[-?[0-9.]+, ", "[1e-3, ").replaceFirst(", -?[0-9.]+]", ", -0]").replaceFirst(", -?[0-9.]+, ", ", -0.0, ");
                case 5 -> grid.replaceFirst("\\[-?[0-9.]+, ", "[12345678901234567890, ").replaceFirst(", -?[0-9.]+, ", ", 0.1234567890123456789, ");
                case 6 -> grid.replace("chair", "armchair").replace("\"table\"", "\" table \"");
                default -> i % 16 == 7 ? "<think>?</think><answer>[{\"label\": 3}]</answer>" : grid;
            });
        }
        return out;
    }

    @Test
    void detectionRewardsFromTokenIdsEqualThoseFromTheirText() throws Exception {
        needGpu();
        ObjectMapper m = new ObjectMapper();
        Tokenizer tokenizer = new Tokenizer();
        List<String> pieces = tokenizer.decodedPieces();
        var batch = RandomDetections.generate(160, 24, 20, RandomDetections.Rotation.GENERAL, 31);
        List<String> completions = tokenCompletions(batch);
        List<JsonNode> gts = new ArrayList<>();
        int[][] tokens = new int[completions.size()][];
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < completions.size(); i++) {
            gts.add(m.readTree(RandomDetections.groundTruthJson(batch.truths().get(i))));
            tokens[i] = tokenizer.encode(completions.get(i));
            texts.add(tokenizer.decode(tokens[i]));
            assertEquals(texts.get(i), rft3d.reward.RewardEngine.text(tokens[i], tokens[i].length, pieces));
        }
        List<Reward> fromText = gpu.score("detection", texts, gts);
        assertEquals(fromText, gpu.scoreTokens("detection", tokens, pieces, gts), "host ids");

        // The same ids as a device tensor would hold them: int64, rows padded to the longest.
        int cols = 0;
        for (int[] t : tokens) cols = Math.max(cols, t.length);
        long[] flat = new long[tokens.length * cols];
        int[] lengths = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            lengths[i] = tokens[i].length;
            for (int k = 0; k < tokens[i].length; k++) flat[i * cols + k] = tokens[i][k];
        }
        CUdeviceptr device = new CUdeviceptr();
        JCudaDriver.cuMemAlloc(device, 8L * flat.length);
        try {
            JCudaDriver.cuMemcpyHtoD(device, Pointer.to(flat), 8L * flat.length);
            assertEquals(fromText, gpu.scoreDetectionTokensOnDevice(address(device), tokens.length, cols, lengths, pieces, gts), "device ids");
            DetectionTruths packed = gpu.detectionTruths(gts);
            for (int reuse = 0; reuse < 3; reuse++) { // the GT stays on the device between calls, until another call's replaces it
                assertEquals(fromText, gpu.scoreDetectionTokensOnDevice(address(device), tokens.length, cols, lengths, pieces, packed),
                        "device ids against GT packed beforehand, call " + reuse);
                if (reuse == 1) gpu.score("detection", texts.subList(0, 9), gts.subList(9, 18));
                assertEquals(fromText, gpu.scoreDetection(texts, packed), "text against GT packed beforehand, call " + reuse);
            }
            List<String> withNull = new ArrayList<>(texts);
            withNull.set(3, null);
            try (CpuRewardEngine cpu = new CpuRewardEngine(RewardConfig.defaults())) {
                assertEquals(cpu.score("detection", withNull, gts).get(3), gpu.scoreDetection(withNull, packed).get(3), "a null completion reads as \"\"");
            }
        } finally {
            JCudaDriver.cuMemFree(device);
        }
        try (CpuRewardEngine cpu = new CpuRewardEngine(RewardConfig.defaults())) {
            List<Reward> reference = cpu.scoreTokens("detection", tokens, pieces, gts);
            for (int i = 0; i < reference.size(); i++) {
                assertEquals(reference.get(i).reason(), fromText.get(i).reason(), "sample " + i);
                assertEquals(reference.get(i).total(), fromText.get(i).total(), 2 * IOU_TOL, "sample " + i);
            }
        }
    }

    private static void compare(String task, List<String> completions, List<JsonNode> gts) {
        try (CpuRewardEngine cpu = new CpuRewardEngine(RewardConfig.defaults())) {
            List<Reward> expected = cpu.score(task, completions, gts);
            List<Reward> actual = gpu.score(task, completions, gts);
            assertEquals(expected.size(), actual.size());
            for (int i = 0; i < expected.size(); i++) {
                Reward e = expected.get(i), a = actual.get(i);
                assertEquals(e.total(), a.total(), 2 * IOU_TOL, task + " sample " + i);
                assertEquals(e.reason(), a.reason(), task + " sample " + i);
                for (String part : e.parts().keySet()) assertEquals(e.part(part), a.part(part), IOU_TOL, task + " " + part + " of sample " + i);
            }
        }
    }

    @Test
    void advantagesEqualTheCpuReferenceForEveryScaling() {
        needGpu();
        SplittableRandom rnd = new SplittableRandom(5);
        for (int groupSize : new int[] {1, 2, 8, 16, 64}) {
            double[] rewards = new double[groupSize * 37];
            for (int i = 0; i < rewards.length; i++) rewards[i] = rnd.nextInt(4) == 0 ? 1.0 : rnd.nextDouble(0, 3);
            for (AdvantageOptions.Scaling s : AdvantageOptions.Scaling.values()) {
                AdvantageOptions opt = new AdvantageOptions(s, 1e-6);
                double[] expected = Advantages.compute(rewards, groupSize, opt);
                double[] actual = gpu.advantages(rewards, groupSize, opt);
                for (int i = 0; i < rewards.length; i++) assertEquals(expected[i], actual[i], 1e-9, s + " group " + groupSize + " i " + i);
            }
        }
    }

    @Test
    void nearlyCoincidentPairsMatchTheExactOracleOnTheGpuToo() {
        needGpu();
        List<Box3D[]> pairs = new ArrayList<>(rft3d.geometry.NearPairs.generate(11, 600));
        pairs.add(new Box3D[] {Box3D.of(0, 0, 0, 1, 1, 1), Box3D.of(0, 0, 0, 1, 1, 1, 1e-5, -1e-5, 1e-5)});
        pairs.add(new Box3D[] {Box3D.of(0, 0, 0, 1, 1, 1), Box3D.of(0, 0, 0, 1, 1, 1, 0, 1e-9, 0)});
        pairs.add(new Box3D[] {Box3D.of(40000.3, 0, 0, 1e-12, 1e-12, 1e-12), Box3D.of(40000.3, 0, 0, 1e-12, 1e-12, 1e-12)});
        List<List<LabeledBox>> preds = new ArrayList<>(), gts = new ArrayList<>();
        for (Box3D[] p : pairs) {
            preds.add(List.of(new LabeledBox("a", p[0])));
            gts.add(List.of(new LabeledBox("a", p[1])));
        }
        double[] iou = gpu.pairwiseIou(preds, gts);
        double maxDiff = 0;
        for (int i = 0; i < pairs.size(); i++) {
            double exact = rft3d.geometry.ExactIou.iou(pairs.get(i)[0], pairs.get(i)[1]);
            maxDiff = Math.max(maxDiff, Math.abs(iou[i] - exact));
            assertEquals(exact, iou[i], 1e-9, "pair " + i + ": " + pairs.get(i)[0] + " / " + pairs.get(i)[1]);
        }
        System.out.printf("[rft3d] near-coincident pairs on the GPU: %d, max |gpu - exact| = %.3g%n", pairs.size(), maxDiff);
    }

    @Test
    void hugeFiniteRewardsGiveTheCpuReferenceAdvantages() {
        needGpu();
        double[][] cases = {{1e308, 1e308}, {1e300, 0}, {-Double.MAX_VALUE, Double.MAX_VALUE}, {1e-310, 0}, {3e-320, -1e-320}};
        for (double[] rewards : cases) {
            for (AdvantageOptions.Scaling s : AdvantageOptions.Scaling.values()) {
                AdvantageOptions opt = new AdvantageOptions(s, 1e-6);
                double[] expected = Advantages.compute(rewards, 2, opt);
                double[] actual = gpu.advantages(rewards, 2, opt);
                for (int i = 0; i < rewards.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-12 * Math.max(1, Math.abs(expected[i])), s + " " + java.util.Arrays.toString(rewards));
                }
            }
        }
    }

    @Test
    void advantagesRunOnRawDevicePointers() {
        needGpu();
        double[] rewards = {1, 0, 0, 1, 2, 2, 3, 1};
        CUdeviceptr in = new CUdeviceptr(), out = new CUdeviceptr();
        JCudaDriver.cuMemAlloc(in, 8L * rewards.length);
        JCudaDriver.cuMemAlloc(out, 8L * rewards.length);
        try {
            JCudaDriver.cuMemcpyHtoD(in, Pointer.to(rewards), 8L * rewards.length);
            gpu.advantagesOnDevice(address(in), address(out), rewards.length, 4, AdvantageOptions.grpo());
            double[] actual = new double[rewards.length];
            JCudaDriver.cuMemcpyDtoH(Pointer.to(actual), out, 8L * rewards.length);
            double[] expected = Advantages.compute(rewards, 4, AdvantageOptions.grpo());
            for (int i = 0; i < rewards.length; i++) assertEquals(expected[i], actual[i], 1e-12);
        } finally {
            JCudaDriver.cuMemFree(in);
            JCudaDriver.cuMemFree(out);
        }
    }

    /** The raw address of a JCuda device pointer, as LibTorch's data_ptr() would give it. */
    private static long address(CUdeviceptr p) {
        // CUdeviceptr.toString() is "CUdeviceptr[nativePointer=0x..,byteOffset=0x..]".
        String s = p.toString();
        int at = s.indexOf("nativePointer=0x") + "nativePointer=0x".length();
        return Long.parseUnsignedLong(s.substring(at, s.indexOf(',', at)), 16);
    }

    @Test
    void lossStatisticsEqualTheCpuReference() {
        needGpu();
        SplittableRandom rnd = new SplittableRandom(6);
        int B = 48, T = 333;
        float[] logp = new float[B * T], old = new float[B * T], ref = new float[B * T], mask = new float[B * T];
        double[] adv = new double[B];
        for (int i = 0; i < B; i++) adv[i] = rnd.nextGaussian();
        for (int i = 0; i < B * T; i++) {
            logp[i] = (float) -rnd.nextDouble(0, 5);
            old[i] = (float) (logp[i] + rnd.nextGaussian() * 0.3);
            ref[i] = (float) (logp[i] + (i % 31 == 0 ? 60 : 0.2) * rnd.nextGaussian()); // some past the k3 bounds
            mask[i] = rnd.nextInt(5) == 0 ? 0 : 1;
        }
        LossStats expected = LossStats.compute(logp, old, ref, mask, adv, B, T, 0.2, 0.28);
        LossStats actual = gpu.lossStats(logp, old, ref, mask, adv, B, T, 0.2, 0.28);
        assertEquals(expected.tokens(), actual.tokens());
        assertEquals(expected.clipFraction(), actual.clipFraction(), 1e-12);
        assertEquals(expected.klMean(), actual.klMean(), 1e-9);
        assertEquals(expected.policyLoss(), actual.policyLoss(), 1e-9);
        assertEquals(expected.ratioMean(), actual.ratioMean(), 1e-9);
        assertTrue(expected.clipFraction() > 0.05, "test data should clip some tokens");
    }
}
