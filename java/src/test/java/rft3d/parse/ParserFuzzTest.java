package rft3d.parse;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;
import rft3d.reward.RewardTask;
import rft3d.reward.Tasks;

/** Throws 100,000+ random and adversarial strings at every parser and task; nothing may throw. */
class ParserFuzzTest {
    private static final String VALID = "<think>t</think><answer>[{\"label\": \"chair\", \"bbox_3d\": [1, 2, 3, 0.5, 0.5, 0.9, 0.1, 0, 0]},"
            + " {\"label\": \"table\", \"bbox_3d\": [0, 0, 3, 1, 1, 1, 0, 0, 0]}]</answer>";
    private static final String TOKENS = "{}[]\",:'` \n\t\\0123456789.-+eE<>/abcdefghijklmnopqrstuvwxyzNaInfity\u00e9\u4e2d\ud83d\ude00";

    @Test
    void noInputMakesAParserOrTaskThrow() throws Exception {
        ObjectMapper m = new ObjectMapper();
        RewardConfig cfg = RewardConfig.defaults();
        var gts = List.of(
                m.readTree("{\"boxes\": [{\"label\": \"chair\", \"bbox_3d\": [1,2,3,0.5,0.5,0.9,0.1,0,0]}]}"),
                m.readTree("{\"frame\": 0, \"gt_bbox\": [1,2,3,1,1,1,0,0,0], \"cam2global\": [[1,0,0,0,0,1,0,0,0,0,1,0,0,0,0,1]]}"),
                m.readTree("{\"answer\": \"B\"}"),
                m.readTree("{\"answer\": 3.5}"));
        List<RewardTask<?>> tasks = new ArrayList<>();
        for (String name : Tasks.NAMES) tasks.add(Tasks.create(name, cfg));
        List<String> inputs = adversarial();
        SplittableRandom rnd = new SplittableRandom(42);
        while (inputs.size() < 100_000) inputs.add(randomInput(rnd));
        for (String s : inputs) {
            assertDoesNotThrow(() -> {
                AnswerParser.detections(s);
                AnswerParser.grounding(s);
                AnswerParser.choice(s);
                AnswerParser.number(s);
                Envelope.of(s);
            }, () -> "input: " + s.substring(0, Math.min(200, s.length())));
            for (int t = 0; t < tasks.size(); t++) {
                Reward r = tasks.get(t).scoreJson(s, gts.get(t));
                assertTrue(Double.isFinite(r.total()) && r.total() >= 0 && r.total() <= 3, () -> "reward " + r);
            }
        }
    }

    private static List<String> adversarial() {
        List<String> out = new ArrayList<>();
        out.add("");
        out.add("[".repeat(100_000));
        out.add("{\"a\":".repeat(50_000));
        out.add("[{\"label\":\"x\",\"bbox_3d\":[" + "9".repeat(5000) + ",1,1,1,1,1]}]");
        out.add("[{\"label\":\"x\",\"bbox_3d\":[1e999,1,1,1,1,1]}]");
        out.add("[{\"label\":\"x\",\"bbox_3d\":[NaN,Infinity,-Infinity,1,1,1]}]");
        out.add("{\"frame\": 99999999999999999999, \"bbox_3d\": [1,2,3,1,1,1,0,0,0]}");
        out.add("x".repeat(10 << 20));
        out.add("<think>" + "{".repeat(1 << 20) + "</think><answer>" + "}".repeat(1 << 20) + "</answer>");
        out.add("[{\"label\": \"" + "\u4e2d".repeat(1 << 20) + "\", \"bbox_3d\": [1,2,3,1,1,1]}]");
        out.add("\"" + "\\".repeat(3 << 20));
        out.add("```json\n```");
        out.add("```");
        out.add("<answer></answer>");
        out.add("\ud800\udc00\ud800");
        out.add("1".repeat(10 << 20));
        for (int cut = 0; cut < VALID.length(); cut++) out.add(VALID.substring(0, cut));
        return out;
    }

    private static String randomInput(SplittableRandom rnd) {
        if (rnd.nextInt(3) == 0) {
            return Mutations.mutate(VALID, TOKENS, 5, rnd); // a valid answer with random edits
        }
        int len = rnd.nextInt(200);
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            sb.append(rnd.nextInt(10) == 0 ? (char) rnd.nextInt(0xFFFF) : TOKENS.charAt(rnd.nextInt(TOKENS.length())));
        }
        return sb.toString();
    }
}
