package rft3d.reward;

import java.util.List;
import rft3d.geometry.GroundingConvention;

/**
 * Every weight and threshold of the rewards, in one place. The defaults are 3D-RFT's: format reward
 * plus, for detection, mean best IoU + F1 at IoU 0.25; for grounding, frame reward
 * {@code max(0, 1 − |f − f*| / 5)} + IoU (answers carried into the world as VG-LLM does); exact match for multiple choice; MRA over θ ∈ {0.50, …, 0.95}
 * for numbers.
 *
 * @param formatWeight weight of the format reward (0 or 1)
 * @param detectionIouWeight weight of the mean best same-label IoU
 * @param detectionF1Weight weight of the F1 score (averaged over {@code f1Thresholds})
 * @param f1Thresholds IoU thresholds for a true positive (strictly greater, as the benchmark)
 * @param matching how predictions are matched to ground-truth boxes
 * @param groundingFrameWeight weight of the frame reward
 * @param groundingIouWeight weight of the world-space IoU
 * @param frameTolerance frames at which the frame reward reaches 0
 * @param groundingConvention how a grounding answer in frame coordinates is carried into the world
 * @param choiceWeight weight of the multiple-choice exact match
 * @param numericWeight weight of the numeric MRA
 * @param mraThresholds confidence thresholds θ of the Mean Relative Accuracy
 */
public record RewardConfig(double formatWeight,
                           double detectionIouWeight, double detectionF1Weight, List<Double> f1Thresholds,
                           Matching matching,
                           double groundingFrameWeight, double groundingIouWeight, double frameTolerance,
                           GroundingConvention groundingConvention,
                           double choiceWeight, double numericWeight, List<Double> mraThresholds) {

    /** How detection predictions are paired with ground-truth boxes of the same label. */
    public enum Matching {
        /** In output order, each prediction takes the unused GT box of highest IoU (the benchmark's rule). */
        GREEDY,
        /** The pairing with the most true positives, then the highest total IoU (Hungarian algorithm). */
        OPTIMAL
    }

    public RewardConfig {
        f1Thresholds = List.copyOf(f1Thresholds);
        mraThresholds = List.copyOf(mraThresholds);
        if (f1Thresholds.isEmpty()) throw new IllegalArgumentException("f1Thresholds must not be empty");
        if (mraThresholds.isEmpty()) throw new IllegalArgumentException("mraThresholds must not be empty");
        if (!(frameTolerance > 0)) throw new IllegalArgumentException("frameTolerance must be > 0");
        if (groundingConvention == null) throw new IllegalArgumentException("groundingConvention must be set");
        for (double w : new double[] {formatWeight, detectionIouWeight, detectionF1Weight, groundingFrameWeight,
                groundingIouWeight, choiceWeight, numericWeight}) {
            if (!Double.isFinite(w)) throw new IllegalArgumentException("weights must be finite");
        }
    }

    /**
     * θ = 0.50, 0.55, …, 0.95 exactly as VSI-Bench's {@code np.linspace(.5, .95, 10)} computes them
     * ({@code i · step + start} with {@code step = (stop − start) / 9}, the last set to stop): 0.9, for
     * one, is not the double nearest 0.9.
     */
    public static List<Double> defaultMraThresholds() {
        double start = 0.5, stop = 0.95, step = (stop - start) / 9;
        Double[] t = new Double[10];
        for (int i = 0; i < 10; i++) t[i] = i * step + start;
        t[9] = stop;
        return List.of(t);
    }

    /** 3D-RFT's rewards. */
    public static RewardConfig defaults() {
        return new RewardConfig(1.0, 1.0, 1.0, List.of(0.25), Matching.GREEDY, 1.0, 1.0, 5.0, GroundingConvention.VGLLM, 1.0, 1.0,
                defaultMraThresholds());
    }

    /** A copy with another matching rule. */
    public RewardConfig withMatching(Matching m) {
        return new RewardConfig(formatWeight, detectionIouWeight, detectionF1Weight, f1Thresholds, m,
                groundingFrameWeight, groundingIouWeight, frameTolerance, groundingConvention, choiceWeight, numericWeight, mraThresholds);
    }

    /** A copy with another weight of the detection reward's mean best IoU. */
    public RewardConfig withDetectionIouWeight(double w) {
        return new RewardConfig(formatWeight, w, detectionF1Weight, f1Thresholds, matching,
                groundingFrameWeight, groundingIouWeight, frameTolerance, groundingConvention, choiceWeight, numericWeight, mraThresholds);
    }

    /** A copy with another grounding convention. */
    public RewardConfig withGroundingConvention(GroundingConvention c) {
        return new RewardConfig(formatWeight, detectionIouWeight, detectionF1Weight, f1Thresholds, matching,
                groundingFrameWeight, groundingIouWeight, frameTolerance, c, choiceWeight, numericWeight, mraThresholds);
    }
}
