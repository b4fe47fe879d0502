package rft3d.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import rft3d.geometry.Box3D;
import rft3d.geometry.LabeledBox;

/**
 * Random detection batches with realistic overlap, for kernel tests and benchmarks: each sample is a
 * room of GT objects, and its predictions are those objects with noise (centre, size, angles), some
 * missed, some duplicated and some invented, in shuffled order. Deterministic for a seed.
 */
public final class RandomDetections {
    private RandomDetections() {}

    /** How boxes are turned. */
    public enum Rotation {
        /** Yaw plus small roll and pitch: the polyhedral IoU path. */
        GENERAL,
        /** Yaw only: the rotated-rectangle path. */
        YAW_ONLY,
        /** No rotation: the interval path. */
        AXIS_ALIGNED
    }

    /** ScanNet-like class names. */
    public static final List<String> LABELS = List.of("chair", "table", "cabinet", "bed", "couch", "desk", "lamp", "bin",
            "toilet", "sink", "bathtub", "shelf", "pillow", "monitor", "door", "window", "picture", "plant");

    /** A batch: predictions and GT boxes per sample. */
    public record Batch(List<List<LabeledBox>> predictions, List<List<LabeledBox>> truths) {}

    /**
     * @param samples number of samples
     * @param predictions predictions per sample
     * @param truths GT boxes per sample
     */
    public static Batch generate(int samples, int predictions, int truths, Rotation rotation, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<List<LabeledBox>> preds = new ArrayList<>(samples), gts = new ArrayList<>(samples);
        for (int s = 0; s < samples; s++) {
            List<LabeledBox> gt = new ArrayList<>(truths);
            for (int g = 0; g < truths; g++) {
                Box3D b = box(rnd, rotation, rnd.nextDouble(-3, 3), rnd.nextDouble(-3, 3), rnd.nextDouble(0.2, 2.5),
                        rnd.nextDouble(0.2, 2.0), rnd.nextDouble(0.2, 2.0), rnd.nextDouble(0.2, 1.8));
                gt.add(new LabeledBox(LABELS.get(rnd.nextInt(LABELS.size())), b));
            }
            List<LabeledBox> pred = new ArrayList<>(predictions);
            while (pred.size() < predictions) {
                double kind = rnd.nextDouble();
                if (kind < 0.8 && !gt.isEmpty()) {
                    LabeledBox t = gt.get(rnd.nextInt(gt.size()));
                    pred.add(new LabeledBox(rnd.nextInt(20) == 0 ? LABELS.get(rnd.nextInt(LABELS.size())) : t.label(), jitter(rnd, t.box(), rotation)));
                } else {
                    pred.add(new LabeledBox(LABELS.get(rnd.nextInt(LABELS.size())), box(rnd, rotation, rnd.nextDouble(-3, 3),
                            rnd.nextDouble(-3, 3), rnd.nextDouble(0.2, 2.5), rnd.nextDouble(0.2, 2.0), rnd.nextDouble(0.2, 2.0),
                            rnd.nextDouble(0.2, 1.8))));
                }
            }
            Collections.shuffle(pred, new java.util.Random(rnd.nextLong()));
            preds.add(pred);
            gts.add(gt);
        }
        return new Batch(preds, gts);
    }

    private static Box3D box(SplittableRandom rnd, Rotation rotation, double x, double y, double z, double sx, double sy, double sz) {
        return switch (rotation) {
            case GENERAL -> Box3D.of(x, y, z, sx, sy, sz, rnd.nextDouble(-Math.PI, Math.PI), rnd.nextDouble(-0.3, 0.3), rnd.nextDouble(-0.3, 0.3));
            case YAW_ONLY -> Box3D.of(x, y, z, sx, sy, sz, rnd.nextDouble(-Math.PI, Math.PI));
            case AXIS_ALIGNED -> Box3D.of(x, y, z, sx, sy, sz);
        };
    }

    private static Box3D jitter(SplittableRandom rnd, Box3D b, Rotation rotation) {
        double n = rnd.nextDouble(0.02, 0.4); // noise level of this prediction
        double x = b.x() + rnd.nextGaussian() * n * 0.5, y = b.y() + rnd.nextGaussian() * n * 0.5, z = b.z() + rnd.nextGaussian() * n * 0.3;
        double sx = b.sx() * Math.exp(rnd.nextGaussian() * n * 0.5), sy = b.sy() * Math.exp(rnd.nextGaussian() * n * 0.5);
        double sz = b.sz() * Math.exp(rnd.nextGaussian() * n * 0.5);
        return switch (rotation) {
            case GENERAL -> Box3D.of(x, y, z, sx, sy, sz, b.yaw() + rnd.nextGaussian() * n, b.roll() + rnd.nextGaussian() * n * 0.2,
                    b.pitch() + rnd.nextGaussian() * n * 0.2);
            case YAW_ONLY -> Box3D.of(x, y, z, sx, sy, sz, b.yaw() + rnd.nextGaussian() * n);
            case AXIS_ALIGNED -> Box3D.of(x, y, z, sx, sy, sz);
        };
    }

    /**
     * The predictions of one sample as a model would write them: a JSON list in the answer envelope, one
     * object per line (as VG-LLM's evaluator reads them), numbers at full precision.
     */
    public static String completion(List<LabeledBox> predictions) {
        return completion(predictions, String::valueOf);
    }

    /** As {@link #completion(List)}, numbers as the model writes them: on the {@link Answers} grid. */
    public static String gridCompletion(List<LabeledBox> predictions) {
        return completion(predictions, Answers::number);
    }

    private static String completion(List<LabeledBox> predictions, java.util.function.DoubleFunction<String> number) {
        StringBuilder sb = new StringBuilder("<think>objects</think><answer>[\n");
        for (int i = 0; i < predictions.size(); i++) {
            LabeledBox p = predictions.get(i);
            if (i > 0) sb.append(",\n");
            sb.append("{\"label\": \"").append(p.label()).append("\", \"bbox_3d\": [");
            double[] v = p.box().toArray();
            for (int k = 0; k < 9; k++) sb.append(k == 0 ? "" : ", ").append(number.apply(v[k]));
            sb.append("]}");
        }
        return sb.append("\n]</answer>").toString();
    }

    /** The GT of one sample in the detection task's JSON schema. */
    public static String groundTruthJson(List<LabeledBox> truths) {
        String list = completion(truths);
        return "{\"boxes\": " + list.substring(list.indexOf('['), list.lastIndexOf(']') + 1) + "}";
    }
}
