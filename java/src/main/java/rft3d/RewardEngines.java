package rft3d;

import rft3d.reward.CpuRewardEngine;
import rft3d.reward.RewardConfig;
import rft3d.reward.RewardEngine;

/**
 * The entry point for embedding: {@code try (RewardEngine e = RewardEngines.auto()) { e.score(...); }}.
 */
public final class RewardEngines {
    private RewardEngines() {}

    /** The best engine available here, with 3D-RFT's default rewards. */
    public static RewardEngine auto() {
        return auto(RewardConfig.defaults());
    }

    /** The best engine available here. */
    public static RewardEngine auto(RewardConfig cfg) {
        return new CpuRewardEngine(cfg);
    }

    /** The CPU reference engine on all cores. */
    public static RewardEngine cpu(RewardConfig cfg) {
        return new CpuRewardEngine(cfg);
    }

    /**
     * An engine by name: "auto", "cpu" or "gpu".
     *
     * @throws IllegalArgumentException for another name
     */
    public static RewardEngine byName(String name, RewardConfig cfg) {
        return switch (name) {
            case "auto" -> auto(cfg);
            case "cpu" -> cpu(cfg);
            default -> throw new IllegalArgumentException("engine must be auto or cpu, got '" + name + "'");
        };
    }
}
