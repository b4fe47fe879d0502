package rft3d.cuda;

import static jcuda.driver.JCudaDriver.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import rft3d.geometry.Box3D;
import rft3d.geometry.LabeledBox;
import rft3d.grpo.AdvantageOptions;
import rft3d.grpo.Advantages;
import rft3d.grpo.LossStats;
import rft3d.parse.AnswerParser;
import rft3d.reward.CpuRewardEngine;
import rft3d.reward.DetectionMatcher;
import rft3d.reward.DetectionTask;
import rft3d.reward.GroundingTask;
import rft3d.reward.NumericTask;
import rft3d.reward.ParsedAnswer;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;
import rft3d.reward.RewardEngine;
import rft3d.reward.Tasks;

/**
 * The reward engine on an NVIDIA GPU: answers given as text are parsed on the CPU threads, then the
 * geometry, matching, rewards and advantages of the whole batch run as a few kernel launches over one
 * packed upload. Detection answers given as token ids ({@link #scoreTokens},
 * {@link #scoreDetectionTokensOnDevice}) are decoded and read on the GPU too. Results equal
 * {@link CpuRewardEngine}'s (tested on random batches); multiple-choice scoring, a string comparison, stays
 * on the CPU.
 *
 * <p>Device work is serialised (one stream, reused buffers); the parsing and packing of concurrent calls
 * runs in parallel, on the engine's CPU threads. The {@code ...OnDevice} methods take raw device
 * addresses (for example LibTorch CUDA tensors' {@code data_ptr()}) in the same primary context.
 */
public final class GpuRewardEngine implements RewardEngine {
    private static final int THREADS = 256;
    /** Largest per-sample IoU matrix the matching kernel stages in shared memory (the default 48 KiB limit). */
    private static final int MAX_STAGED_BYTES = 48 << 10;
    /** facewise_iou's block: eight pairs of twelve faces. */
    private static final int FACEWISE_THREADS = 96;
    /** Blocks per SM for the face-wise IoU kernel (a grid-stride loop): as many as its shared memory lets in. */
    private static final long FACEWISE_BLOCKS_PER_SM = 7;
    /** facewise_iou's polygon buffers: 40 doubles for each thread. */
    private static final int FACEWISE_SHARED_BYTES = 40 * 8 * FACEWISE_THREADS;

    private final RewardConfig cfg;
    private final CudaModule cuda;
    private final CpuRewardEngine cpu;
    private final DeviceArena arena = new DeviceArena();
    /** Device-only memory of the detection kernels (IoU matrix first, then the pieces carved after it). */
    private final DeviceBuffer scratch = new DeviceBuffer();
    /** Token ids copied from the host, their text and the scanned boxes, and the packed predictions. */
    private final DeviceBuffer tokenInput = new DeviceBuffer(), tokenScratch = new DeviceBuffer(), packedPredictions = new DeviceBuffer();
    private Utf8Strings vocabulary;
    private final CUfunction prepareBoxes, candidatePairs, candidateIou, facewiseIou, detectionReward, groundingReward, numericReward,
            batchMoments, groupAdvantages, lossStats, detokenize, scanDetections, packScanned;
    private final CUevent start = new CUevent(), stop = new CUevent();
    private float lastKernelMillis;

    private GpuRewardEngine(RewardConfig cfg, CudaModule cuda) {
        this.cfg = cfg;
        this.cuda = cuda;
        this.cpu = new CpuRewardEngine(cfg);
        prepareBoxes = cuda.function("prepare_boxes");
        candidatePairs = cuda.function("candidate_pairs");
        candidateIou = cuda.function("candidate_iou");
        facewiseIou = cuda.function("facewise_iou");
        detectionReward = cuda.function("detection_reward");
        groundingReward = cuda.function("grounding_reward");
        numericReward = cuda.function("numeric_reward");
        batchMoments = cuda.function("batch_moments");
        groupAdvantages = cuda.function("group_advantages");
        lossStats = cuda.function("loss_stats");
        detokenize = cuda.function("detokenize");
        scanDetections = cuda.function("scan_detections");
        packScanned = cuda.function("pack_scanned");
        cuEventCreate(start, 0);
        cuEventCreate(stop, 0);
    }

    /**
     * An engine on device 0.
     *
     * @throws CudaUnavailableException with the reason when there is no usable GPU
     */
    public static GpuRewardEngine open(RewardConfig cfg) throws CudaUnavailableException {
        return new GpuRewardEngine(cfg, CudaModule.open());
    }

    @Override
    public List<Reward> score(String task, List<String> completions, List<JsonNode> gts) {
        CpuRewardEngine.checkBatch(completions, gts);
        return switch (task) {
            case "detection" -> scoreDetection(completions, gts);
            case "grounding" -> scoreGrounding(completions, gts);
            case "numeric" -> scoreNumeric(completions, gts);
            default -> cpu.score(task, completions, gts); // "mc" (string match) and unknown names (its error)
        };
    }

