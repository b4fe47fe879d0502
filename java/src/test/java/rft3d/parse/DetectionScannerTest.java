package rft3d.parse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import rft3d.data.RandomDetections;
import rft3d.geometry.Box3D;
import rft3d.geometry.LabeledBox;

/**
 * The fast path either declines (null) or agrees exactly with the tolerant parser and with VG-LLM's line
 * reader: same labels, the same doubles bit for bit, no problems, the same count of objects read.
 */
class DetectionScannerTest {
    static void assertAgrees(String answer) {
        DetectionScanner.Scan scan = DetectionScanner.scan(answer);
        if (scan == null) return;
        ParseResult<List<LabeledBox>> slow = AnswerParser.detections(answer);
        assertTrue(slow.ok() && slow.problems().isEmpty(), "scanned, but the tolerant parser objects: " + slow.reason() + " in " + answer);
        assertEquals(slow.value().size(), scan.labels().size(), answer);
        for (int i = 0; i < scan.labels().size(); i++) {
            assertEquals(slow.value().get(i).label(), scan.labels().get(i), answer);
            assertArrayEquals(slow.value().get(i).box().toArray(), Box3D.of(scan.boxes().get(i)).toArray(), 0.0, answer);
            for (int k = 0; k < 9; k++) {
                assertEquals(Double.doubleToRawLongBits(slow.value().get(i).box().toArray()[k]),
                        Double.doubleToRawLongBits(Box3D.of(scan.boxes().get(i)).toArray()[k]), "bits of " + answer);
            }
        }
        assertEquals(VgllmAnswers.detections(answer, new int[1]).size(), scan.onOwnLine(), "objects on their own line: " + answer);
    }

    static String answerOf(String completion) {
        return Envelope.of(completion).answer();
    }

    @Test
    void theModelsAnswersAreScannedAndAgree() {
        var batch = RandomDetections.generate(50, 12, 3, RandomDetections.Rotation.GENERAL, 7);
        for (var preds : batch.predictions()) {
            String oneLine = answerOf(RandomDetections.completion(preds));
            assertNotNull(DetectionScanner.scan(oneLine));
            assertAgrees(oneLine);
            String multiLine = answerOf(rft3d.data.Answers.detection(preds));
            assertEquals(preds.size(), DetectionScanner.scan(multiLine).onOwnLine());
            assertAgrees(multiLine);
        }
        assertEquals(0, DetectionScanner.scan("[]").labels().size());
    }

    @Test
    void numbersConvertAsJacksonsTreeDoes() {
        for (String n : new String[] {"-0", "0", "-0.0", "1e5", "1E+2", "0.1e-3", "12345678901234567890", "-9223372036854775809",
                "3.141592653589793238462643383279", "4.9e-324", "2.2250738585072011e-308"}) {
            String answer = "[\n{\"label\": \"a\", \"bbox_3d\": [" + n + ", 0, 0, 1, 1, 1]}\n]";
            assertNotNull(DetectionScanner.scan(answer), n);
            assertAgrees(answer);
        }
        for (String bad : new String[] {"01", "1.", ".5", "+1", "1e", "NaN", "1e400", "0x10", "--1"}) {
            assertNull(DetectionScanner.scan("[{\"label\": \"a\", \"bbox_3d\": [" + bad + ", 0, 0, 1, 1, 1]}]"), bad);
        }
    }

    @Test
    void decimalsOnAndOffTheFastPathConvertBitForBit() {
        SplittableRandom rnd = new SplittableRandom(17);
        StringBuilder answer = new StringBuilder("[");
        for (int i = 0; i < 4000; i++) {
            StringBuilder n = new StringBuilder(rnd.nextBoolean() ? "-" : "");
            int intDigits = rnd.nextInt(1, 12), fracDigits = rnd.nextInt(1, 14);
            n.append(1 + rnd.nextInt(9));
            for (int k = 1; k < intDigits; k++) n.append(rnd.nextInt(10));
            n.append('.');
            for (int k = 0; k < fracDigits; k++) n.append(rnd.nextInt(10));
            if (rnd.nextInt(4) == 0) n.append('e').append(rnd.nextInt(-40, 40)); // some past 10^22 either way
            if (i > 0) answer.append(",\n");
            answer.append("{\"label\": \"a\", \"bbox_3d\": [").append(n).append(", 0.1, 0.30000000000000004, 1e22, 1e23, 1.5e-22]}");
        }
        String text = answer.append("]").toString();
        assertNotNull(DetectionScanner.scan(text));
        assertAgrees(text);
    }

    @Test
    void anythingOutsideTheGrammarIsLeftToTheTolerantParser() {
        for (String other : new String[] {
                "```json\n[]\n```", "[{'label': 'a', 'bbox_3d': [0,0,0,1,1,1]}]", "[{\"label\": \"a\", \"bbox_3d\": [0,0,0,1,1,1]},]",
                "[{\"label\": \"a\", \"bbox_3d\": [0,0,0,1,1,1], \"score\": 1}]", "[{\"label\": \"a\", \"label\": \"b\", \"bbox_3d\": [0,0,0,1,1,1]}]",
                "[{\"label\": \"a\\\"b\", \"bbox_3d\": [0,0,0,1,1,1]}]", "[{\"label\": \" \", \"bbox_3d\": [0,0,0,1,1,1]}]",
                "[{\"label\": \"a\", \"bbox_3d\": [0,0,0,1,1]}]", "{\"label\": \"a\", \"bbox_3d\": [0,0,0,1,1,1]}", "here: []", "[] ok"}) {
            assertNull(DetectionScanner.scan(other), other);
        }
        assertNotNull(DetectionScanner.scan("[{\"bbox_3d\": [0,0,0,1,1,1,0.5], \"label\": \" chair \"}]")); // keys in either order, 7 numbers
        assertAgrees("[{\"bbox_3d\": [0,0,0,1,1,1,0.5], \"label\": \" chair \"}]");
    }

    @Test
    void mutatedAnswersAreDeclinedOrAgree() {
        SplittableRandom rnd = new SplittableRandom(11);
        var batch = RandomDetections.generate(40, 5, 1, RandomDetections.Rotation.GENERAL, 8);
        String alphabet = "[]{},:\" \n\t-.0123456789eE+labox_3dchair'\\\r";
        int scanned = 0;
        for (var preds : batch.predictions()) {
            String base = rnd.nextBoolean() ? answerOf(rft3d.data.Answers.detection(preds)) : answerOf(RandomDetections.completion(preds));
            for (int m = 0; m < 200; m++) {
                String s = Mutations.mutate(base, alphabet, 3, rnd);
                if (DetectionScanner.scan(s) != null) scanned++;
                assertAgrees(s);
            }
        }
        assertTrue(scanned > 1000, scanned + " mutated answers still in the grammar");
    }
}
