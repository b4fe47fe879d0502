package rft3d.reward;

import java.util.List;

/** The task registry: every reward task by name. A new task plugs in here and nowhere else. */
public final class Tasks {
    private Tasks() {}

    /** Names accepted by {@link #create}. */
    public static final List<String> NAMES = List.of("detection", "grounding", "mc", "numeric");

    /**
     * The task of that name.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static RewardTask<?> create(String name, RewardConfig cfg) {
        return switch (name == null ? "" : name) {
            case "detection" -> new DetectionTask(cfg);
            case "grounding" -> new GroundingTask(cfg);
            case "mc" -> new ChoiceTask(cfg);
            case "numeric" -> new NumericTask(cfg);
            default -> throw new IllegalArgumentException("unknown task '" + name + "'; known: " + String.join(", ", NAMES));
        };
    }
}