    // ---- detection -------------------------------------------------------------------------------

    /** Per-sample detection results of one batch, as the kernels computed them. */
    public record DetectionOutput(double[] reward, double[] meanBestIou, double[] f1, int[] tp, int[] fp, int[] fn) {
        /** Sample i's matching statistics. */
        public DetectionMatcher.Stats stats(int i) {
            return new DetectionMatcher.Stats(meanBestIou[i], f1[i], tp[i], fp[i], fn[i]);
        }
    }

    private List<Reward> scoreDetection(List<String> completions, List<JsonNode> gts) {
        DetectionTask task = new DetectionTask(cfg);
        Object[] truths = cpu.parseTruths(task, gts);
        List<ParsedAnswer<List<LabeledBox>>> parsed = cpu.map(completions.size(), i -> DetectionTask.parse(completions.get(i), ((List<?>) truths[i]).size()));
        List<List<LabeledBox>> preds = new ArrayList<>(parsed.size());
        List<List<LabeledBox>> gtBoxes = new ArrayList<>(parsed.size());
        double[] format = new double[parsed.size()];
        for (int i = 0; i < parsed.size(); i++) {
            preds.add(parsed.get(i).value());
            @SuppressWarnings("unchecked")
            List<LabeledBox> g = (List<LabeledBox>) truths[i];
            gtBoxes.add(g);
            format[i] = parsed.get(i).format();
        }
        DetectionOutput out = detection(preds, gtBoxes, format);
        List<Reward> rewards = new ArrayList<>(parsed.size());
        for (int i = 0; i < parsed.size(); i++) rewards.add(task.combine(parsed.get(i), out.stats(i)));
        return rewards;
    }

    /**
     * Detection rewards of already-parsed boxes: pairwise IoU, matching and rewards on the GPU. With
     * {@link RewardConfig.Matching#OPTIMAL} the IoU matrices come back and the assignment runs on the CPU.
     */
    public DetectionOutput detection(List<List<LabeledBox>> preds, List<List<LabeledBox>> gts, double[] format) {
        int b = preds.size();
        if (gts.size() != b || format.length != b) throw new IllegalArgumentException("preds, gts and format differ in length");
        Layout l = Layout.of(preds.stream().mapToInt(List::size).toArray(), gts);
        double[] predBoxes = new double[9 * Math.max(1, l.predOff[b])], gtBoxes = new double[9 * Math.max(1, l.gtOff[b])];
        int[] predLabels = new int[Math.max(1, l.predOff[b])], gtLabels = new int[Math.max(1, l.gtOff[b])];
        pack(preds, gts, l.predOff, l.gtOff, predBoxes, predLabels, gtBoxes, gtLabels);
        DetectionMatcher.Stats[] stats = match(l, gtBoxes, gtLabels, new Predictions(predBoxes, predLabels, null, null));
        DetectionOutput out = new DetectionOutput(new double[b], new double[b], new double[b], new int[b], new int[b], new int[b]);
        DetectionTask task = new DetectionTask(cfg);
        for (int i = 0; i < b; i++) {
            DetectionMatcher.Stats s = stats[i];
            out.reward[i] = task.total(format[i], s); // the one formula, as the CPU engine's
            out.meanBestIou[i] = s.meanBestIou();
            out.f1[i] = s.f1();
            out.tp[i] = s.tp();
            out.fp[i] = s.fp();
            out.fn[i] = s.fn();
        }
        return out;
    }

    /** Where each sample's predictions, GT boxes and IoU matrix start in the flat arrays (one entry more than samples). */
    private record Layout(int[] predOff, int[] gtOff, long[] pairOff) {
        static Layout of(int[] predCounts, List<List<LabeledBox>> gts) {
            int b = predCounts.length;
            int[] predOff = new int[b + 1], gtOff = new int[b + 1];
            long[] pairOff = new long[b + 1];
            for (int i = 0; i < b; i++) {
                predOff[i + 1] = predOff[i] + predCounts[i];
                gtOff[i + 1] = gtOff[i] + gts.get(i).size();
                pairOff[i + 1] = pairOff[i] + (long) predCounts[i] * gts.get(i).size();
            }
            return new Layout(predOff, gtOff, pairOff);
        }

        int samples() {
            return predOff.length - 1;
        }
    }

    /** Packed predicted boxes and labels: host arrays to upload, or where they already are on the device. */
    private record Predictions(double[] boxes, int[] labels, Pointer onDeviceBoxes, Pointer onDeviceLabels) {}

