package rft3d.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Python's eval on the literals an answer line holds; what eval rejects is rejected. */
class PythonLiteralTest {
    @Test
    void literalsEvaluateAsPythonDoes() {
        assertEquals("{\"label\":\"chair\",\"bbox_3d\":[1,2.5,-3,0.5,1000.0,16,true,null]}",
                PythonLiteral.eval("{'label': \"chair\", 'bbox_3d': [1, 2.5, -3, .5, 1_000.0, 0x10, True, None],}").toString());
        assertTrue(PythonLiteral.eval("(1, 2)") instanceof PythonLiteral.Tuple);
        assertEquals("[1]", PythonLiteral.eval("(1,)").toString());
        assertEquals("1", PythonLiteral.eval("(1)").toString());
        assertEquals("\"a\\nb'\"", PythonLiteral.eval("'a\\nb\\''").toString());
        assertEquals("{\"a\":2}", PythonLiteral.eval("{'a': 1, 'a': 2}  # the last duplicate wins").toString());
        assertEquals("-1", PythonLiteral.eval("-True").toString());
    }

    @Test
    void whatEvalRejectsIsRejected() {
        for (String bad : new String[] {"null", "true", "nan", "{'a': inf}", "007", "1__0", "[1, 2", "{'a' 1}", "[1] x",
                "'open", "１", "[1, 2,, 3]"}) {
            assertThrows(IllegalArgumentException.class, () -> PythonLiteral.eval(bad), bad);
        }
    }
}
