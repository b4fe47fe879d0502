package rft3d.model;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/** {@code x·W + b}, with {@code W} stored {@code [in, out]} as the checkpoints hold it. */
final class Affine extends Module {
    private final Tensor weight, bias;

    /** Weights Normal(0, 0.02²) from the current LibTorch seed, bias 0. */
    Affine(long in, long out, Device device) {
        weight = Parameters.register(this, "weight", Parameters.normal(0.02, in, out), device);
        bias = Parameters.register(this, "bias", Parameters.zeros(out), device);
    }

    Tensor forward(Tensor x) {
        return x.matmul(weight).add(bias);
    }
}
