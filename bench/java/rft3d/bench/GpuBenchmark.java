package rft3d.bench;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import rft3d.cuda.DetectionTruths;
import rft3d.cuda.GpuRewardEngine;
import rft3d.data.RandomDetections;
import rft3d.geometry.LabeledBox;
import rft3d.reward.CpuRewardEngine;
import rft3d.reward.DetectionMatcher;
import rft3d.reward.RewardConfig;

/**
 * The detection-reward benchmark of bench/gpu.sh: for each workload, GPU kernel time (CUDA events,
 * median of 30 after 5 warm-ups), end-to-end time from Java objects (parsed boxes) to rewards, the CPU
 * reference on all cores, and agreement between the two. Writes each workload as a binary file for the
 * Python references ({@code bench/python/reference.py}) and prints a table.
 *
 * <p>Usage: {@code GpuBenchmark OUT_DIR [--quick | --profile | --host-profile]}: --quick runs one small batch
 * (for compute-sanitizer), --profile general-1024 three times from boxes, strings and token ids (for Nsight
 * Compute), --host-profile the same forty times (for a JFR recording of the host side).
 */
public final class GpuBenchmark {
    private GpuBenchmark() {}

    record Workload(String name, int samples, RandomDetections.Rotation rotation) {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        boolean quick = args.length > 1 && args[1].equals("--quick");
        if (args.length > 1 && (args[1].equals("--profile") || args[1].equals("--host-profile"))) {
            profile(args[1].equals("--profile") ? 3 : 40);
            return;
        }
        Files.createDirectories(out);
        List<Workload> workloads = quick
                ? List.of(new Workload("general-64", 64, RandomDetections.Rotation.GENERAL))
                : List.of(new Workload("general-1024", 1024, RandomDetections.Rotation.GENERAL),
                        new Workload("yaw-1024", 1024, RandomDetections.Rotation.YAW_ONLY),
                        new Workload("aligned-1024", 1024, RandomDetections.Rotation.AXIS_ALIGNED),
                        new Workload("general-8192", 8192, RandomDetections.Rotation.GENERAL));
        RewardConfig cfg = RewardConfig.defaults();
        List<String> rows = new ArrayList<>();
        try (GpuRewardEngine gpu = GpuRewardEngine.open(cfg); CpuRewardEngine cpu = new CpuRewardEngine(cfg)) {
            System.out.println("[bench] " + gpu.describe() + "; CPU reference on " + cpu.describe());
            for (Workload w : workloads) {
                var batch = RandomDetections.generate(w.samples(), 64, 64, w.rotation(), 42);
                double[] format = new double[w.samples()];
                Arrays.fill(format, 1);
                int warm = quick ? 1 : 5, timed = quick ? 3 : 30;
                for (int i = 0; i < warm; i++) gpu.detection(batch.predictions(), batch.truths(), format);
                double[] kernel = new double[timed], e2e = new double[timed];
                GpuRewardEngine.DetectionOutput result = null;
                for (int i = 0; i < timed; i++) {
                    long t0 = System.nanoTime();
                    result = gpu.detection(batch.predictions(), batch.truths(), format);
                    e2e[i] = (System.nanoTime() - t0) / 1e6;
                    kernel[i] = gpu.lastKernelMillis();
                }
                int cpuRuns = quick ? 1 : 3;
                double[] cpuMs = new double[cpuRuns];
                List<DetectionMatcher.Stats> reference = null;
                for (int i = 0; i < cpuRuns + 1; i++) { // first run warms up
                    long t0 = System.nanoTime();
                    reference = cpu.map(w.samples(), s -> DetectionMatcher.of(batch.predictions().get(s), batch.truths().get(s), cfg));
                    if (i > 0) cpuMs[i - 1] = (System.nanoTime() - t0) / 1e6;
                }
                int countMismatch = 0;
                double maxIouDiff = 0;
                for (int s = 0; s < w.samples(); s++) {
                    DetectionMatcher.Stats r = reference.get(s);
                    maxIouDiff = Math.max(maxIouDiff, Math.abs(r.meanBestIou() - result.meanBestIou()[s]));
                    if (r.tp() != result.tp()[s] || r.fp() != result.fp()[s] || r.fn() != result.fn()[s]) countMismatch++;
                }
                long pairs = (long) w.samples() * 64 * 64;
                double kMed = median(kernel), eMed = median(e2e), cMed = median(cpuMs);
                // Traffic the two kernels cannot avoid: the IoU matrix written once and read once (8 B each way).
                double gbPerS = 16.0 * pairs / (kMed * 1e-3) / 1e9;
                rows.add(String.format(Locale.ROOT, "| %-13s | %6d | %9.3f | %9.3f | %9.1f | %7.0fx | %8.2f | %6.1f%% | %.1e | %d |",
                        w.name(), w.samples(), kMed, eMed, cMed, cMed / kMed, pairs / (kMed * 1e-3) / 1e9, 100 * gbPerS / 3350,
                        maxIouDiff, countMismatch));
                writeForPython(out.resolve(w.name() + ".bin"), batch, result);
            }
            String table = "| workload      | samples | GPU kernel ms (median) | Java objects→rewards ms | CPU ref ms | CPU/GPU kernel | Gpairs/s | HBM share* | max |Δ mean IoU| | TP/FP/FN mismatches |\n"
                    + "|---|---|---|---|---|---|---|---|---|---|\n" + String.join("\n", rows);
            Files.writeString(out.resolve("java_results.md"), table + "\n");
            System.out.println(table);
            System.out.println("* share of the H100's 3.35 TB/s for the IoU matrix's unavoidable traffic (16 B per pair); the kernels are compute-bound.");
            endToEndFromStrings(gpu, cpu, quick ? 64 : 1024);
        }
    }

