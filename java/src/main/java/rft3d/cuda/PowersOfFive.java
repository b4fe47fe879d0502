package rft3d.cuda;

import java.math.BigInteger;

/**
 * The table that the device's number conversion reads (answer_scan.cuh, {@code eisel_lemire}): for every
 * decimal exponent q a double can have, 5^q as a 128-bit number with its top bit set, truncated for q ≥ 0
 * and rounded up from below for q &lt; 0, as in Lemire's "Number Parsing at a Gigabyte per Second" (2021).
 * Two longs an entry, high word first. Computed exactly, once.
 */
final class PowersOfFive {
    /** The exponents the table covers, as {@code POW5_MIN_Q} and {@code POW5_MAX_Q} in answer_scan.cuh. */
    static final int MIN_Q = -342, MAX_Q = 308;

    private static final BigInteger TWO_128 = BigInteger.ONE.shiftLeft(128);

    private PowersOfFive() {}

    static long[] table() {
        long[] out = new long[2 * (MAX_Q - MIN_Q + 1)];
        for (int q = MIN_Q; q <= MAX_Q; q++) {
            BigInteger v;
            if (q < 0) {
                BigInteger power = BigInteger.valueOf(5).pow(-q);
                int z = power.subtract(BigInteger.ONE).bitLength(); // the least z with 2^z >= 5^-q
                int b = q >= -27 ? z + 127 : 2 * z + 128;
                v = BigInteger.ONE.shiftLeft(b).divide(power).add(BigInteger.ONE);
                while (v.compareTo(TWO_128) >= 0) v = v.shiftRight(1);
            } else {
                v = BigInteger.valueOf(5).pow(q);
                v = v.bitLength() <= 128 ? v.shiftLeft(128 - v.bitLength()) : v.shiftRight(v.bitLength() - 128);
            }
            int i = 2 * (q - MIN_Q);
            out[i] = v.shiftRight(64).longValue();
            out[i + 1] = v.longValue();
        }
        return out;
    }
}
