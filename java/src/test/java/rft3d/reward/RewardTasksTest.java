package rft3d.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import rft3d.geometry.Box3D;
import rft3d.geometry.RigidTransform;
import rft3d.geometry.Rotations;

class RewardTasksTest {
    static final ObjectMapper M = new ObjectMapper();
    static final RewardConfig CFG = RewardConfig.defaults();

    static String wrap(String answer) {
        return "<think>looked</think><answer>" + answer + "</answer>";
    }

    static JsonNode json(String s) throws Exception {
        return M.readTree(s);
    }

    @Test
    void detectionRewardIsMeanBestIouPlusF1() throws Exception {
        JsonNode gt = json("{\"boxes\": [{\"label\": \"chair\", \"bbox_3d\": [0,0,0,1,1,1]},"
                + " {\"label\": \"chair\", \"bbox_3d\": [5,0,0,1,1,1]}, {\"label\": \"table\", \"bbox_3d\": [0,5,0,1,1,1]}]}");
        // chair exact (IoU 1, TP); chair shifted by half a side (IoU 1/3 > 0.25, TP); table far away (IoU 0, FP).
        String answer = "[\n{\"label\": \"chair\", \"bbox_3d\": [0,0,0,1,1,1]},\n{\"label\": \"chair\", \"bbox_3d\": [5.5,0,0,1,1,1]},\n"
                + "{\"label\": \"table\", \"bbox_3d\": [9,9,9,1,1,1]}\n]";
        Reward r = new DetectionTask(CFG).scoreJson(wrap(answer), gt);
        // mean best IoU = (1 + 1/3 + 0) / 3 = 4/9; TP 2, FP 1, FN 1: F1 = 4 / 6 = 2/3.
        assertEquals(1.0, r.part(Reward.FORMAT));
        assertEquals(4.0 / 9, r.part(Reward.IOU), 1e-12);
        assertEquals(2.0 / 3, r.part(Reward.F1), 1e-12);
        assertEquals(2.0, r.part(Reward.TP));
        assertEquals(1.0, r.part(Reward.FP));
        assertEquals(1.0, r.part(Reward.FN));
        assertEquals(1 + 4.0 / 9 + 2.0 / 3, r.total(), 1e-12);
        // Without the IoU term (a trainer's choice, grpo.detection_iou_weight 0) the total is format + F1; parts unchanged.
        Reward f1Only = new DetectionTask(CFG.withDetectionIouWeight(0)).scoreJson(wrap(answer), gt);
        assertEquals(1 + 2.0 / 3, f1Only.total(), 1e-12);
        assertEquals(4.0 / 9, f1Only.part(Reward.IOU), 1e-12);
    }

    @Test
    void anAnswerWithTooManyBoxPairsScoresZeroWithTheLimitAsReason() {
        List<rft3d.geometry.LabeledBox> gt = new java.util.ArrayList<>();
        for (int i = 0; i < 1100; i++) gt.add(new rft3d.geometry.LabeledBox("a", Box3D.of(i, 0, 0, 1, 1, 1)));
        StringBuilder answer = new StringBuilder("[");
        for (int i = 0; i < 4096; i++) answer.append(i == 0 ? "" : ",").append("{\"label\": \"a\", \"bbox_3d\": [").append(i).append(",0,0,1,1,1]}");
        Reward r = new DetectionTask(CFG).score(wrap(answer + "]"), gt);
        assertEquals(0.0, r.total());
        assertTrue(r.reason().contains("over the limit of " + DetectionTask.MAX_PAIRS), r.reason());
        assertEquals(1100.0, r.part(Reward.FN));
    }

    @Test
    void aOneLineArrayIsScoredButLosesTheFormatReward() throws Exception {
        JsonNode gt = json("{\"boxes\": [{\"label\": \"chair\", \"bbox_3d\": [0,0,0,1,1,1]}]}");
        Reward r = new DetectionTask(CFG).scoreJson(wrap("[{\"label\": \"chair\", \"bbox_3d\": [0,0,0,1,1,1]}]"), gt);
        assertEquals(0.0, r.part(Reward.FORMAT)); // VG-LLM's line reader would drop the whole list
        assertEquals(1.0, r.part(Reward.F1));
        assertTrue(r.reason().contains("one object per line"), r.reason());
    }

    @Test
    void wrongLabelsMatchNothing() throws Exception {
        JsonNode gt = json("{\"boxes\": [{\"label\": \"chair\", \"bbox_3d\": [0,0,0,1,1,1]}]}");
        Reward r = new DetectionTask(CFG).scoreJson(wrap("[\n{\"label\": \"sofa\", \"bbox_3d\": [0,0,0,1,1,1]}\n]"), gt);
        assertEquals(0.0, r.part(Reward.IOU));
        assertEquals(0.0, r.part(Reward.F1));
        assertEquals(1.0, r.total());
    }

