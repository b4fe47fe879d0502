package rft3d.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;
import rft3d.data.RandomDetections;
import rft3d.reward.CpuRewardEngine;
import rft3d.reward.DetectionMatcher;
import rft3d.reward.RewardConfig;

/** JMH: the CPU detection reward of a 1024 × 64 predicted × 64 GT batch (parsed boxes), on every core. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class DetectionRewardBenchmark {
    RandomDetections.Batch batch;
    CpuRewardEngine engine;
    RewardConfig cfg = RewardConfig.defaults();

    @Setup
    public void setup() {
        batch = RandomDetections.generate(1024, 64, 64, RandomDetections.Rotation.GENERAL, 42);
        engine = new CpuRewardEngine(cfg);
    }

    @TearDown
    public void close() {
        engine.close();
    }

    @Benchmark
    public List<DetectionMatcher.Stats> batch1024x64x64() {
        return engine.map(1024, i -> DetectionMatcher.of(batch.predictions().get(i), batch.truths().get(i), cfg));
    }
}
