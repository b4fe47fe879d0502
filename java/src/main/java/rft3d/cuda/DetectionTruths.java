package rft3d.cuda;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import rft3d.geometry.Box3D;
import rft3d.geometry.LabeledBox;
import rft3d.reward.CpuRewardEngine;

/**
 * A batch's detection ground truth, packed as the kernels read it: sample i's boxes are rows
 * {@code off[i] .. off[i + 1]} of {@code boxes} (9 numbers a row), their labels numbered batch-wide. Made by {@link GpuRewardEngine#detectionTruths}: a trainer whose prompts keep their
 * GT makes it once and scores batch after batch of rollouts against it, skipping the parse and the packing.
 * Immutable.
 */
public final class DetectionTruths {
    private final int[] off;
    private final double[] boxes;
    private final int[] labelIds;
    private final Map<String, Integer> ids;
    private final Utf8Strings labels;

    private DetectionTruths(int[] off, double[] boxes, int[] labelIds, Map<String, Integer> ids, Utf8Strings labels) {
        this.off = off;
        this.boxes = boxes;
        this.labelIds = labelIds;
        this.ids = ids;
        this.labels = labels;
    }

    /** Packs parsed GT boxes in one pass, samples in parallel on the engine's threads. */
    static DetectionTruths of(List<List<LabeledBox>> truths, CpuRewardEngine cpu) {
        int n = truths.size();
        int[] off = new int[n + 1];
        for (int i = 0; i < n; i++) off[i + 1] = off[i] + truths.get(i).size();
        double[] boxes = new double[9 * off[n]];
        int[] labelIds = new int[off[n]];
        // Labels numbered as threads meet them: which label gets which number does not matter, only that
        // equal labels share one.
        ConcurrentHashMap<String, Integer> ids = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        cpu.map(n, i -> {
            List<LabeledBox> t = truths.get(i);
            for (int k = 0; k < t.size(); k++) {
                String label = t.get(k).label();
                Integer id = ids.get(label);
                labelIds[off[i] + k] = id != null ? id : ids.computeIfAbsent(label, x -> next.getAndIncrement());
                put(t.get(k).box(), boxes, off[i] + k);
            }
            return null;
        });
        String[] names = new String[ids.size()];
        ids.forEach((label, id) -> names[id] = label);
        return new DetectionTruths(off, boxes, labelIds, ids, Utf8Strings.of(List.of(names)));
    }

    /** Writes a box's 9 numbers as row {@code row} of a packed array. */
    static void put(Box3D b, double[] boxes, int row) {
        int o = 9 * row;
        boxes[o] = b.x();
        boxes[o + 1] = b.y();
        boxes[o + 2] = b.z();
        boxes[o + 3] = b.sx();
        boxes[o + 4] = b.sy();
        boxes[o + 5] = b.sz();
        boxes[o + 6] = b.yaw();
        boxes[o + 7] = b.roll();
        boxes[o + 8] = b.pitch();
    }

    /** Samples in the batch. */
    public int size() {
        return off.length - 1;
    }

    /** GT boxes of sample i. */
    public int count(int i) {
        return off[i + 1] - off[i];
    }

    int[] off() {
        return off;
    }

    double[] boxes() {
        return boxes;
    }

    int[] labelIds() {
        return labelIds;
    }

    /** A predicted label's id: that of the GT label it equals, or -1 (no GT box has it), which matches nothing. */
    int id(String label) {
        return ids.getOrDefault(label, -1);
    }

    /** The labels by id, as the device's reading compares them. */
    Utf8Strings labels() {
        return labels;
    }
}