    @Test
    void emptyAnswerForEmptySceneIsPerfectAndMissingAnswerIsZero() throws Exception {
        DetectionTask t = new DetectionTask(CFG);
        assertEquals(3.0, t.scoreJson(wrap("[]"), json("{\"boxes\": []}")).total());
        Reward none = t.scoreJson("no idea", json("{\"boxes\": [{\"label\": \"chair\", \"bbox_3d\": [0,0,0,1,1,1]}]}"));
        assertEquals(0.0, none.total());
        assertEquals(1.0, none.part(Reward.FN));
        assertTrue(none.reason().contains("envelope"), none.reason());
    }

    @Test
    void greedyTakesTheBestUnusedBoxInOutputOrderWhileOptimalMaximisesMatches() {
        // p0 overlaps g0 (0.6) and g1 (0.3); p1 overlaps only g0 (0.5).
        double[][] iou = {{0.6, 0.3}, {0.5, 0.0}};
        var greedy = DetectionMatcher.fromIou(iou, 2, CFG);
        assertEquals(1, greedy.tp()); // p0 takes g0, p1 finds nothing left
        assertEquals(1, greedy.fp());
        assertEquals(0.5, greedy.f1(), 1e-12);
        var optimal = DetectionMatcher.fromIou(iou, 2, CFG.withMatching(RewardConfig.Matching.OPTIMAL));
        assertEquals(2, optimal.tp()); // p0 → g1 (0.3 > 0.25), p1 → g0
        assertEquals(1.0, optimal.f1(), 1e-12);
        assertEquals((0.6 + 0.5) / 2, greedy.meanBestIou(), 1e-12);
    }

    @Test
    void anIouEqualToTheThresholdIsNotAMatchAndTiesGoToTheFirstBox() {
        assertEquals(0, DetectionMatcher.fromIou(new double[][] {{0.25}}, 1, CFG).tp());
        assertEquals(1, DetectionMatcher.fromIou(new double[][] {{0.2500001}}, 1, CFG).tp());
        assertEquals(0, DetectionMatcher.greedyAssignment(new double[][] {{0.5, 0.5}}, 2, 0.25)[0]);
    }

    @Test
    void optimalMatchingHandlesMorePredictionsThanBoxes() {
        double[][] iou = {{0.3, 0.0}, {0.9, 0.8}, {0.0, 0.0}, {0.7, 0.0}};
        var s = DetectionMatcher.fromIou(iou, 2, CFG.withMatching(RewardConfig.Matching.OPTIMAL));
        assertEquals(2, s.tp()); // p3 → g0, p1 → g1 (or p0 → g0): two matches either way
        assertEquals(2, s.fp());
        assertEquals(0, s.fn());
    }

    @Test
    void groundingMapsTheFrameBoxToWorldBeforeTheIou() throws Exception {
        RigidTransform pose = RigidTransform.of(Rotations.zxyToMatrix(Math.PI / 2, 0, 0), 1, 2, 3);
        RigidTransform align = RigidTransform.of(Rotations.zxyToMatrix(0.3, 0, 0), -1, 0, 0);
        Box3D world = Box3D.of(2, 2, 2, 1, 0.5, 0.8, 0.2, 0, 0);
        // The right answer: the world box seen from frame 1's camera.
        Box3D cam = align.compose(pose).inverse().apply(world);
        String poses = "[" + matrix(RigidTransform.identity()) + "," + matrix(pose) + "]";
        JsonNode gt = json("{\"frame\": 1, \"gt_bbox\": " + M.writeValueAsString(world.toArray())
                + ", \"cam2global\": " + poses + ", \"axis_align_matrix\": " + matrix(align) + "}");
        GroundingTask t = new GroundingTask(CFG);
        String box = M.writeValueAsString(cam.toArray());
        Reward exact = t.scoreJson(wrap("{\"frame\": 1, \"bbox_3d\": " + box + "}"), gt);
        assertEquals(1.0, exact.part(Reward.FRAME));
        assertEquals(1.0, exact.part(Reward.IOU), 1e-9);
        assertEquals(3.0, exact.total(), 1e-9);
        // Same numbers read in frame 0 (identity pose) land elsewhere: frame reward 1 - 1/5, IoU of another box.
        Reward wrongFrame = t.scoreJson(wrap("{\"frame\": 0, \"bbox_3d\": " + box + "}"), gt);
        assertEquals(0.8, wrongFrame.part(Reward.FRAME), 1e-12);
        Reward noPose = t.scoreJson(wrap("{\"frame\": 7, \"bbox_3d\": " + box + "}"), gt);
        assertEquals(0.0, noPose.part(Reward.FRAME));
        assertEquals(0.0, noPose.part(Reward.IOU));
        assertTrue(noPose.reason().contains("no camera pose"), noPose.reason());
    }

