package rft3d.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class KvCacheTest {
    private static Tensor filled(float value, int length) {
        float[] v = new float[2 * length];
        java.util.Arrays.fill(v, value);
        return Tensor.create(v, 1, 1, length, 2);
    }

    @Test
    void keepsItsTensorsPastTheirScopeAndFreesEachWhenReplaced() {
        try (VideoLM.KvCache cache = new VideoLM.KvCache()) {
            Tensor k1, v1, k2;
            try (PointerScope step = new PointerScope()) {
                k1 = filled(1, 3);
                v1 = filled(2, 3);
                cache.put(0, k1, v1);
            }
            assertFalse(k1.isNull(), "the cache's keys outlive the scope that made them");
            assertEquals(3, cache.length());
            try (PointerScope step = new PointerScope()) {
                k2 = filled(3, 4);
                cache.put(0, k2, filled(4, 4));
            }
            assertTrue(k1.isNull() && v1.isNull(), "replaced keys and values are freed at once");
            assertFalse(k2.isNull());
            assertEquals(4, cache.length());
            cache.close();
            assertTrue(k2.isNull(), "closing the cache frees what it holds");
        }
    }
}
