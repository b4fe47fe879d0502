package rft3d.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluatorsTest {
    @TempDir
    Path dir;

    private Path write(String name, String... lines) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, List.of(lines));
        return p;
    }

    @Test
    @SuppressWarnings("unchecked")
    void detectionMetricsArePerClassSumsAndListMeans() throws Exception {
        Path gt = write("gt.jsonl",
                "{\"id\": 1, \"boxes\": [{\"label\": \"chair\", \"bbox_3d\": [0,0,0,1,1,1]}, {\"label\": \"table\", \"bbox_3d\": [3,0,0,1,1,1]}]}");
        // chair exact (TP at both thresholds); table shifted by half a side (IoU 1/3: TP at 0.25, FP+FN at 0.5);
        // a second chair far away (FP).
        Path pred = write("pred.jsonl", "{\"id\": 1, \"prediction\": \"<think>.</think><answer>["
                + "{\\\"label\\\": \\\"chair\\\", \\\"bbox_3d\\\": [0,0,0,1,1,1]},"
                + "{\\\"label\\\": \\\"table\\\", \\\"bbox_3d\\\": [3.5,0,0,1,1,1]},"
                + "{\\\"label\\\": \\\"chair\\\", \\\"bbox_3d\\\": [9,9,9,1,1,1]}]</answer>\"}");
        Map<String, Object> r = DetectionEvaluator.evaluate(PredictionSet.read(pred, gt), Compat.RFT3D); // 6-number GT boxes
        var chair = (Map<String, Object>) ((Map<String, Object>) r.get("per_class")).get("chair");
        var table = (Map<String, Object>) ((Map<String, Object>) r.get("per_class")).get("table");
        assertEquals(0.5, (double) chair.get("precision@0.25"), 1e-12);
        assertEquals(1.0, (double) chair.get("recall@0.25"), 1e-12);
        assertEquals(2.0 / 3, (double) chair.get("f1@0.25"), 1e-12);
        assertEquals(1.0, (double) table.get("f1@0.25"), 1e-12);
        assertEquals(0.0, (double) table.get("f1@0.5"), 1e-12);
        var cate8 = (Map<String, Object>) ((Map<String, Object>) r.get("splits")).get("cate8");
        assertEquals((2.0 / 3 + 1) / 8, (double) cate8.get("f1@0.25"), 1e-12);
        assertEquals((2.0 / 3) / 8, (double) cate8.get("f1@0.5"), 1e-12);
    }

    @Test
    void answersScoredAgainstAnotherScenesTruthShowWhatTheVideoAdds() throws Exception {
        // Two scenes, each answered exactly (one object a line, as VG-LLM's reader wants): F1 1 against its
        // own GT, 0 against the other scene's.
        Path gt = write("gt.jsonl",
                "{\"id\": \"a\", \"boxes\": [{\"label\": \"chair\", \"bbox_3d\": [0,0,0,1,1,1,0,0,0]}]}",
                "{\"id\": \"b\", \"boxes\": [{\"label\": \"chair\", \"bbox_3d\": [5,0,0,1,1,1,0,0,0]}]}");
        Path pred = write("pred.jsonl",
                "{\"id\": \"a\", \"prediction\": \"<think>.</think><answer>[\\n{\\\"label\\\": \\\"chair\\\", \\\"bbox_3d\\\": [0,0,0,1,1,1,0,0,0]}\\n]</answer>\"}",
                "{\"id\": \"b\", \"prediction\": \"<think>.</think><answer>[\\n{\\\"label\\\": \\\"chair\\\", \\\"bbox_3d\\\": [5,0,0,1,1,1,0,0,0]}\\n]</answer>\"}");
        Map<String, Double> reads = Headline.of(Map.of("detection", PredictionSet.read(pred, gt)));
        assertEquals(1.0, reads.get("det_f1@0.25"), 1e-12);
        assertEquals(0.0, reads.get("det_f1@0.25_other_scene"), 1e-12);
        // One answer for both scenes: what it scores does not depend on which scene it is scored against.
        Path same = write("same.jsonl",
                "{\"id\": \"a\", \"prediction\": \"<think>.</think><answer>[\\n{\\\"label\\\": \\\"chair\\\", \\\"bbox_3d\\\": [0,0,0,1,1,1,0,0,0]}\\n]</answer>\"}",
                "{\"id\": \"b\", \"prediction\": \"<think>.</think><answer>[\\n{\\\"label\\\": \\\"chair\\\", \\\"bbox_3d\\\": [0,0,0,1,1,1,0,0,0]}\\n]</answer>\"}");
        Map<String, Double> ignores = Headline.of(Map.of("detection", PredictionSet.read(same, gt)));
        assertEquals(0.5, ignores.get("det_f1@0.25"), 1e-12);
        assertEquals(ignores.get("det_f1@0.25"), ignores.get("det_f1@0.25_other_scene"), 1e-12);
    }

    @Test
    void theBootstrapStandardErrorOfAnAccuracyIsTheBinomialOne() throws Exception {
        // 400 multiple-choice questions, 100 answered right: accuracy 0.25, SE sqrt(0.25 * 0.75 / 400) = 0.0217.
        List<String> gt = new java.util.ArrayList<>(), pred = new java.util.ArrayList<>();
        for (int i = 0; i < 400; i++) {
            gt.add("{\"id\": \"q" + i + "\", \"question_type\": \"route_planning\", \"answer\": \"A\"}");
            pred.add("{\"id\": \"q" + i + "\", \"prediction\": \"" + (i % 4 == 0 ? "A" : "B") + "\"}");
        }
        PredictionSet set = PredictionSet.read(write("p.jsonl", pred.toArray(String[]::new)), write("g.jsonl", gt.toArray(String[]::new)));
        Map<String, Double> se = Bootstrap.standardErrors(Map.of("mc", set),
                s -> Map.of("acc", (Double) ((Map<?, ?>) VsiEvaluator.evaluate(s.get("mc")).get("per_type")).get("route_planning")), 400, 7);
        assertEquals(Math.sqrt(0.25 * 0.75 / 400), se.get("acc"), 0.003);
        assertEquals(se, Bootstrap.standardErrors(Map.of("mc", set),
                s -> Map.of("acc", (Double) ((Map<?, ?>) VsiEvaluator.evaluate(s.get("mc")).get("per_type")).get("route_planning")), 400, 7), "same seed, same errors");
    }

    @Test
    void missingPredictionsAndBadLinesAreCountedNotDropped() throws Exception {
        Path gt = write("gt.jsonl", "{\"id\": \"a\", \"question_type\": \"route_planning\", \"answer\": \"A\"}",
                "{\"id\": \"b\", \"question_type\": \"route_planning\", \"answer\": \"B\"}", "not json");
        Path pred = write("pred.jsonl", "{\"id\": \"a\", \"prediction\": \"A\"}", "{\"id\": \"zzz\", \"prediction\": \"A\"}");
        Map<String, Object> r = VsiEvaluator.evaluate(PredictionSet.read(pred, gt));
        assertEquals(2, r.get("samples"));
        assertEquals(1, r.get("missing_predictions"));
        assertEquals(1, r.get("predictions_without_gt"));
        assertEquals(1, ((List<?>) r.get("errors")).size());
        // route_planning 0.5 (the missing one scores 0), and upstream always reports
        // object_rel_direction_accuracy, here 0: overall (0.5 + 0) / 2.
        assertEquals(0.25, (double) r.get("overall"), 1e-12);
    }

    @Test
    @SuppressWarnings("unchecked")
    void vsiMetricsFollowUpstreamsAggregation() throws Exception {
        Map<String, Object> r = VsiEvaluator.evaluate(PredictionSet.read(Path.of("examples/vsi/pred.jsonl"), Path.of("examples/vsi/gt.jsonl")));
        var perType = (Map<String, Double>) r.get("per_type");
        assertEquals(1.0, perType.get("object_counting"), 1e-12);
        assertEquals(0.8, perType.get("object_abs_distance"), 1e-12);    // "2.8 meters" vs 2.5: 12% off
        assertEquals(0.0, perType.get("object_size_estimation"), 1e-12); // "about 60 cm": first token is no number
        assertEquals(0.9, perType.get("room_size_estimation"), 1e-12);   // 20 vs 22: 9.1% off
        assertEquals(1.0, perType.get("object_rel_distance"), 1e-12);    // "B. the sofa" -> "B"
        assertEquals(0.0, perType.get("obj_appearance_order"), 1e-12);   // "(D)" is not "D"
        var metrics = (Map<String, Double>) r.get("metrics");
        assertEquals(1.0, metrics.get("object_counting_MRA:.5:.95:.05"), 1e-12);
        // utils.py L144-148: (easy 1 + medium missing 0 + hard 0) / 3, whatever levels are present.
        assertEquals(1.0 / 3, metrics.get("object_rel_direction_accuracy"), 1e-12);
        // L150: the mean of the 8 reported metrics: 1, .8, 0, .9, 1 (rel distance), 1 (route), 0, 1/3.
        assertEquals((1 + 0.8 + 0 + 0.9 + 1 + 1 + 0 + 1.0 / 3) / 8, (double) r.get("overall"), 1e-12);
        assertEquals(9, metrics.size());
    }

    @Test
    void groundingAccuracyCountsIousAtOrAboveTheThreshold() throws Exception {
        Map<String, Object> r = GroundingEvaluator.evaluate(
                PredictionSet.read(Path.of("examples/grounding/pred.jsonl"), Path.of("examples/grounding/gt.jsonl")));
        // ref0: right frame, box 5 cm off; ref1: frame 4 of 5, box 1.1 of 1.5 long (IoU 0.733); ref2: bad box.
        assertEquals(2.0 / 3, (double) r.get("acc@0.25"), 1e-12);
        assertEquals(2.0 / 3, (double) r.get("acc@0.5"), 1e-12);
        assertEquals((1 + 0.8 + 0) / 3, (double) r.get("mean_frame_reward"), 1e-12);
        assertTrue(Report.toJson(r).startsWith("{\"task\":\"grounding\""));
    }

    @Test
    void overlongLinesAreReportedAndSkipped() throws Exception {
        java.util.List<String> errors = new java.util.ArrayList<>();
        int[] seen = {0};
        String huge = "{\"id\": \"" + "x".repeat(Jsonl.MAX_LINE_BYTES + 10) + "\"}";
        Jsonl.forEach(new java.io.ByteArrayInputStream(("{\"a\": 1}\n" + huge + "\n{\"b\": 2}").getBytes(java.nio.charset.StandardCharsets.UTF_8)), "mem", (l, n) -> seen[0]++, errors);
        assertEquals(2, seen[0]);
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).startsWith("mem:2: line longer"), errors.get(0));
    }
}