    private static String matrix(RigidTransform t) throws Exception {
        return M.writeValueAsString(t.toRowMajor());
    }

    @Test
    void badGroundTruthIsRejectedNamingTheField() throws Exception {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new GroundingTask(CFG).groundTruth(json("{\"frame\": 0, \"gt_bbox\": [1,2,3,1,1,1,0,0,0], \"cam2global\": [[1,2,3]]}")));
        assertTrue(e.getMessage().contains("cam2global[0]"), e.getMessage());
        var d = assertThrows(IllegalArgumentException.class,
                () -> new DetectionTask(CFG).groundTruth(json("{\"boxes\": [{\"label\": \"a\", \"bbox_3d\": [1]}]}")));
        assertTrue(d.getMessage().contains("boxes[0]"), d.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new NumericTask(CFG).groundTruth(json("{\"answer\": \"many\"}")));
    }

    @Test
    void multipleChoiceIsAnExactMatchOfTheFirstToken() throws Exception {
        ChoiceTask t = new ChoiceTask(CFG);
        assertEquals(2.0, t.scoreJson(wrap("b. because it is closer"), json("{\"answer\": \"B\"}")).total());
        assertEquals(1.0, t.scoreJson(wrap("C"), json("{\"answer\": \"B\"}")).total());
        assertEquals(1.0, t.scoreJson("B", json("{\"answer\": \"B\"}")).total()); // right, but no envelope
    }

    @Test
    void mraIsVsiBenchsBitForBit() {
        // utils.py L87-94: conf_intervs = np.linspace(.5, .95, 10); accuracy = |y - y*| / y* <= 1 - conf_intervs.
        List<Double> th = RewardConfig.defaultMraThresholds();
        assertEquals(10, th.size());
        assertEquals(Double.longBitsToDouble(0x3FECCCCCCCCCCCCCL), th.get(8)); // linspace's 0.9, one ulp below 0.90
        assertEquals(1.0, Mra.of(10, 10, th));
        assertEquals(0.6, Mra.of(12, 10, th), 1e-12);
        assertEquals(0.6, Mra.of(8, 10, th), 1e-12);
        assertEquals(0.1, Mra.of(14.9, 10, th), 1e-12);
        // Boundaries, values from numpy: decided by <= and linspace's doubles.
        assertEquals(0.1, Mra.of(15, 10, th), 1e-12);  // was 0 with a strict <
        assertEquals(0.1, Mra.of(3, 2, th), 1e-12);    // the example
        assertEquals(0.3, Mra.of(7, 5, th), 1e-12);    // was 0.2
        assertEquals(0.9, Mra.of(11, 10, th), 1e-12);  // was 0.8
        assertEquals(1.0, Mra.of(134.9, 142, th), 1e-12);
        assertEquals(1.0, Mra.of(0, 0, th));
        assertEquals(0.0, Mra.of(0.1, 0, th));
        assertEquals(0.0, Mra.of(Double.NaN, 1, th));
    }

    @Test
    void negativeNumericGroundTruthIsRejected() {
        NumericTask t = new NumericTask(CFG);
        var e = assertThrows(IllegalArgumentException.class, () -> t.groundTruth(M.createObjectNode().put("answer", -3)));
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
        assertEquals(2.5, t.groundTruth(M.createObjectNode().put("answer", "2.5")));
    }

    @Test
    void numericRewardUsesMraOfTheParsedNumber() throws Exception {
        Reward r = new NumericTask(CFG).scoreJson(wrap("12 meters"), json("{\"answer\": 10}"));
        assertEquals(0.6, r.part(Reward.MRA), 1e-12);
        assertEquals(1.6, r.total(), 1e-12);
    }

    @Test
    void weightsChangeTheTotalOnly() throws Exception {
        RewardConfig cfg = new RewardConfig(0.5, 2, 0, List.of(0.25), RewardConfig.Matching.GREEDY, 1, 1, 5,
                rft3d.geometry.GroundingConvention.VGLLM, 1, 1,
                RewardConfig.defaultMraThresholds());
        Reward r = new DetectionTask(cfg).scoreJson(wrap("[\n{\"label\": \"a\", \"bbox_3d\": [0,0,0,1,1,1]}\n]"),
                json("{\"boxes\": [{\"label\": \"a\", \"bbox_3d\": [0,0,0,1,1,1]}]}"));
        assertEquals(0.5 + 2, r.total(), 1e-12);
        assertEquals(1.0, r.part(Reward.F1));
    }

    @Test
    void unknownTaskNamesAreListed() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tasks.create("vqa", CFG));
        assertTrue(e.getMessage().contains("detection, grounding, mc, numeric"));
    }
}
