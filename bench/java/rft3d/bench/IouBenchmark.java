package rft3d.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;
import rft3d.data.RandomDetections;
import rft3d.geometry.Box3D;
import rft3d.geometry.Iou3D;

/** JMH: one exact IoU of a GT box and a random prediction, 80% of them noisy copies of it (real overlaps). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IouBenchmark {
    @Param({"GENERAL", "YAW_ONLY", "AXIS_ALIGNED"})
    public RandomDetections.Rotation rotation;

    Box3D gt;
    Box3D[] predictions;
    int i;

    @Setup
    public void setup() {
        var batch = RandomDetections.generate(1, 4096, 1, rotation, 1);
        gt = batch.truths().get(0).get(0).box();
        predictions = batch.predictions().get(0).stream().map(p -> p.box()).toArray(Box3D[]::new);
    }

    @Benchmark
    public double iou() {
        i = (i + 1) & 4095;
        return Iou3D.iou(predictions[i], gt);
    }
}
