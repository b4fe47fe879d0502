package rft3d.train;

import static org.bytedeco.pytorch.global.torch.kDouble;
import static org.bytedeco.pytorch.global.torch.kFloat;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import rft3d.cuda.GpuRewardEngine;
import rft3d.grpo.AdvantageOptions;
import rft3d.grpo.Advantages;
import rft3d.grpo.LossStats;
import rft3d.reward.RewardEngine;

/**
 * GRPO's advantages and loss statistics as the trainer needs them, next to its tensors. When the reward
 * engine runs on the GPU that holds the model (device 0, its primary context, which LibTorch shares), they are
 * computed there by the engine's {@code ...OnDevice} entry points, reading and writing LibTorch's buffers
 * with no copy to the host; otherwise on the host ({@link RewardEngine#advantages}, {@link LossStats#compute}).
 * The engine's stream is a blocking one, so it is ordered after LibTorch's work on the default stream, and
 * each engine call waits for its kernels before it returns.
 */
final class EngineBridge {
    private final RewardEngine engine;
    private final GpuRewardEngine gpu;
    private final Device device;

    EngineBridge(RewardEngine engine, Device device) {
        this.engine = engine;
        this.device = device;
        boolean sameGpu = device.is_cuda() && (!device.has_index() || device.index() == 0);
        this.gpu = sameGpu && engine instanceof GpuRewardEngine g ? g : null;
    }

    /** Whether advantages and statistics stay on the GPU. */
    boolean onDevice() {
        return gpu != null;
    }

    /**
     * Group-relative advantages of consecutive groups of {@code groupSize} rewards, as a float64 {@code [N]}
     * tensor on the model's device.
     *
     * @throws IllegalArgumentException for a reward that is not finite or a batch that is not whole groups
     */
    Tensor advantages(double[] rewards, int groupSize, AdvantageOptions options) {
        if (gpu == null) return Tensor.create(engine.advantages(rewards, groupSize, options)).to(device, kDouble());
        Advantages.validate(rewards, groupSize);
        Tensor in = Tensor.create(rewards).to(device, kDouble()).contiguous();
        Tensor out = in.clone();
        gpu.advantagesOnDevice(in.data_ptr_double().address(), out.data_ptr_double().address(), rewards.length, groupSize, options);
        return out;
    }

    /**
     * Statistics of one micro-batch: log-probs {@code [B, T]} now, at sampling and under the reference, the
     * loss mask {@code [B, T]} and the float64 advantages {@code [B]}.
     */
    LossStats lossStats(Tensor logp, Tensor logpOld, Tensor logpRef, Tensor mask, Tensor advantages, double clipLow, double clipHigh) {
        int b = (int) logp.size(0), t = (int) logp.size(1);
        if (gpu == null) {
            Tensor adv = advantages.detach().to(new Device("cpu"), kDouble()).contiguous();
            double[] a = new double[b];
            adv.data_ptr_double().get(a);
            return LossStats.compute(Sequences.values(logp), Sequences.values(logpOld), Sequences.values(logpRef), Sequences.values(mask),
                    a, b, t, clipLow, clipHigh);
        }
        Tensor lp = floats(logp), old = floats(logpOld), ref = floats(logpRef), m = floats(mask);
        Tensor adv = advantages.detach().to(kDouble()).contiguous();
        return gpu.lossStatsOnDevice(lp.data_ptr_float().address(), old.data_ptr_float().address(), ref.data_ptr_float().address(),
                m.data_ptr_float().address(), adv.data_ptr_double().address(), b, t, clipLow, clipHigh);
    }

    private static Tensor floats(Tensor t) {
        return t.detach().to(kFloat()).contiguous();
    }
}