    /**
     * {@code calls} calls from parsed boxes (general-1024), then as many from strings and from token ids:
     * three for Nsight Compute, more for a host profile (JFR).
     */
    private static void profile(int calls) throws Exception {
        var batch = RandomDetections.generate(1024, 64, 64, RandomDetections.Rotation.GENERAL, 42);
        double[] format = new double[1024];
        try (GpuRewardEngine gpu = GpuRewardEngine.open(RewardConfig.defaults())) {
            for (int i = 0; i < calls; i++) gpu.detection(batch.predictions(), batch.truths(), format);
            var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            List<String> completions = new ArrayList<>();
            List<com.fasterxml.jackson.databind.JsonNode> gts = new ArrayList<>();
            for (int i = 0; i < 1024; i++) {
                completions.add(RandomDetections.completion(batch.predictions().get(i)));
                gts.add(mapper.readTree(RandomDetections.groundTruthJson(batch.truths().get(i))));
            }
            for (int i = 0; i < calls; i++) gpu.score("detection", completions, gts);
            tokensToRewards(gpu, batch, gts, calls);
        }
    }

    /** Completions as strings through parsing, GPU engine versus CPU engine. */
    private static void endToEndFromStrings(GpuRewardEngine gpu, CpuRewardEngine cpu, int n) throws IOException {
        var batch = RandomDetections.generate(n, 64, 64, RandomDetections.Rotation.GENERAL, 7);
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> completions = new ArrayList<>();
        List<com.fasterxml.jackson.databind.JsonNode> gts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            completions.add(RandomDetections.completion(batch.predictions().get(i)));
            gts.add(mapper.readTree(RandomDetections.groundTruthJson(batch.truths().get(i))));
        }
        // As a trainer calls it, both ways: the GT's JSON read in every call, and the prompts' GT packed once
        // (detectionTruths) with batch after batch of text against it. The two alternate, after 15 untimed
        // rounds, so that both run compiled (the calls from boxes before this do not warm the reading code).
        DetectionTruths prepared = gpu.detectionTruths(gts);
        int warm = 15, timed = 15;
        double[] g = new double[timed], p = new double[timed], c = new double[3];
        for (int i = 0; i < warm + timed; i++) {
            long t0 = System.nanoTime();
            gpu.score("detection", completions, gts);
            long t1 = System.nanoTime();
            gpu.scoreDetection(completions, prepared);
            long t2 = System.nanoTime();
            if (i >= warm) {
                g[i - warm] = (t1 - t0) / 1e6;
                p[i - warm] = (t2 - t1) / 1e6;
            }
        }
        for (int i = 0; i < 4; i++) {
            long t0 = System.nanoTime();
            cpu.score("detection", completions, gts);
            if (i >= 1) c[i - 1] = (System.nanoTime() - t0) / 1e6;
        }
        System.out.printf(Locale.ROOT, "[bench] %d completion strings -> rewards (parse + score): GPU engine %.1f ms (p90 %.1f; %.1f ms with the GT "
                + "packed beforehand), CPU engine %.1f ms (medians of %d calls after %d)%n", n, median(g), quantile(g, 0.9), median(p), median(c), timed, warm);
        tokensToRewards(gpu, batch, gts, 33);
        copyBandwidth(5_000_000);
    }

    /**
     * The same batch as the model writes it (grid numbers), as token ids already on the device (int64, as a
     * LibTorch tensor holds them) -> rewards: wall time of the call and GPU time of its kernels.
     */
    private static void tokensToRewards(GpuRewardEngine gpu, RandomDetections.Batch batch, List<com.fasterxml.jackson.databind.JsonNode> gts,
                                        int calls) {
        rft3d.model.Tokenizer tokenizer = new rft3d.model.Tokenizer();
        int n = batch.predictions().size(), cols = 0;
        int[][] ids = new int[n][];
        for (int i = 0; i < n; i++) {
            ids[i] = tokenizer.encode(RandomDetections.gridCompletion(batch.predictions().get(i)));
            cols = Math.max(cols, ids[i].length);
        }
        long[] flat = new long[n * cols];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            lengths[i] = ids[i].length;
            for (int k = 0; k < ids[i].length; k++) flat[i * cols + k] = ids[i][k];
        }
        List<String> pieces = tokenizer.decodedPieces();
        jcuda.driver.CUdeviceptr device = new jcuda.driver.CUdeviceptr();
        jcuda.driver.JCudaDriver.cuMemAlloc(device, 8L * flat.length);
        try {
            jcuda.driver.JCudaDriver.cuMemcpyHtoD(device, jcuda.Pointer.to(flat), 8L * flat.length);
            // CUdeviceptr.toString() is "CUdeviceptr[nativePointer=0x..,byteOffset=0x..]".
            String str = device.toString();
            int at = str.indexOf("nativePointer=0x") + "nativePointer=0x".length();
            long address = Long.parseUnsignedLong(str.substring(at, str.indexOf(',', at)), 16);
            // As a trainer calls it: GT JSON parsed each call, or packed once for the prompts (detectionTruths).
            rft3d.cuda.DetectionTruths prepared = gpu.detectionTruths(gts);
            double[] wall = new double[Math.max(1, calls - 3)], kernels = new double[wall.length], preparedWall = new double[wall.length];
            for (int i = 0; i < calls; i++) {
                long t0 = System.nanoTime();
                gpu.scoreDetectionTokensOnDevice(address, n, cols, lengths, pieces, gts);
                if (i >= 3) wall[i - 3] = (System.nanoTime() - t0) / 1e6;
            }
            for (int i = 0; i < calls; i++) {
                long t0 = System.nanoTime();
                gpu.scoreDetectionTokensOnDevice(address, n, cols, lengths, pieces, prepared);
                if (i >= 3) {
                    preparedWall[i - 3] = (System.nanoTime() - t0) / 1e6;
                    kernels[i - 3] = gpu.lastKernelMillis();
                }
            }
            System.out.printf(Locale.ROOT, "[bench] %d x %d token ids on the device -> rewards: %.2f ms wall with the GT JSON parsed, "
                    + "%.2f ms with the GT packed beforehand; %.3f ms of kernels (medians)%n", n, cols, median(wall), median(preparedWall), median(kernels));
        } finally {
            jcuda.driver.JCudaDriver.cuMemFree(device);
        }
    }

    /**
     * Host-to-device copy bandwidth from pinned memory, the floor under every upload of packed inputs: from
     * a buffer at rest, and just after one or sixteen threads wrote it (as the engine packs its inputs), when
     * the copy must pull the lines out of the cores' caches.
     */
    private static void copyBandwidth(long bytes) {
        jcuda.Pointer host = new jcuda.Pointer();
        jcuda.driver.CUdeviceptr device = new jcuda.driver.CUdeviceptr();
        jcuda.driver.JCudaDriver.cuMemAllocHost(host, bytes);
        jcuda.driver.JCudaDriver.cuMemAlloc(device, bytes);
        try {
            double[] ms = new double[20];
            for (int i = 0; i < 23; i++) {
                long t0 = System.nanoTime();
                jcuda.driver.JCudaDriver.cuMemcpyHtoD(device, host, bytes);
                if (i >= 3) ms[i - 3] = (System.nanoTime() - t0) / 1e6;
            }
            System.out.printf(Locale.ROOT, "[bench] host->device copy of %.1f MB from pinned memory: %.3f ms (%.1f GB/s, median)%n",
                    bytes / 1e6, median(ms), bytes / median(ms) / 1e6);
            java.nio.ByteBuffer view = host.getByteBuffer(0, bytes);
            for (int i = 0; i < 23; i++) {
                for (int k = 0; k < bytes; k += 8) view.putLong(k, k);
                long t0 = System.nanoTime();
                jcuda.driver.JCudaDriver.cuMemcpyHtoD(device, host, bytes);
                if (i >= 3) ms[i - 3] = (System.nanoTime() - t0) / 1e6;
            }
            System.out.printf(Locale.ROOT, "[bench] the same copy just after the CPU wrote the buffer: %.3f ms (%.1f GB/s, median)%n",
                    median(ms), bytes / median(ms) / 1e6);
            for (int i = 0; i < 23; i++) {
                java.util.stream.IntStream.range(0, 16).parallel().forEach(t -> {
                    java.nio.ByteBuffer v = host.getByteBuffer(0, bytes);
                    for (long k = t * (bytes / 16) / 8 * 8; k < (t + 1) * (bytes / 16) / 8 * 8; k += 8) v.putLong((int) k, k);
                });
                long t0 = System.nanoTime();
                jcuda.driver.JCudaDriver.cuMemcpyHtoD(device, host, bytes);
                if (i >= 3) ms[i - 3] = (System.nanoTime() - t0) / 1e6;
            }
            System.out.printf(Locale.ROOT, "[bench] the same copy just after 16 threads wrote the buffer: %.3f ms (%.1f GB/s, median)%n",
                    median(ms), bytes / median(ms) / 1e6);
        } finally {
            jcuda.driver.JCudaDriver.cuMemFreeHost(host);
            jcuda.driver.JCudaDriver.cuMemFree(device);
        }
    }

    private static double median(double[] v) {
        return quantile(v, 0.5);
    }

    /** The sample at quantile q (nearest rank). */
    private static double quantile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) (q * s.length))];
    }

    /**
     * Little-endian: int32 B, P, G; float64 pred boxes [B,P,9]; int32 pred labels [B,P]; float64 GT boxes
     * [B,G,9]; int32 GT labels [B,G]; then the GPU's float64 mean best IoU [B] and int32 TP [B].
     */
    private static void writeForPython(Path file, RandomDetections.Batch batch, GpuRewardEngine.DetectionOutput r) throws IOException {
        int b = batch.predictions().size(), p = 64, g = 64;
        ByteBuffer buf = ByteBuffer.allocate(12 + b * (p * 76 + g * 76) + b * 12).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(b).putInt(p).putInt(g);
        for (List<LabeledBox> l : batch.predictions()) for (LabeledBox x : l) for (double v : x.box().toArray()) buf.putDouble(v);
        for (List<LabeledBox> l : batch.predictions()) for (LabeledBox x : l) buf.putInt(RandomDetections.LABELS.indexOf(x.label()));
        for (List<LabeledBox> l : batch.truths()) for (LabeledBox x : l) for (double v : x.box().toArray()) buf.putDouble(v);
        for (List<LabeledBox> l : batch.truths()) for (LabeledBox x : l) buf.putInt(RandomDetections.LABELS.indexOf(x.label()));
        for (double v : r.meanBestIou()) buf.putDouble(v);
        for (int v : r.tp()) buf.putInt(v);
        try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(file))) {
            o.write(buf.array(), 0, buf.position());
        }
    }
}