    /**
     * The device part of detection scoring: prepared boxes, candidate pairs, IoUs and matching, from GT
     * boxes and labels packed on the host and the packed predictions.
     */
    private synchronized DetectionMatcher.Stats[] match(Layout l, double[] gtBoxes, int[] gtLabels, Predictions predictions) {
        int b = l.samples();
        int[] predOff = l.predOff, gtOff = l.gtOff;
        long[] pairOff = l.pairOff;
        double[] thresholds = cfg.f1Thresholds().stream().mapToDouble(Double::doubleValue).toArray();
        cuda.makeCurrent();
        arena.reset();
        long oPredOff = arena.put(predOff), oGtOff = arena.put(gtOff), oPairOff = arena.put(pairOff);
        boolean upload = predictions.boxes() != null;
        long oPredBoxes = upload ? arena.put(predictions.boxes()) : -1, oPredLabels = upload ? arena.put(predictions.labels()) : -1;
        long oGtBoxes = arena.put(gtBoxes), oGtLabels = arena.put(gtLabels);
        long oThresholds = arena.put(thresholds);
        long inputs = arena.used();
        long oParts = arena.reserve(40L * b);
        long pairs = pairOff[b];
        int nPred = predOff[b], nGt = gtOff[b];
        long maxPairsPerSample = 0, maxTiles = 0; // a tile: one row and 32 columns of a sample's IoU matrix
        int maxGt = 0;
        for (int i = 0; i < b; i++) {
            maxPairsPerSample = Math.max(maxPairsPerSample, pairOff[i + 1] - pairOff[i]);
            maxTiles = Math.max(maxTiles, (long) (predOff[i + 1] - predOff[i]) * ceilDiv(gtOff[i + 1] - gtOff[i], 32));
            maxGt = Math.max(maxGt, gtOff[i + 1] - gtOff[i]);
        }
        // Device scratch, carved in 256-byte aligned pieces: IoU matrix, prepared boxes, kinds, bounding spheres,
        // the two work lists' counts and their shared region, used flags.
        long[] sizes = {8 * pairs, 128L * nPred, 128L * nGt, 4L * nPred, 4L * nGt, 32L * nPred, 32L * nGt, 16, 8 * pairs, 8 * pairs,
                Math.max(1, nGt)};
        long[] at = carve(sizes);
        CUdeviceptr mem = scratch.ensure(at[sizes.length]);
        CUdeviceptr iou = mem.withByteOffset(at[0]), predTable = mem.withByteOffset(at[1]), gtTable = mem.withByteOffset(at[2]);
        CUdeviceptr predKind = mem.withByteOffset(at[3]), gtKind = mem.withByteOffset(at[4]);
        CUdeviceptr predSphere = mem.withByteOffset(at[5]), gtSphere = mem.withByteOffset(at[6]), workCount = mem.withByteOffset(at[7]);
        CUdeviceptr workPair = mem.withByteOffset(at[8]), workBoxes = mem.withByteOffset(at[9]), used = mem.withByteOffset(at[10]);
        int shared = (int) Math.min(MAX_STAGED_BYTES, 8L * maxPairsPerSample + maxGt);
        final long tilesPerSample = maxTiles;
        run(inputs, oParts, () -> {
            // Arena addresses are taken here, after the last put: a put may move the arena.
            Pointer[] pred = upload ? new Pointer[] {arena.at(oPredBoxes), arena.at(oPredLabels)}
                    : new Pointer[] {predictions.onDeviceBoxes(), predictions.onDeviceLabels()};
            cuMemsetD8Async(workCount, (byte) 0, 16, cuda.stream());
            cuda.launchGrid(prepareBoxes, Math.min(ceilDiv(Math.max(nPred, nGt), 128), 8L * cuda.multiprocessors()), 2, 128, 0,
                    nPred, pred[0], predTable, predKind, predSphere, nGt, arena.at(oGtBoxes), gtTable, gtKind, gtSphere);
            // A chunk of candidate_pairs is 32 tiles for each of its warps: THREADS tiles.
            cuda.launchGrid(candidatePairs, Math.min(ceilDiv(tilesPerSample, THREADS), 64), Math.min(b, 65535), THREADS, 0, b,
                    arena.at(oPredOff), arena.at(oGtOff), arena.at(oPairOff), predTable, predKind, predSphere, pred[1],
                    gtTable, gtKind, gtSphere, arena.at(oGtLabels), iou, workCount, workPair, workBoxes, pairs);
            // The lists' lengths stay on the device: the grids are sized for the worst case, kernels stop at the
            // counts. List 0 (few pairs, but the watertight clipper's long latency) runs beside list 1.
            cuda.forkSide();
            cuda.launchOnSide(candidateIou, Math.min(ceilDiv(pairs, 128), 4L * cuda.multiprocessors()), 128,
                    workCount, workPair, workBoxes, predTable, predKind, gtTable, gtKind, iou);
            cuda.launchGrid(facewiseIou, Math.min(ceilDiv(12 * pairs, FACEWISE_THREADS), FACEWISE_BLOCKS_PER_SM * cuda.multiprocessors()), 1,
                    FACEWISE_THREADS, FACEWISE_SHARED_BYTES, workCount, workPair, workBoxes, pairs, predTable, gtTable, iou);
            cuda.joinSide();
            cuda.launchGrid(detectionReward, Math.min(b, 65535), 1, 32, shared, b, arena.at(oPredOff), arena.at(oGtOff),
                    arena.at(oPairOff), iou, arena.at(oThresholds), thresholds.length, used, shared, arena.at(oParts));
        });
        double[] matrix = null;
        if (cfg.matching() == RewardConfig.Matching.OPTIMAL && pairs > 0) {
            matrix = new double[Math.toIntExact(pairs)];
            cuMemcpyDtoH(Pointer.to(matrix), iou, 8 * pairs);
        }
        double[] parts = arena.doubles(oParts, 5 * b);
        DetectionMatcher.Stats[] stats = new DetectionMatcher.Stats[b];
        for (int i = 0; i < b; i++) {
            int p = predOff[i + 1] - predOff[i], g = gtOff[i + 1] - gtOff[i];
            stats[i] = matrix == null
                    ? new DetectionMatcher.Stats(parts[5 * i], parts[5 * i + 1], (int) parts[5 * i + 2], (int) parts[5 * i + 3], (int) parts[5 * i + 4])
                    : DetectionMatcher.fromIou(rows(matrix, pairOff[i], p, g), g, cfg);
        }
        return stats;
    }

