package rft3d.model;

import static org.bytedeco.pytorch.global.torch.silu;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/** The feed-forward block {@code (silu(x·W1) ⊙ x·W3)·W2}. */
final class SwiGlu extends Module {
    private final Tensor w1, w3, w2;

    SwiGlu(int dim, int hidden, double outStd, Device device) {
        w1 = Parameters.register(this, "w1", Parameters.normal(0.02, dim, hidden), device);
        w3 = Parameters.register(this, "w3", Parameters.normal(0.02, dim, hidden), device);
        w2 = Parameters.register(this, "w2", Parameters.normal(outStd, hidden, dim), device);
    }

    /** Hidden width for model width {@code d}: 8d/3 rounded up to a multiple of 8 (LLaMA's choice). */
    static int hiddenSize(int d) {
        return (8 * d / 3 + 7) / 8 * 8;
    }

    Tensor forward(Tensor x) {
        return silu(x.matmul(w1)).mul(x.matmul(w3)).matmul(w2);
    }
}
