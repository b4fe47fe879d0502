package rft3d.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./rft eval --compat vgllm} follows VG-LLM's evaluators through their error paths; the tolerant
 * rft3d rules are the other side of each case. Upstream: LaVi-Lab/VG-LLM src/lmms_eval/tasks/threedod/utils.py
 * (threedod_process_results L360-384, compute_ap, EulerDepthInstance3DBoxes) and scanrefer/utils.py L45-85.
 */
class VgllmCompatTest {
    @TempDir
    Path dir;

    static final String CHAIR = "[0, 0, 2, 1, 1, 1, 0, 0, 0]";

    Path write(String name, String... lines) throws Exception {
        return Files.write(dir.resolve(name), List.of(lines));
    }

    @SuppressWarnings("unchecked")
    int tp(Compat compat, String answer, String gtBox) throws Exception {
        Path gt = write("gt.jsonl", "{\"id\": \"s\", \"boxes\": [{\"label\": \"chair\", \"bbox_3d\": " + gtBox + "}]}");
        String pred = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("id", "s")
                .put("prediction", "<think>.</think><answer>" + answer + "</answer>").toString();
        Map<String, Object> r = DetectionEvaluator.evaluate(PredictionSet.read(write("pred.jsonl", pred), gt), compat);
        return (Integer) ((Map<String, Object>) r.get("overall")).get("tp@0.25");
    }

    @Test
    void aOneLineJsonArrayIsDroppedByTheLineReader() throws Exception {
        // L360-384: each line is eval'ed; "[{...}]" evaluates to a list, and bbox["bbox_3d"] on a list raises.
        String oneLine = "[{\"label\": \"chair\", \"bbox_3d\": " + CHAIR + "}]";
        assertEquals(0, tp(Compat.VGLLM, oneLine, CHAIR));
        assertEquals(1, tp(Compat.RFT3D, oneLine, CHAIR));
        assertEquals(1, tp(Compat.VGLLM, "[\n{\"label\": \"chair\", \"bbox_3d\": " + CHAIR + "}\n]", CHAIR));
        assertEquals(1, tp(Compat.VGLLM, "```json\n[\n{'label': 'chair', 'bbox_3d': (0, 0, 2, 1, 1, 1, 0, 0, 0)},\n]\n```", CHAIR));
    }

    @Test
    void boxesOfSixOrSevenNumbersScoreIouZero() throws Exception {
        // EulerDepthInstance3DBoxes(tensor) asserts 9 numbers; compute_ap catches it and uses IoU 0.
        String six = "[\n{\"label\": \"chair\", \"bbox_3d\": [0, 0, 2, 1, 1, 1]}\n]";
        assertEquals(0, tp(Compat.VGLLM, six, CHAIR));
        assertEquals(1, tp(Compat.RFT3D, six, CHAIR));
        assertEquals(0, tp(Compat.VGLLM, "[\n{\"label\": \"chair\", \"bbox_3d\": " + CHAIR + "}\n]", "[0, 0, 2, 1, 1, 1, 0]"));
    }

    @Test
    void negativeSizesActAsTheirAbsoluteValue() throws Exception {
        String negative = "[\n{\"label\": \"chair\", \"bbox_3d\": [0, 0, 2, -1, 1, -1, 0, 0, 0]}\n]";
        assertEquals(1, tp(Compat.VGLLM, negative, CHAIR)); // pytorch3d's box volume takes |.|
        assertEquals(0, tp(Compat.RFT3D, negative, CHAIR));
    }

    @Test
    void facesUnderTwoTenThousandthsOfASquareMetreScoreZero() throws Exception {
        String flat = "[0, 0, 2, 1, 1, 0.0001, 0, 0, 0]"; // a 1 m x 0.1 mm face: half of it is 5e-5 < 1e-4
        String answer = "[\n{\"label\": \"chair\", \"bbox_3d\": " + flat + "}\n]";
        assertEquals(0, tp(Compat.VGLLM, answer, flat)); // box3d_overlap raises "Planes have zero areas"
        assertEquals(1, tp(Compat.RFT3D, answer, flat));
    }

    @Test
    void linesAreReadAsPythonLiteralsNotJson() throws Exception {
        String python = "[\n{'label': 'chair', 'bbox_3d': [0, 0, 2, 1, True, 1, 0, 0, 0]},\n]";
        assertEquals(1, tp(Compat.VGLLM, python, CHAIR)); // True is 1.0 for numpy
        String json = "[\n{\"label\": \"chair\", \"bbox_3d\": " + CHAIR + ", \"score\": null}\n]";
        assertEquals(0, tp(Compat.VGLLM, json, CHAIR)); // null is an undefined name for eval: line dropped
        String stringNumbers = "[\n{'label': 'chair', 'bbox_3d': ['0', '0', '2', '1', '1', '1', '0', '0', '0']}\n]";
        assertEquals(1, tp(Compat.VGLLM, stringNumbers, CHAIR)); // np.array(..., dtype=float) parses strings
    }

    double groundingIou(Compat compat, String answer) throws Exception {
        String pose = "[[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]";
        Path gt = write("ggt.jsonl", "{\"id\": \"g\", \"frame\": 1, \"gt_bbox\": [0, 0, 2, 1, 1, 1, 0, 0, 0], \"cam2global\": ["
                + pose + ", " + pose + "]}");
        String pred = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("id", "g")
                .put("prediction", "<think>.</think><answer>" + answer + "</answer>").toString();
        return (Double) GroundingEvaluator.evaluate(PredictionSet.read(write("gpred.jsonl", pred), gt), compat,
                rft3d.geometry.GroundingConvention.VGLLM).get("mean_iou");
    }

    @Test
    void groundingFollowsScanrefersAssertions() throws Exception {
        assertEquals(1.0, groundingIou(Compat.VGLLM, "{\"frame\": 1, \"bbox_3d\": [0, 0, 2, 1, 1, 1, 0, 0, 0]}"), 1e-6);
        // isinstance(pred_dict["frame"], int): True is an int (frame 1), 1.0 is not.
        assertEquals(1.0, groundingIou(Compat.VGLLM, "{'frame': True, 'bbox_3d': [0, 0, 2, 1, 1, 1, 0, 0, 0]}"), 1e-6);
        assertEquals(0.0, groundingIou(Compat.VGLLM, "{\"frame\": 1.0, \"bbox_3d\": [0, 0, 2, 1, 1, 1, 0, 0, 0]}"));
        // isinstance(pred_dict["bbox_3d"], list): a tuple is not.
        assertEquals(0.0, groundingIou(Compat.VGLLM, "{'frame': 1, 'bbox_3d': (0, 0, 2, 1, 1, 1, 0, 0, 0)}"));
        // Only the first line with "bbox_3d" is read.
        assertEquals(0.0, groundingIou(Compat.VGLLM, "bbox_3d follows\n{\"frame\": 1, \"bbox_3d\": [0, 0, 2, 1, 1, 1, 0, 0, 0]}"));
        // A JSON object split over lines is not read at all.
        assertEquals(0.0, groundingIou(Compat.VGLLM, "{\"frame\": 1,\n\"bbox_3d\": [0, 0, 2, 1, 1, 1, 0, 0, 0]}"));
    }
}
