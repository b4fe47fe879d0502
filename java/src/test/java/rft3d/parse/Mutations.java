package rft3d.parse;

import java.util.SplittableRandom;

/** Random small edits of a text, for differential tests of the answer parsers. */
public final class Mutations {
    private Mutations() {}

    /** {@code text} with 1 to {@code maxEdits} characters deleted, inserted or replaced (from {@code alphabet}). */
    public static String mutate(String text, String alphabet, int maxEdits, SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder(text);
        int edits = 1 + rnd.nextInt(maxEdits);
        for (int k = 0; k < edits && sb.length() > 0; k++) {
            int at = rnd.nextInt(sb.length());
            switch (rnd.nextInt(3)) {
                case 0 -> sb.deleteCharAt(at);
                case 1 -> sb.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                default -> sb.setCharAt(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
        }
        return sb.toString();
    }
}
