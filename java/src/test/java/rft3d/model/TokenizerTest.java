package rft3d.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import rft3d.data.Answers;
import rft3d.geometry.Box3D;
import rft3d.geometry.LabeledBox;

class TokenizerTest {
    final Tokenizer tok = new Tokenizer();

    @Test
    void answersRoundTripAndGridNumbersAreSingleTokens() {
        String det = Answers.detection(List.of(new LabeledBox("chair", Box3D.of(0.5, -1.25, 2.8, 0.5, 0.5, 0.9, 0.1, -0.4, 1.9))));
        int[] ids = tok.encode(det);
        assertEquals(det, tok.decode(ids));
        // <think> I␣see␣1␣objects </think><answer> [ {"label": " chair ", "bbox_3d": [ 9 numbers + 8 ", " ]} ] </answer>
        assertEquals(1 + 7 + 1 + 1 + 1 + 1 + 1 + 1 + 17 + 1 + 1 + 1, ids.length);
        String ground = Answers.grounding("lamp", 3, Box3D.of(1, 2, 3, 0.3, 0.3, 1.5, 0, 0, 0));
        assertEquals(ground, tok.decode(tok.encode(ground)));
    }

    @Test
    void anyTextEncodesWithUnknownCharactersMarked() {
        int[] ids = tok.encode("héllo {x}");
        assertEquals(Tokenizer.UNK, ids[1]);
        assertEquals("hllo {x}", tok.decode(ids));
        assertTrue(tok.vocabSize() > 400);
    }
}