    /** Offsets of 256-byte aligned pieces of the given sizes, and their total as the last entry. */
    private static long[] carve(long[] sizes) {
        long[] at = new long[sizes.length + 1];
        for (int i = 0; i < sizes.length; i++) at[i + 1] = at[i] + (Math.max(1, sizes[i]) + 255) / 256 * 256;
        return at;
    }

    // ---- detection from token ids --------------------------------------------------------------------

    /**
     * {@inheritDoc} Detection answers are turned into text and read on the GPU ({@code detokenize},
     * {@code scan_detections}); the few a kernel cannot read exactly as {@link DetectionTask#parse} does
     * (see answer_scan.cuh) are decoded and read on the host. Other tasks decode on the host.
     */
    @Override
    public List<Reward> scoreTokens(String task, int[][] tokens, List<String> pieces, List<JsonNode> gts) {
        if (!task.equals("detection")) return RewardEngine.super.scoreTokens(task, tokens, pieces, gts);
        if (tokens.length != gts.size()) throw new IllegalArgumentException(tokens.length + " token rows but " + gts.size() + " gts");
        int rows = tokens.length, cols = 1;
        for (int[] row : tokens) cols = Math.max(cols, row.length);
        long[] flat = new long[rows * cols];
        int[] lengths = new int[rows];
        for (int i = 0; i < rows; i++) {
            lengths[i] = tokens[i].length;
            for (int k = 0; k < tokens[i].length; k++) flat[i * cols + k] = tokens[i][k];
        }
        List<List<LabeledBox>> truths = truths(gts);
        synchronized (this) {
            cuda.makeCurrent();
            CUdeviceptr device = tokenInput.ensure(8L * flat.length);
            cuMemcpyHtoD(device, Pointer.to(flat), 8L * flat.length);
            return detectionFromTokens(device, rows, cols, lengths, pieces, truths, i -> tokens[i]);
        }
    }

    /**
     * Detection rewards of rollouts held as token ids on the device: {@code rows × cols} int64 ids at
     * {@code tokensAddress} (a LibTorch CUDA tensor's {@code data_ptr()}, say), row r's first
     * {@code lengths[r]} of them, read as {@link #scoreTokens} reads them; only the rows a kernel declines
     * are copied to the host.
     */
    public List<Reward> scoreDetectionTokensOnDevice(long tokensAddress, int rows, int cols, int[] lengths, List<String> pieces,
                                                     List<JsonNode> gts) {
        if (lengths.length != rows || gts.size() != rows) throw new IllegalArgumentException("lengths and gts must have one entry a row");
        for (int n : lengths) if (n < 0 || n > cols) throw new IllegalArgumentException("a row length is outside [0, " + cols + "]: " + n);
        List<List<LabeledBox>> truths = truths(gts);
        return detectionFromTokens(new RawDevicePointer(tokensAddress), rows, cols, lengths, pieces, truths, i -> {
            long[] ids = new long[lengths[i]];
            if (ids.length > 0) { // a raw address is no CUdeviceptr, so the runtime API's copy
                jcuda.runtime.JCuda.cudaMemcpy(Pointer.to(ids), new RawDevicePointer(tokensAddress + 8L * i * cols), 8L * ids.length,
                        jcuda.runtime.cudaMemcpyKind.cudaMemcpyDeviceToHost);
            }
            int[] out = new int[ids.length];
            for (int k = 0; k < ids.length; k++) out[k] = (int) Math.max(-1, Math.min(Integer.MAX_VALUE, ids[k]));
            return out;
        });
    }

