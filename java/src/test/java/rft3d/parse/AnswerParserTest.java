package rft3d.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import rft3d.geometry.LabeledBox;

class AnswerParserTest {
    @Test
    void envelopeIsWellFormedOnlyAsThinkThenAnswer() {
        assertTrue(Envelope.of("<think>x</think><answer>B</answer>").wellFormed());
        assertTrue(Envelope.of("  <think>x</think>\n\n<answer>B</answer>\n").wellFormed());
        assertFalse(Envelope.of("<answer>B</answer>").wellFormed());
        assertFalse(Envelope.of("<answer>B</answer><think>x</think>").wellFormed());
        assertFalse(Envelope.of("<think>x</think>junk<answer>B</answer>").wellFormed());
        assertFalse(Envelope.of("<think>x</think><answer>B</answer><answer>C</answer>").wellFormed());
        assertFalse(Envelope.of("<think><think>x</think><answer>B</answer>").wellFormed());
    }

    @Test
    void answerComesFromTheTagOrElseTheWholeText() {
        assertEquals("B", Envelope.of("<think>x</think><answer> B </answer>").answer());
        assertEquals("B", Envelope.of("<answer>A</answer> no, <answer>B</answer>").answer());
        assertEquals("plain text", Envelope.of("plain text").answer());
        assertEquals("<answer>unclosed", Envelope.of("<answer>unclosed").answer());
        assertEquals("", Envelope.of(null).answer());
    }

    @Test
    void detectionListInACodeFenceParses() {
        var r = AnswerParser.detections("```json\n[{\"label\": \"chair\", \"bbox_3d\": [1,2,3,0.5,0.5,0.9,0.1,0,0]},"
                + " {\"label\": \"table\", \"bbox_3d\": [0,0,3,1,1,1]}]\n```");
        assertTrue(r.ok());
        assertEquals(List.of(), r.problems());
        assertEquals(2, r.value().size());
        assertEquals("chair", r.value().get(0).label());
        assertEquals(0.1, r.value().get(0).box().yaw());
        assertEquals(0.0, r.value().get(1).box().yaw());
    }

    @Test
    void badBoxesAreSkippedAndGoodOnesKept() {
        var r = AnswerParser.detections("[{\"label\": \"chair\", \"bbox_3d\": [1,2,3,1,1,1]},"
                + " {\"label\": \"lamp\", \"bbox_3d\": [1,2,3]},"
                + " {\"label\": \"bed\", \"bbox_3d\": [1,2,3,1,1,NaN]},"
                + " {\"bbox_3d\": [1,2,3,1,1,1]}, \"text\"]");
        assertEquals(1, r.value().size());
        assertEquals(4, r.problems().size(), r.reason());
        assertTrue(r.reason().contains("has 3 numbers"), r.reason());
        assertTrue(r.reason().contains("not finite"), r.reason());
    }

    @Test
    void truncatedListKeepsTheCompleteObjects() {
        var r = AnswerParser.detections("[{\"label\": \"chair\", \"bbox_3d\": [1,2,3,1,1,1]},\n"
                + " {\"label\": 'sofa', \"bbox_3d\": [0,0,0,2,1,1,0.5]},\n {\"label\": \"bed\", \"bbox_3d\": [0.8, 0.6");
        assertEquals(List.of("chair", "sofa"), r.value().stream().map(LabeledBox::label).toList());
        assertFalse(r.problems().isEmpty());
    }

    @Test
    void emptyListIsAValidDetectionAnswer() {
        var r = AnswerParser.detections("[]");
        assertTrue(r.ok());
        assertTrue(r.value().isEmpty());
        assertTrue(r.problems().isEmpty());
    }

    @Test
    void proseWithoutObjectsFailsWithAReason() {
        var r = AnswerParser.detections("There's no object here, I'm afraid.");
        assertFalse(r.ok());
        assertTrue(r.reason().contains("no JSON"), r.reason());
    }

    @Test
    void groundingNeedsAnIntegerFrameAndNineNumbers() {
        var ok = AnswerParser.grounding("{\"frame\": 3, \"bbox_3d\": [1,2,3,1,1,1,0,0,0]}");
        assertEquals(3, ok.value().frame());
        assertFalse(AnswerParser.grounding("{\"frame\": 3.5, \"bbox_3d\": [1,2,3,1,1,1,0,0,0]}").ok());
        assertFalse(AnswerParser.grounding("{\"frame\": -1, \"bbox_3d\": [1,2,3,1,1,1,0,0,0]}").ok());
        assertFalse(AnswerParser.grounding("{\"frame\": 3, \"bbox_3d\": [1,2,3,1,1,1]}").ok());
        var prose = AnswerParser.grounding("It is {'frame': 2, 'bbox_3d': [1,2,3,1,1,1,0,0,0]} I think");
        assertEquals(2, prose.value().frame());
    }

    // VSI-Bench reads answers with fuzzy_matching: pred.split(' ')[0].rstrip('.').strip()
    // (vision-x-nyu/thinking-in-space lmms_eval/tasks/vsibench/utils.py L81-82), numbers with float() (L96-106).

    @Test
    void choiceIsVsiBenchsFirstSpaceSeparatedTokenWithoutTrailingDots() {
        assertEquals("b", AnswerParser.choice("b. because it is closer").value()); // case is compared later, lowered
        assertFalse(AnswerParser.choice("  A..").ok());   // split(' ') on a leading space gives '' first
        assertEquals("B.", AnswerParser.choice("B.\n").value()); // rstrip('.') before strip(): the dot stays
        assertEquals("B", AnswerParser.choice("\nB").value());
        assertEquals("(D)", AnswerParser.choice("(D)").value());
        assertFalse(AnswerParser.choice("   ").ok());
        assertFalse(AnswerParser.choice("...").ok());
    }

    @Test
    void numberIsPythonsFloatOfTheFirstSpaceSeparatedToken() {
        assertEquals(3.5, AnswerParser.number("3.5 meters").value());
        assertFalse(AnswerParser.number("about 3.5m").ok()); // was 3.5: the first number anywhere
        assertEquals(-2.0, AnswerParser.number("-2").value());
        assertFalse(AnswerParser.number("1,234.5 cm").ok()); // float() takes no commas...
        assertEquals(1234.5, AnswerParser.number("1_234.5").value()); // ...but takes underscores
        assertEquals(0.5, AnswerParser.number(".5").value());
        assertEquals(3.0, AnswerParser.number("3.").value());
        assertEquals(4.0, AnswerParser.number("4.. chairs").value());
        assertFalse(AnswerParser.number("1, 2, 3").ok());
        assertEquals(2e3, AnswerParser.number("2e3").value());
        assertEquals(7.0, AnswerParser.number("\uff17").value()); // a fullwidth digit, as Python reads it
        assertFalse(AnswerParser.number("none").ok());
        assertFalse(AnswerParser.number("NaN").ok());  // float() reads it, MRA scores it 0: a failure here
        assertFalse(AnswerParser.number("1e999").ok());
        assertFalse(AnswerParser.number("1__0").ok());
        assertFalse(AnswerParser.number("_1").ok());
    }
}
