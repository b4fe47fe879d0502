package rft3d.grpo;

/**
 * How group-relative advantages are scaled.
 *
 * @param scaling what the centred rewards are divided by
 * @param eps added to the standard deviation so a group of equal rewards gives 0, not NaN
 */
public record AdvantageOptions(Scaling scaling, double eps) {
    /** The divisor of {@code r − mean(group)}. */
    public enum Scaling {
        /** GRPO: the group's standard deviation. */
        GROUP_STD,
        /** The whole batch's standard deviation (more stable when groups are nearly uniform). */
        BATCH_STD,
        /** Dr. GRPO: no division, only centring. */
        NONE
    }

    public AdvantageOptions {
        if (scaling == null) throw new IllegalArgumentException("scaling must be set");
        if (!(eps >= 0) || !Double.isFinite(eps)) throw new IllegalArgumentException("eps must be finite and >= 0");
    }

    /** GRPO's {@code (r − mean) / (std + 1e-6)}. */
    public static AdvantageOptions grpo() {
        return new AdvantageOptions(Scaling.GROUP_STD, 1e-6);
    }

    /** Parses "group", "batch" or "none". */
    public static AdvantageOptions parse(String scaling, double eps) {
        return new AdvantageOptions(switch (scaling) {
            case "group" -> Scaling.GROUP_STD;
            case "batch" -> Scaling.BATCH_STD;
            case "none" -> Scaling.NONE;
            default -> throw new IllegalArgumentException("advantage scaling must be group, batch or none, got '" + scaling + "'");
        }, eps);
    }
}