    @SuppressWarnings("unchecked")
    private List<List<LabeledBox>> truths(List<JsonNode> gts) {
        List<List<LabeledBox>> out = new ArrayList<>(gts.size());
        for (Object t : cpu.parseTruths(new DetectionTask(cfg), gts)) out.add((List<LabeledBox>) t);
        return out;
    }

    /**
     * Strings as the kernels read them: string i is UTF-8 {@code bytes[off[i] .. off[i + 1])} (a tokenizer's
     * pieces, the batch's GT labels); {@code longest} is the longest in bytes (at least 1).
     */
    private record Utf8Strings(List<String> strings, int[] off, byte[] bytes, int longest) {
        static Utf8Strings of(List<String> strings) {
            int[] off = new int[strings.size() + 1];
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            int longest = 1;
            for (int i = 0; i < strings.size(); i++) {
                byte[] b = strings.get(i).getBytes(StandardCharsets.UTF_8);
                all.writeBytes(b);
                off[i + 1] = off[i] + b.length;
                longest = Math.max(longest, b.length);
            }
            return new Utf8Strings(List.copyOf(strings), off, all.size() == 0 ? new byte[1] : all.toByteArray(), longest);
        }
    }

    private synchronized List<Reward> detectionFromTokens(Pointer tokens, int rows, int cols, int[] lengths, List<String> pieces,
                                                          List<List<LabeledBox>> truths, IntFunction<int[]> rowIds) {
        if (vocabulary == null || !vocabulary.strings().equals(pieces)) vocabulary = Utf8Strings.of(pieces);
        Utf8Strings v = vocabulary;
        // The batch's GT labels, as the dictionary the scan gives predicted labels their ids from.
        Map<String, Integer> dict = new LinkedHashMap<>();
        for (List<LabeledBox> t : truths) for (LabeledBox lb : t) dict.putIfAbsent(lb.label(), dict.size());
        Utf8Strings labels = Utf8Strings.of(List.copyOf(dict.keySet()));
        long capacity = (long) cols * v.longest();
        int maxBoxes = Math.min(AnswerParser.MAX_BOXES, cols / 6 + 1); // a box takes more than 6 tokens in any tokenizer we know; more go to the host
        cuda.makeCurrent();
        long[] at = carve(new long[] {rows * capacity, 4L * rows, 72L * maxBoxes * rows, 4L * maxBoxes * rows});
        CUdeviceptr mem = tokenScratch.ensure(at[4]);
        CUdeviceptr text = mem.withByteOffset(at[0]), textLen = mem.withByteOffset(at[1]);
        CUdeviceptr scanBoxes = mem.withByteOffset(at[2]), scanLabels = mem.withByteOffset(at[3]);
        arena.reset();
        long oLengths = arena.put(lengths), oPieceOff = arena.put(v.off()), oPieceBytes = arena.put(v.bytes());
        long oDictOff = arena.put(labels.off()), oDict = arena.put(labels.bytes());
        long inputs = arena.used();
        long oFacts = arena.reserve(16L * rows);
        run(inputs, oFacts, () -> {
            cuda.launch(detokenize, Math.min(rows, 65535), 256, rows, cols, tokens, arena.at(oLengths), v.off().length - 1,
                    arena.at(oPieceOff), arena.at(oPieceBytes), capacity, text, textLen);
            cuda.launch(scanDetections, ceilDiv(rows, 32), 32, rows, text, capacity, textLen, maxBoxes, AnswerParser.MAX_BOXES,
                    dict.size(), arena.at(oDictOff), arena.at(oDict), scanBoxes, scanLabels, arena.at(oFacts));
        });
        int[] facts = arena.ints(oFacts, 4 * rows);
        float scanMillis = lastKernelMillis;

        // Each answer's reading; the rows the kernel declined are read on the host, as text.
        ParsedAnswer<?>[] readings = new ParsedAnswer<?>[rows];
        List<List<LabeledBox>> hostBoxes = new ArrayList<>(java.util.Collections.nCopies(rows, null));
        int[] counts = new int[rows], scanned = new int[rows];
        for (int i = 0; i < rows; i++) {
            int gt = truths.get(i).size();
            if (facts[4 * i] == 1) {
                DetectionTask.Reading r = DetectionTask.scanned(facts[4 * i + 3] == 1, facts[4 * i + 1], facts[4 * i + 2], gt);
                readings[i] = new ParsedAnswer<>(r.format(), null, r.reason());
                counts[i] = scanned[i] = r.scored() ? facts[4 * i + 1] : 0;
            } else {
                ParsedAnswer<List<LabeledBox>> p = DetectionTask.parse(RewardEngine.text(rowIds.apply(i), lengths[i], pieces), gt);
                readings[i] = p;
                hostBoxes.set(i, p.value());
                counts[i] = p.value().size();
            }
        }
        Layout l = Layout.of(counts, truths);
        int nPred = l.predOff[rows];
        long[] packedAt = carve(new long[] {72L * nPred, 4L * nPred});
        CUdeviceptr packed = packedPredictions.ensure(packedAt[2]);
        CUdeviceptr predBoxes = packed.withByteOffset(packedAt[0]), predLabels = packed.withByteOffset(packedAt[1]);
        arena.reset();
        long oScanned = arena.put(scanned), oPredOff = arena.put(l.predOff);
        run(arena.used(), arena.used(), () -> cuda.launch(packScanned, Math.min(rows, 65535), 128, rows, maxBoxes, scanBoxes, scanLabels,
                arena.at(oScanned), arena.at(oPredOff), predBoxes, predLabels));
        float packMillis = lastKernelMillis;
        for (int i = 0; i < rows; i++) {
            List<LabeledBox> boxes = hostBoxes.get(i);
            if (boxes == null || boxes.isEmpty()) continue;
            double[] b = new double[9 * boxes.size()];
            int[] lab = new int[boxes.size()];
            for (int j = 0; j < boxes.size(); j++) {
                put(boxes.get(j).box(), b, j);
                lab[j] = dict.getOrDefault(boxes.get(j).label(), -1);
            }
            cuMemcpyHtoD(predBoxes.withByteOffset(72L * l.predOff[i]), Pointer.to(b), 8L * b.length);
            cuMemcpyHtoD(predLabels.withByteOffset(4L * l.predOff[i]), Pointer.to(lab), 4L * lab.length);
        }
        double[] gtBoxes = new double[9 * Math.max(1, l.gtOff[rows])];
        int[] gtLabels = new int[Math.max(1, l.gtOff[rows])];
        for (int i = 0; i < rows; i++) {
            List<LabeledBox> g = truths.get(i);
            for (int j = 0; j < g.size(); j++) {
                put(g.get(j).box(), gtBoxes, l.gtOff[i] + j);
                gtLabels[l.gtOff[i] + j] = dict.get(g.get(j).label());
            }
        }
        DetectionMatcher.Stats[] stats = match(l, gtBoxes, gtLabels, new Predictions(null, null, predBoxes, predLabels));
        lastKernelMillis += scanMillis + packMillis;
        DetectionTask task = new DetectionTask(cfg);
        List<Reward> out = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) out.add(task.combine(readings[i], stats[i]));
        return out;
    }

    /**
     * All pairwise IoUs of the batch, flat: sample i's {@code P_i × G_i} matrix (0 for different labels)
     * starts at {@code Σ_{j<i} P_j·G_j}. For tests and benchmarks of the IoU kernel alone.
     */
    public synchronized double[] pairwiseIou(List<List<LabeledBox>> preds, List<List<LabeledBox>> gts) {
        detection(preds, gts, new double[preds.size()]);
        long total = 0;
        for (int i = 0; i < preds.size(); i++) total += (long) preds.get(i).size() * gts.get(i).size();
        double[] out = new double[Math.toIntExact(total)];
        if (total > 0) {
            cuMemcpyDtoHAsync(Pointer.to(out), scratch.ensure(8 * total), 8 * total, cuda.stream()); // the matrix comes first
            cuda.synchronize();
        }
        return out;
    }

    private static double[][] rows(double[] flat, long offset, int p, int g) {
        double[][] m = new double[p][g];
        for (int r = 0; r < p; r++) System.arraycopy(flat, (int) (offset + (long) r * g), m[r], 0, g);
        return m;
    }

    /**
     * Every sample's boxes and labels into the flat arrays, samples in parallel. Label ids are per sample,
     * since the kernels compare a prediction's label only with its own sample's GT labels: a GT label's id
     * is the index of its first GT box, and a predicted label that no GT box has gets -1, which matches none.
     */
    private void pack(List<List<LabeledBox>> preds, List<List<LabeledBox>> gts, int[] predOff, int[] gtOff,
                      double[] predBoxes, int[] predLabels, double[] gtBoxes, int[] gtLabels) {
        cpu.map(preds.size(), i -> {
            Map<String, Integer> ids = new HashMap<>();
            List<LabeledBox> g = gts.get(i), p = preds.get(i);
            for (int k = 0; k < g.size(); k++) {
                ids.putIfAbsent(g.get(k).label(), k);
                gtLabels[gtOff[i] + k] = ids.get(g.get(k).label());
                put(g.get(k).box(), gtBoxes, gtOff[i] + k);
            }
            for (int k = 0; k < p.size(); k++) {
                predLabels[predOff[i] + k] = ids.getOrDefault(p.get(k).label(), -1);
                put(p.get(k).box(), predBoxes, predOff[i] + k);
            }
            return null;
        });
    }

    private static void put(Box3D b, double[] boxes, int index) {
        int o = 9 * index;
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

    // ---- grounding and numeric -------------------------------------------------------------------

    private List<Reward> scoreGrounding(List<String> completions, List<JsonNode> gts) {
        GroundingTask task = new GroundingTask(cfg);
        Object[] truths = cpu.parseTruths(task, gts);
        var parsed = cpu.map(completions.size(), i -> GroundingTask.parse(completions.get(i)));
        int b = parsed.size();
        // The convention's world transform is a few multiplies per sample: done here, in its one place.
        double[] worldBoxes = new double[9 * b], gtBoxes = new double[9 * b], format = new double[b];
        int[] frame = new int[b], gtFrame = new int[b], frames = new int[b];
        for (int i = 0; i < b; i++) {
            GroundingTask.Truth t = (GroundingTask.Truth) truths[i];
            AnswerParser.Grounding g = parsed.get(i).value();
            frame[i] = g == null ? -1 : g.frame();
            frames[i] = t.camToWorld().size();
            if (g != null && g.frame() < frames[i]) System.arraycopy(task.worldBox(t, g.frame(), g.box()).toArray(), 0, worldBoxes, 9 * i, 9);
            System.arraycopy(t.worldBox().toArray(), 0, gtBoxes, 9 * i, 9);
            gtFrame[i] = t.frame();
            format[i] = parsed.get(i).format();
        }
        double[] parts;
        synchronized (this) {
            cuda.makeCurrent();
            arena.reset();
            long oBoxes = arena.put(worldBoxes), oFrame = arena.put(frame), oFrames = arena.put(frames), oGtFrame = arena.put(gtFrame);
            long oGt = arena.put(gtBoxes);
            long inputs = arena.used();
            long oParts = arena.reserve(16L * b);
            run(inputs, oParts, () -> cuda.launch(groundingReward, ceilDiv(b, THREADS), THREADS, b, arena.at(oBoxes), arena.at(oFrame),
                    arena.at(oFrames), arena.at(oGtFrame), arena.at(oGt), cfg.frameTolerance(), arena.at(oParts)));
            parts = arena.doubles(oParts, 2 * b);
        }
        List<Reward> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            out.add(task.combine(format[i], parts[2 * i], parts[2 * i + 1], GroundingTask.reason(parsed.get(i), (GroundingTask.Truth) truths[i])));
        }
        return out;
    }

    private List<Reward> scoreNumeric(List<String> completions, List<JsonNode> gts) {
        NumericTask task = new NumericTask(cfg);
        Object[] truths = cpu.parseTruths(task, gts);
        var parsed = cpu.map(completions.size(), i -> NumericTask.parse(completions.get(i)));
        int b = parsed.size();
        double[] pred = new double[b], gt = new double[b], format = new double[b];
        int[] valid = new int[b];
        for (int i = 0; i < b; i++) {
            Double v = parsed.get(i).value();
            valid[i] = v == null ? 0 : 1;
            pred[i] = v == null ? 0 : v;
            gt[i] = (Double) truths[i];
            format[i] = parsed.get(i).format();
        }
        double[] thresholds = cfg.mraThresholds().stream().mapToDouble(Double::doubleValue).toArray();
        double[] mra;
        synchronized (this) {
            cuda.makeCurrent();
            arena.reset();
            long oPred = arena.put(pred), oValid = arena.put(valid), oGt = arena.put(gt), oTh = arena.put(thresholds);
            long inputs = arena.used();
            long oMra = arena.reserve(8L * b);
            run(inputs, oMra, () -> cuda.launch(numericReward, ceilDiv(b, THREADS), THREADS, b, arena.at(oPred), arena.at(oValid),
                    arena.at(oGt), arena.at(oTh), thresholds.length, arena.at(oMra)));
            mra = arena.doubles(oMra, b);
        }
        List<Reward> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) out.add(task.combine(format[i], mra[i], parsed.get(i).reason()));
        return out;
    }

    // ---- GRPO ------------------------------------------------------------------------------------

    @Override
    public synchronized double[] advantages(double[] rewards, int groupSize, AdvantageOptions options) {
        Advantages.validate(rewards, groupSize);
        cuda.makeCurrent();
        arena.reset();
        long oRewards = arena.put(rewards);
        long inputs = arena.used();
        long oAdv = arena.reserve(8L * rewards.length), oStats = arena.reserve(BATCH_STATS_BYTES);
        run(inputs, oAdv, () -> launchAdvantages(arena.at(oRewards), arena.at(oAdv), arena.at(oStats), rewards.length, groupSize, options));
        double[] adv = arena.doubles(oAdv, rewards.length);
        Advantages.checkFinite(adv);
        return adv;
    }

    /**
     * Group-relative advantages between two device buffers of {@code n} doubles (for example LibTorch
     * float64 CUDA tensors), without a host copy. Inputs are not checked for NaN: they never leave the GPU.
     */
    public synchronized void advantagesOnDevice(long rewardsAddress, long advantagesAddress, int n, int groupSize, AdvantageOptions options) {
        Advantages.checkGroups(n, groupSize);
        cuda.makeCurrent();
        arena.reset();
        long oStats = arena.reserve(BATCH_STATS_BYTES);
        run(0, arena.used(), () -> launchAdvantages(new RawDevicePointer(rewardsAddress), new RawDevicePointer(advantagesAddress),
                arena.at(oStats), n, groupSize, options));
    }

    /** batch_moments' output: mean, std and scale. */
    private static final long BATCH_STATS_BYTES = 3 * 8;

    private void launchAdvantages(Pointer rewards, Pointer adv, Pointer stats, int n, int groupSize, AdvantageOptions options) {
        int scaling = switch (options.scaling()) {
            case GROUP_STD -> 0;
            case BATCH_STD -> 1;
            case NONE -> 2;
        };
        if (scaling == 1) cuda.launch(batchMoments, 1, 1024, n, rewards, stats);
        cuda.launch(groupAdvantages, ceilDiv(32L * (n / groupSize), THREADS), THREADS, n, groupSize, rewards, scaling, options.eps(), stats, adv);
    }

    /** {@link LossStats#compute} on the GPU from host arrays. */
    public synchronized LossStats lossStats(float[] logp, float[] logpOld, float[] logpRef, float[] mask, double[] advantages,
                                            int B, int T, double clipLow, double clipHigh) {
        LossStats.checkShapes(logp, logpOld, logpRef, mask, advantages, B, T);
        cuda.makeCurrent();
        arena.reset();
        long a = arena.put(logp), b = arena.put(logpOld), c = arena.put(logpRef), d = arena.put(mask), e = arena.put(advantages);
        long inputs = arena.used();
        long oSums = arena.reserve(40);
        return runLossStats(inputs, arena.at(a), arena.at(b), arena.at(c), arena.at(d), arena.at(e), oSums, B, T, clipLow, clipHigh);
    }

    /** {@link LossStats#compute} over device buffers: float32 {@code [B, T]} log-probs and mask, float64 advantages. */
    public synchronized LossStats lossStatsOnDevice(long logp, long logpOld, long logpRef, long mask, long advantages,
                                                    int B, int T, double clipLow, double clipHigh) {
        cuda.makeCurrent();
        arena.reset();
        long oSums = arena.reserve(40);
        return runLossStats(0, new RawDevicePointer(logp), new RawDevicePointer(logpOld), new RawDevicePointer(logpRef),
                new RawDevicePointer(mask), new RawDevicePointer(advantages), oSums, B, T, clipLow, clipHigh);
    }

    private LossStats runLossStats(long inputs, Pointer logp, Pointer logpOld, Pointer logpRef, Pointer mask, Pointer adv, long oSums,
                                   int B, int T, double clipLow, double clipHigh) {
        long blocks = Math.min(gridFor((long) B * T, THREADS), 4L * cuda.multiprocessors());
        run(inputs, oSums, () -> {
            cuMemsetD8Async(arena.at(oSums), (byte) 0, 40, cuda.stream());
            cuda.launch(lossStats, blocks, THREADS, B, T, logp, logpOld, logpRef, mask, adv, clipLow, clipHigh, arena.at(oSums));
        });
        return LossStats.fromSums(arena.doubles(oSums, 5));
    }

    // ---- plumbing --------------------------------------------------------------------------------

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Blocks for a grid-stride kernel over {@code n} items. */
    private long gridFor(long n, int threads) {
        return Math.min(ceilDiv(n, threads), 64L * cuda.multiprocessors());
    }

    /**
     * Every call's one sequence: uploads the first {@code inputBytes} of the arena (the packed inputs), runs
     * the launches between the timing events, copies the arena from {@code outputsFrom} to its end (the
     * outputs, reserved last) back to the host, waits for the stream and reads the kernel time.
     */
    private void run(long inputBytes, long outputsFrom, Runnable launches) {
        arena.upload(inputBytes, cuda.stream());
        cuEventRecord(start, cuda.stream());
        launches.run();
        cuEventRecord(stop, cuda.stream());
        arena.download(outputsFrom, arena.used() - outputsFrom, cuda.stream());
        cuda.synchronize();
        float[] ms = {0};
        cuEventElapsedTime(ms, start, stop);
        lastKernelMillis = ms[0];
    }

    /** GPU time of the last call's kernels (CUDA events around the launches, copies excluded), in ms. */
    public synchronized float lastKernelMillis() {
        return lastKernelMillis;
    }

    @Override
    public String describe() {
        return "cuda: " + cuda.deviceName() + " (" + cuda.multiprocessors() + " SMs)";
    }

    @Override
    public RewardConfig config() {
        return cfg;
    }

    @Override
    public synchronized void close() {
        cuda.makeCurrent();
        arena.close();
        scratch.close();
        tokenInput.close();
        tokenScratch.close();
        packedPredictions.close();
        cuEventDestroy(start);
        cuEventDestroy(stop);
        cuda.close();
        cpu.close();
    }
}
