package rft3d.train;

import static org.bytedeco.pytorch.global.torch.clamp;
import static org.bytedeco.pytorch.global.torch.minimum;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import rft3d.grpo.LossStats;

/**
 * The GRPO objective on LibTorch tensors, the one formula the trainer differentiates. Per token, with
 * {@code r = exp(logp − logp_old)} and the sequence's advantage A: the clipped surrogate
 * {@code −min(r·A, clip(r, 1 − ε_low, 1 + ε_high)·A)} plus β times the bounded k3 KL to the reference
 * ({@link LossStats#k3}); the masked sum is divided by a normalizer ({@link Aggregation}). {@link LossStats}
 * (CPU) and the {@code loss_stats} kernel compute the same terms; {@code PolicyLossTest} ties them.
 */
final class PolicyLoss {
    private PolicyLoss() {}

    /** What the masked sum of per-token losses is divided by. */
    enum Aggregation {
        /** The batch's completion tokens (DAPO's token-level mean; long answers weigh by their length). */
        TOKEN,
        /** Dr. GRPO's constant: completions × max_new_tokens, the same every step, so no length bias. */
        CONSTANT;

        static Aggregation parse(String name) {
            return switch (name) {
                case "token" -> TOKEN;
                case "constant" -> CONSTANT;
                default -> throw new IllegalArgumentException("loss aggregation must be token or constant, got '" + name + "'");
            };
        }
    }

    /** The per-token loss {@code [B, T]}: surrogate + β·k3; {@code advantage} is {@code [B, 1]}. */
    static Tensor perToken(Tensor logp, Tensor logpOld, Tensor logpRef, Tensor advantage, double clipLow, double clipHigh, double beta) {
        Tensor ratio = logp.sub(logpOld).exp();
        Tensor clipped = clamp(ratio, new ScalarOptional(new Scalar(1 - clipLow)), new ScalarOptional(new Scalar(1 + clipHigh)));
        Tensor surrogate = minimum(ratio.mul(advantage), clipped.mul(advantage)).neg();
        return beta == 0 ? surrogate : surrogate.add(k3(logpRef.sub(logp)).mul(new Scalar(beta)));
    }

    /** {@link LossStats#k3} elementwise. */
    static Tensor k3(Tensor d) {
        Tensor c = clamp(d, new ScalarOptional(new Scalar(-LossStats.K3_LOG_RATIO_BOUND)),
                new ScalarOptional(new Scalar(LossStats.K3_LOG_RATIO_BOUND)));
        return clamp(c.exp().sub(c).sub(new Scalar(1)), new ScalarOptional(), new ScalarOptional(new Scalar(LossStats.K3_BOUND)));
    }

    /** The loss of a micro-batch: masked per-token losses summed and divided by {@code normalizer}. */
    static Tensor loss(Tensor perToken, Tensor mask, double normalizer) {
        return perToken.mul(mask).sum().div(new Scalar(normalizer));
    }
}
