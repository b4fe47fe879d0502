package rft3d;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import rft3d.cuda.CudaUnavailableException;
import rft3d.cuda.GpuRewardEngine;
import rft3d.reward.CpuRewardEngine;
import rft3d.reward.RewardConfig;
import rft3d.reward.RewardEngine;

/**
 * The entry point for embedding:
 * <pre>{@code
 * try (RewardEngine engine = RewardEngines.auto()) {
 *     List<Reward> rewards = engine.score("detection", completions, gts);
 *     double[] adv = engine.advantages(totals, 8, AdvantageOptions.grpo());
 * }
 * }</pre>
 * Engines are thread-safe.
 */
public final class RewardEngines {
    private static final Logger LOG = Logger.getLogger("rft3d");
    private static final AtomicBoolean SAID = new AtomicBoolean();

    private RewardEngines() {}

    /** The GPU engine when a CUDA GPU is usable, else the CPU engine, with 3D-RFT's default rewards. */
    public static RewardEngine auto() {
        return auto(RewardConfig.defaults());
    }

    /** The GPU engine when a CUDA GPU is usable, else the CPU engine (saying why, once per process). */
    public static RewardEngine auto(RewardConfig cfg) {
        try {
            RewardEngine gpu = GpuRewardEngine.open(cfg);
            if (SAID.compareAndSet(false, true)) LOG.info("rewards on the GPU: " + gpu.describe());
            return gpu;
        } catch (CudaUnavailableException e) {
            RewardEngine cpu = new CpuRewardEngine(cfg);
            if (SAID.compareAndSet(false, true)) LOG.info("no usable CUDA GPU (" + e.getMessage() + "): rewards on the " + cpu.describe());
            return cpu;
        }
    }

    /** The CPU reference engine on all cores. */
    public static RewardEngine cpu(RewardConfig cfg) {
        return new CpuRewardEngine(cfg);
    }

    /**
     * The GPU engine.
     *
     * @throws CudaUnavailableException with the reason when there is no usable GPU
     */
    public static RewardEngine gpu(RewardConfig cfg) throws CudaUnavailableException {
        return GpuRewardEngine.open(cfg);
    }

    /**
     * An engine by name: "auto", "cpu" or "gpu".
     *
     * @throws IllegalArgumentException for another name, or "gpu" where there is none
     */
    public static RewardEngine byName(String name, RewardConfig cfg) {
        return switch (name) {
            case "auto" -> auto(cfg);
            case "cpu" -> cpu(cfg);
            case "gpu" -> {
                try {
                    yield gpu(cfg);
                } catch (CudaUnavailableException e) {
                    throw new IllegalArgumentException("no GPU engine: " + e.getMessage(), e);
                }
            }
            default -> throw new IllegalArgumentException("engine must be auto, cpu or gpu, got '" + name + "'");
        };
    }
}
