package rft3d.data;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One training or evaluation example: a scene's video, a prompt, the reference answer (for SFT) and the
 * ground truth the reward engine reads (README's schemas).
 *
 * @param id unique id
 * @param scene scene id (its frames and poses live in {@code scenes/<scene>/})
 * @param task reward task name: detection, grounding or numeric
 * @param prompt the question
 * @param answer the reference completion
 * @param gt ground truth for the reward task
 */
public record Sample(String id, String scene, String task, String prompt, String answer, JsonNode gt) {}
