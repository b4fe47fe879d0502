package rft3d.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SeedMeanTest {
    @Test
    void threeRunsUseTheTwoDegreeOfFreedomQuantile() {
        // mean 11, sample sd 1, so the half-width is t(0.975, 2) / sqrt(3) = 4.303 / 1.732.
        SeedMean m = SeedMean.of(10, 11, 12);
        assertEquals(11, m.mean(), 1e-12);
        assertEquals(4.303 / Math.sqrt(3), m.halfWidth(), 1e-9);
        assertEquals(3, m.runs());
        assertTrue(m.excludesZero());
    }

    @Test
    void anIntervalAcrossZeroDoesNotExcludeIt() {
        assertFalse(SeedMean.of(-0.01, 0.02, 0.005).excludesZero());
    }

    @Test
    void theQuantileApproachesTheNormalOneSmoothlyPastTheTable() {
        assertEquals(2.042, SeedMean.t975(30), 1e-12);
        assertEquals(2.0395, SeedMean.t975(31), 5e-4); // tabulated value 2.0395
        assertEquals(1.9840, SeedMean.t975(100), 5e-4); // tabulated value 1.9840
        assertTrue(SeedMean.t975(1000) > 1.96 && SeedMean.t975(1000) < 1.963);
    }

    @Test
    void oneRunOrANaNIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SeedMean.of(0.5));
        assertThrows(IllegalArgumentException.class, () -> SeedMean.of(0.5, Double.NaN));
    }
}
