package rft3d.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ParallelJsonReaderTest {
    private static final ObjectMapper MAPPER = RewardServer.MAPPER;
    /** Arrays of two elements or more split, chunks of 8 bytes: small documents take the parallel path. */
    private final ParallelJsonReader reader = new ParallelJsonReader(MAPPER, 2, 8);

    /** What readTree gives, or the class and message of what it throws; the same for the reader. */
    private static String outcome(Reading r, byte[] body) {
        try {
            return "value " + r.read(body);
        } catch (Exception e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    private interface Reading {
        JsonNode read(byte[] body) throws Exception;
    }

    private void assertSameAsReadTree(byte[] body, String what) {
        assertEquals(outcome(MAPPER::readTree, body), outcome(reader::read, body), what + ": " + new String(body, StandardCharsets.UTF_8));
    }

    @Test
    void randomDocumentsReadAsReadTreeReadsThem() throws Exception {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int d = 0; d < 300; d++) {
            ObjectNode doc = MAPPER.createObjectNode();
            for (int k = rnd.nextInt(5); k >= 0; k--) doc.set(randomString(rnd), randomValue(rnd, 0));
            byte[] body = (rnd.nextBoolean() ? MAPPER.writerWithDefaultPrettyPrinter() : MAPPER.writer()).writeValueAsBytes(doc);
            assertEquals(MAPPER.readTree(body), reader.readIndexed(body), "read through the index, not handed to readTree");
        }
    }

    @Test
    void brokenDocumentsFailExactlyAsReadTreeFails() throws Exception {
        SplittableRandom rnd = new SplittableRandom(2);
        String punctuation = "{}[],:\"\\ x1";
        int accepted = 0, refused = 0;
        for (int d = 0; d < 2000; d++) {
            ObjectNode doc = MAPPER.createObjectNode();
            for (int k = rnd.nextInt(4); k >= 0; k--) doc.set(randomString(rnd), randomValue(rnd, 0));
            byte[] good = MAPPER.writeValueAsBytes(doc);
            StringBuilder s = new StringBuilder(new String(good, StandardCharsets.UTF_8));
            for (int m = 1 + rnd.nextInt(2); m > 0 && s.length() > 0; m--) {
                int at = rnd.nextInt(s.length());
                switch (rnd.nextInt(4)) {
                    case 0 -> s.deleteCharAt(at);
                    case 1 -> s.insert(at, punctuation.charAt(rnd.nextInt(punctuation.length())));
                    case 2 -> s.setCharAt(at, punctuation.charAt(rnd.nextInt(punctuation.length())));
                    default -> s.setLength(at);
                }
            }
            byte[] body = s.toString().getBytes(StandardCharsets.UTF_8);
            assertSameAsReadTree(body, "mutation " + d);
            if (outcome(MAPPER::readTree, body).startsWith("value")) accepted++;
            else refused++;
        }
        assertTrue(accepted > 100 && refused > 1000, accepted + " accepted, " + refused + " refused");
        for (String body : new String[] {"{\"a\": [1, 2}", "{\"a\": [1, 2}}", "{\"a\": {\"b\": [1, 2}}}", "{\"a\": [1, 2]} x", "{\"a\": [1,, 2]}", "{\"a\": [1, 2,]}", "{\"a\": [1 2]}",
                "{\"a\": [\"x\\\"], 2]}", "{\"a\": [[1}, 2]}", "{\"a\": 1, \"a\": [3, 4]}", "{}", " {\"a\": []} ", "[1, 2]", "",
                "{\"a\": [1, 2]", "{\"a\" [1, 2]}", "\ufeff{\"a\": [1, 2]}"}) {
            assertSameAsReadTree(body.getBytes(StandardCharsets.UTF_8), "case");
        }
    }

    @Test
    void aRewardRequestIsSplitIntoItsCompletionsAndTruths() throws Exception {
        var batch = rft3d.data.RandomDetections.generate(300, 16, 16, rft3d.data.RandomDetections.Rotation.GENERAL, 3);
        ObjectNode req = MAPPER.createObjectNode().put("task", "detection");
        ArrayNode cs = req.putArray("completions"), gt = req.putArray("gt");
        for (int i = 0; i < 300; i++) {
            cs.add(rft3d.data.RandomDetections.completion(batch.predictions().get(i)));
            gt.add(MAPPER.readTree(rft3d.data.RandomDetections.groundTruthJson(batch.truths().get(i))));
        }
        byte[] body = MAPPER.writeValueAsBytes(req);
        JsonNode read = new ParallelJsonReader(MAPPER, 64, 1 << 12).readIndexed(body);
        assertEquals(MAPPER.readTree(body), read);
        assertEquals(300, read.get("completions").size());
    }

    private static JsonNode randomValue(SplittableRandom rnd, int depth) {
        int kind = rnd.nextInt(depth > 3 ? 5 : 7);
        return switch (kind) {
            case 0 -> MAPPER.getNodeFactory().textNode(randomString(rnd));
            case 1 -> MAPPER.getNodeFactory().numberNode(rnd.nextInt(-1000, 1000));
            case 2 -> MAPPER.getNodeFactory().numberNode(rnd.nextDouble(-1e6, 1e6) * Math.pow(10, rnd.nextInt(-20, 20)));
            case 3 -> MAPPER.getNodeFactory().booleanNode(rnd.nextBoolean());
            case 4 -> MAPPER.getNodeFactory().nullNode();
            case 5 -> {
                ArrayNode a = MAPPER.createArrayNode();
                for (int k = rnd.nextInt(12); k > 0; k--) a.add(randomValue(rnd, depth + 1));
                yield a;
            }
            default -> {
                ObjectNode o = MAPPER.createObjectNode();
                for (int k = rnd.nextInt(4); k > 0; k--) o.set(randomString(rnd), randomValue(rnd, depth + 1));
                yield o;
            }
        };
    }

    /** Strings with the characters that matter to a scan: quotes, backslashes, brackets, commas, newlines, non-ASCII. */
    private static String randomString(SplittableRandom rnd) {
        String alphabet = "ab \"\\[]{},:\n\té→𝄞";
        StringBuilder s = new StringBuilder();
        for (int k = rnd.nextInt(8); k > 0; k--) s.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, rnd.nextInt(alphabet.codePointCount(0, alphabet.length())))));
        return s.toString();
    }
}
