package rft3d.eval;

import java.util.Locale;

/** Whose rules {@code ./rft eval} reads predictions and boxes by. */
public enum Compat {
    /**
     * VG-LLM's evaluators exactly, error paths included (the default, so numbers compare with published
     * ones): answers read line by line with Python's {@code eval}, so a one-line JSON array is dropped;
     * boxes without exactly 9 numbers, with a non-finite number or a face under 2e-4 m² score IoU 0;
     * negative sizes count as their absolute value. See {@link rft3d.parse.VgllmAnswers} and {@link VgllmIou}.
     */
    VGLLM,
    /**
     * rft3d's tolerant reading (the reward's): JSON anywhere in the answer, one-line arrays, 6- and
     * 7-number boxes padded with zero angles; invalid boxes overlap nothing.
     */
    RFT3D;

    /** "vgllm" or "rft3d". */
    public static Compat parse(String name) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "vgllm" -> VGLLM;
            case "rft3d" -> RFT3D;
            default -> throw new IllegalArgumentException("--compat must be vgllm or rft3d, got '" + name + "'");
        };
    }
}
