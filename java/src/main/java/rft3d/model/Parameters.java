package rft3d.model;

import static org.bytedeco.pytorch.global.torch.kFloat;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/** How the model's parts make their parameters: float32 tensors on the device, registered on their module. */
final class Parameters {
    private Parameters() {}

    /**
     * Registers {@code value} (moved to the device as float32) as {@code owner}'s trainable parameter {@code name}
     * and returns this side's handle to it. (The tensor {@code register_parameter} returns refers into the
     * module's table, which moves as parameters are added; a handle of our own shares the same tensor.)
     */
    static Tensor register(Module owner, String name, Tensor value, Device device) {
        Tensor p = trainable(value, device);
        owner.register_parameter(name, p, true);
        return p;
    }

    /** {@code value} as a float32 leaf tensor on the device that takes gradients. */
    static Tensor trainable(Tensor value, Device device) {
        Tensor p = value.to(device, kFloat()).detach();
        p.set_requires_grad(true);
        return p;
    }

    /** Normal(0, std²) draws from the current LibTorch seed. */
    static Tensor normal(double std, long... shape) {
        return org.bytedeco.pytorch.global.torch.randn(shape).mul(new Scalar(std));
    }

    static Tensor zeros(long n) {
        return org.bytedeco.pytorch.global.torch.zeros(new long[] {n}, new org.bytedeco.pytorch.DimnameListOptional());
    }

    static Tensor ones(long n) {
        return org.bytedeco.pytorch.global.torch.ones(new long[] {n}, new org.bytedeco.pytorch.DimnameListOptional());
    }
}
